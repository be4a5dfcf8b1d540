/**
 * Service-desk reports consumer (queue fed by `TicketCreated`, `TicketStatusChanged` and
 * `TicketResolved`): keeps the per-day counters and the backlog by status of
 * functions/reports/service-desk.ts. The updates commit with the consumer's marker, so a
 * redelivered event is never counted twice.
 */
import { consumer } from '#events/consumer.ts';
import {
  backlogUpdate,
  cellUpdates,
  createdDeltas,
  resolutionWrites,
  statusChangedDeltas,
} from './service-desk.ts';

export const serviceDeskReports = consumer({
  name: 'serviceDeskReports',
  handlers: {
    TicketCreated: async (event, tx) => {
      const { cells, backlog } = createdDeltas(event);
      return [...cellUpdates(cells, tx.now), ...backlogUpdate(backlog, tx.now)];
    },
    TicketStatusChanged: async (event, tx) => {
      const { cells, backlog } = statusChangedDeltas(event);
      return [...cellUpdates(cells, tx.now), ...(backlog ? backlogUpdate(backlog, tx.now) : [])];
    },
    TicketResolved: async (event, tx) => resolutionWrites(event, tx.now),
  },
});

export const handler = serviceDeskReports.handler;
