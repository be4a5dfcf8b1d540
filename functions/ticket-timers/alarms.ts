/**
 * An SLA timer fired: the schedule invokes the alarm function with its `TimerPayload`. The alarm
 * is raised only if the timer still stands for the ticket's current clock: the version it was set
 * for is the one stored, that clock still runs, and its instant has not fired yet. Then, in one
 * transaction, the slot is marked fired, a once-marker per (ticket, target, kind, version) is put
 * and `TicketSlaWarning` / `TicketSlaBreached` goes to the outbox, so a duplicate invocation (the
 * scheduler retries, or a second firing) and a stale one write nothing.
 */
import * as z from 'zod';
import { emit } from '#events/emit.ts';
import { SlaTarget } from '#events/tickets.ts';
import { ddb } from '#shared/ddb.ts';
import { logger } from '#shared/observability.ts';
import { IsoTimestamp } from '#shared/schemas.ts';
import { transactWrite } from '#shared/transactions.ts';
import { TIMER_KINDS, timerSlot } from './plan.ts';
import { firingWrites, getSlaTimers } from './sla-timers.ts';

export const TimerPayloadSchema = z.object({
  ticketId: z.string().min(1),
  target: SlaTarget,
  kind: z.enum(TIMER_KINDS),
  slaVersion: z.int().min(1),
  at: IsoTimestamp,
  correlationId: z.string().min(1).max(128).optional(),
});

/** `invalid`: not a timer payload; logged and dropped (a retry cannot make it one). */
export type AlarmOutcome = 'emitted' | 'stale' | 'duplicate' | 'invalid';

/** Raises the alarm of one timer firing at most once; `now` is the firing time. */
export async function raiseSlaAlarm(
  payload: unknown,
  now: string = new Date().toISOString(),
): Promise<AlarmOutcome> {
  const parsed = TimerPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    logger.error('not an SLA timer payload: dropped', { issues: z.prettifyError(parsed.error) });
    return 'invalid';
  }
  const timer = parsed.data;
  const { ticketId, target, kind, slaVersion, at } = timer;
  const stored = await getSlaTimers(ticketId);
  const clock = stored?.clocks[target];
  const instant = kind === 'breach' ? clock?.dueAt : clock?.warnAt;
  if (
    !stored ||
    !clock ||
    stored.slaVersion !== slaVersion ||
    clock.state !== 'running' ||
    instant !== at ||
    stored.fired[timerSlot(target, kind)] === at
  ) {
    logger.info('stale SLA timer: nothing raised', {
      ticketId,
      target,
      kind,
      slaVersion,
      storedVersion: stored?.slaVersion,
      state: clock?.state,
    });
    return 'stale';
  }
  const ref = {
    ticketId,
    number: stored.number,
    type: stored.type,
    priority: stored.priority,
    ...(stored.customerId !== undefined ? { customerId: stored.customerId } : {}),
    target,
    dueAt: clock.dueAt ?? at,
    slaVersion,
  };
  const context = {
    correlationId: timer.correlationId ?? stored.correlationId ?? `sla-${ticketId}`,
    occurredAt: now,
  };
  const event =
    kind === 'breach'
      ? emit('TicketSlaBreached', { ...ref, breachedAt: at }, context)
      : emit('TicketSlaWarning', { ...ref, warnedAt: now }, context);
  const { clock: clockWrite, marker } = firingWrites(ticketId, target, kind, slaVersion, at, now);
  const outcome = await transactWrite(ddb, [
    { write: clockWrite, tag: 'clock' as const },
    { write: marker, tag: 'marker' as const },
    { write: event, tag: 'event' as const },
  ]);
  if (outcome.ok) {
    logger.info(`SLA ${kind} raised`, { ticketId, target, slaVersion, at });
    return 'emitted';
  }
  // The clock changed or fired between the read and the write: nothing raised.
  const result = outcome.failed.includes('marker') ? 'duplicate' : 'stale';
  logger.info(`SLA timer ${result}: nothing raised`, {
    ticketId,
    target,
    kind,
    slaVersion,
    failed: outcome.failed,
  });
  return result;
}
