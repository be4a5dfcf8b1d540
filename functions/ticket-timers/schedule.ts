/**
 * Applying `TicketSlaChanged` to the ticket's timers: the newest clock version wins.
 *
 * 1. The stored item is read. An event older than the version stored changes nothing in the table,
 *    but the stored version's timers are set again: a concurrent delivery of an older version may
 *    have overwritten them just before it lost the race to write (the names are shared), and this
 *    re-run is how that loser repairs them.
 * 2. Otherwise the plan (`planTimers`) is carried out against EventBridge Scheduler first: each
 *    call is idempotent (set = create or update, cancel of a missing schedule = done), and a
 *    failing call fails the record, which SQS redelivers.
 * 3. Then the item is written, on condition that no newer version was written meanwhile; losing
 *    that race makes the framework run this again on fresh state (step 1).
 *
 * A schedule left behind by a failed attempt is harmless: when it fires, the alarm function finds
 * its version stale and writes nothing.
 */
import type { EventOf } from '#events/catalog.ts';
import type { ConsumerTx } from '#events/consumer.ts';
import { logger } from '#shared/observability.ts';
import { cancelTimer, setTimer, type Timer, timerFromEnv } from '#shared/timers.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { armedSlots, planTimers, type TimerPlan } from './plan.ts';
import { getSlaTimers, type SlaTimers, slaTimersUpdate } from './sla-timers.ts';

/** The topology's timer of the SLA consumer (`timers: [{ name: 'slaTimers', … }]`). */
export const SLA_TIMER = 'slaTimers';

let timer: Timer | undefined;
// Read on first use (cold start of the consumer): the environment names the group, target, role.
const slaTimer = () => {
  timer ??= timerFromEnv(SLA_TIMER);
  return timer;
};

/** Carries out a plan: cancels first, then sets; every call idempotent. */
export async function applyPlan(plan: TimerPlan, target: Timer = slaTimer()): Promise<void> {
  await Promise.all(plan.cancel.map((name) => cancelTimer(target, name)));
  await Promise.all(plan.set.map((t) => setTimer(target, t.name, new Date(t.at), t.payload)));
}

/** The plan of a stored item: what its version's timers are. */
const planOfStored = (item: SlaTimers, now: Date): TimerPlan =>
  planTimers(
    {
      ticketId: item.ticketId,
      slaVersion: item.slaVersion,
      clocks: item.clocks,
      correlationId: item.correlationId,
    },
    now,
    new Set(item.armed),
    item.fired,
  );

export async function applySlaChanged(
  event: EventOf<'TicketSlaChanged'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { data } = event;
  const now = new Date(tx.now);
  const stored = await getSlaTimers(data.ticketId);
  if (stored && stored.slaVersion >= data.slaVersion) {
    if (stored.slaVersion > data.slaVersion) {
      logger.info('older SLA version: stored timers set again, nothing written', {
        ticketId: data.ticketId,
        slaVersion: data.slaVersion,
        storedVersion: stored.slaVersion,
      });
      const plan = planOfStored(stored, now);
      await applyPlan({ set: plan.set, cancel: [] });
    }
    return [];
  }
  const clocks = {
    response: { state: data.response.state, dueAt: data.response.dueAt, warnAt: data.response.warnAt },
    resolution: {
      state: data.resolution.state,
      dueAt: data.resolution.dueAt,
      warnAt: data.resolution.warnAt,
    },
  };
  const plan = planTimers(
    { ticketId: data.ticketId, slaVersion: data.slaVersion, clocks, correlationId: event.correlationId },
    now,
    new Set(stored?.armed ?? []),
    stored?.fired ?? {},
  );
  await applyPlan(plan);
  logger.info('SLA timers planned', {
    ticketId: data.ticketId,
    slaVersion: data.slaVersion,
    set: plan.set.map((t) => `${t.name}@${t.at}`),
    cancelled: plan.cancel,
  });
  return [
    slaTimersUpdate({
      ticketId: data.ticketId,
      number: data.number,
      type: data.type,
      priority: data.priority,
      customerId: data.customerId,
      slaVersion: data.slaVersion,
      clocks,
      armed: armedSlots(plan),
      correlationId: event.correlationId,
      changedAt: data.changedAt,
      updatedAt: tx.now,
    }),
  ];
}
