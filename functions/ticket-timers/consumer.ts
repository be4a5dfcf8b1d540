/**
 * SLA timers consumer (queue fed by `TicketSlaChanged`): keeps a warning and a breach timer per
 * running SLA clock of each ticket in EventBridge Scheduler.
 */
import { consumer } from '#events/consumer.ts';
import { applySlaChanged } from './schedule.ts';

export const slaTimers = consumer({
  name: 'ticketSlaTimers',
  handlers: { TicketSlaChanged: applySlaChanged },
});

export const handler = slaTimers.handler;
