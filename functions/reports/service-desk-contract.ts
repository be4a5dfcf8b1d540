/**
 * The service-desk report's HTTP contract (`GET /reports/service-desk?from=&to=`, staff only):
 * tickets opened, resolved and reopened per type and priority, SLA attainment, mean time to
 * resolve (wall clock and business time) and the current backlog by status. Kept from the ticket
 * events by the `serviceDeskReports` consumer and read by key (functions/reports/service-desk.ts).
 */
import * as z from 'zod';
import { TicketPriority, TicketStatus, TicketType } from '#events/tickets.ts';
import { defineRoute } from '#shared/http/contract.ts';
import { queryParams } from '#shared/schemas.ts';

const IsoDate = z.iso.date().meta({ description: 'A UTC calendar day, YYYY-MM-DD', example: '2026-03-01' });

/** The longest range one request may cover, in days (both ends included), as for sales. */
export const MAX_SERVICE_DESK_DAYS = 366;

/** Days from `from` to `to`, both included. */
const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/**
 * UTC days `from` … `to`, both included, at most a year: the sales report's range. (Its own copy:
 * contract.ts imports this module, so importing SalesQuery back would be an import cycle.)
 */
export const ServiceDeskQuery = queryParams({ from: IsoDate, to: IsoDate })
  .refine((q) => q.from <= q.to, { message: 'Must not be before `from`', path: ['to'] })
  .refine((q) => daysBetween(q.from, q.to) <= MAX_SERVICE_DESK_DAYS, {
    message: `A report covers at most ${MAX_SERVICE_DESK_DAYS} days`,
    path: ['to'],
  });

/**
 * An object with exactly these keys, each of one schema: in OpenAPI each key is a declared
 * property (a `z.record` over an enum would leave its required keys undeclared).
 */
function keyed<K extends string, S extends z.ZodType>(keys: readonly K[], schema: S) {
  return z.object(Object.fromEntries(keys.map((k) => [k, schema])) as Record<K, S>);
}

const Percent = z
  .number()
  .min(0)
  .max(100)
  .nullable()
  .meta({ description: 'Percent with one decimal; null when no ticket was resolved', example: 87.5 });
const MeanMs = z
  .int()
  .min(0)
  .nullable()
  .meta({ description: 'Mean in milliseconds, rounded; null when no ticket was resolved' });

export const ServiceDeskFigures = z
  .object({
    opened: z.int().meta({ description: 'Tickets created in the range (by their priority when created)' }),
    resolved: z.int().meta({
      description:
        'Tickets whose first resolution is in the range (by their type and priority then); ' +
        'a ticket reopened and resolved again counts once, at its first resolution',
    }),
    reopened: z.int().meta({ description: 'RESOLVED → OPEN transitions in the range' }),
    responseMet: z.int().meta({ description: 'Of `resolved`: first response in time' }),
    resolutionMet: z.int().meta({ description: 'Of `resolved`: resolved in time' }),
    responseAttainmentPercent: Percent.meta({ description: '100 × responseMet / resolved' }),
    resolutionAttainmentPercent: Percent.meta({ description: '100 × resolutionMet / resolved' }),
    meanTimeToResolveMs: MeanMs.meta({
      description: 'Mean wall-clock time from creation to first resolution of the tickets resolved',
    }),
    meanBusinessTimeToResolveMs: MeanMs.meta({
      description: 'Mean business time (SLA calendar, pauses excluded) to first resolution',
    }),
  })
  .meta({ id: 'ServiceDeskFigures' });
export type ServiceDeskFigures = z.infer<typeof ServiceDeskFigures>;

export const ServiceDeskTypeFigures = ServiceDeskFigures.extend({
  byPriority: keyed(TicketPriority.options, ServiceDeskFigures),
}).meta({ id: 'ServiceDeskTypeFigures' });

export const ServiceDeskDay = z
  .object({ date: IsoDate, opened: z.int(), resolved: z.int(), reopened: z.int() })
  .meta({ id: 'ServiceDeskDay' });

export const ServiceDeskBacklog = z
  .object({
    byStatus: keyed(TicketStatus.options, z.int()).meta({ description: 'Tickets in each status now' }),
    open: z.int().meta({ description: 'Tickets still to be worked on: NEW + OPEN + PENDING' }),
  })
  .meta({ id: 'ServiceDeskBacklog' });

export const ServiceDeskReport = z
  .object({
    from: IsoDate,
    to: IsoDate,
    totals: ServiceDeskFigures,
    byType: keyed(TicketType.options, ServiceDeskTypeFigures),
    byPriority: keyed(TicketPriority.options, ServiceDeskFigures),
    /** Every day of the range, in order, quiet days included. */
    days: z.array(ServiceDeskDay),
    /** Current counts, whatever the range. */
    backlog: ServiceDeskBacklog,
  })
  .meta({ id: 'ServiceDeskReport' });
export type ServiceDeskReport = z.infer<typeof ServiceDeskReport>;

export const getServiceDeskReportRoute = defineRoute({
  method: 'GET',
  path: '/reports/service-desk',
  operationId: 'getServiceDeskReport',
  summary: 'Service desk: tickets opened and resolved, SLA attainment, time to resolve, backlog',
  description:
    `Staff only. \`from\` and \`to\` are UTC days, both included, at most ${MAX_SERVICE_DESK_DAYS} days apart. ` +
    'A ticket counts as opened on the UTC day it was created, and as resolved on the UTC day of its ' +
    'first resolution (a reopened ticket resolved again is not counted twice; its reopening counts in ' +
    '`reopened`). SLA attainment is over the tickets resolved in the range: the percentage whose first ' +
    'response, and whose resolution, met its target (a target that breached counts as missed even if ' +
    'met later). Mean time to resolve runs from creation to first resolution, in wall-clock time and ' +
    'in business time (the SLA calendar, pauses excluded). `backlog` is the current count of tickets ' +
    'per status, whatever the range. Figures follow the ticket events, a second or two behind.',
  tag: 'reports',
  access: 'staff',
  query: ServiceDeskQuery,
  responses: {
    200: { description: 'The report for the range and the current backlog', schema: ServiceDeskReport },
  },
});
