/**
 * The SLA clock of a ticket: pure functions over its two targets (first response, resolution),
 * each an `SlaClock` exactly as `TicketSlaChanged` carries it (events/tickets.ts). No I/O, no
 * wall clock: every operation takes the instant it happens at and the calendar the clock counts
 * in, so property tests can drive it through any history (tests/unit/tickets/sla.test.ts).
 *
 * How it counts (docs/service-desk.md, "SLA"):
 * - `consumedMs` is the business time used up to `since` (the last change); a running clock is
 *   due at `since + (targetMs − consumedMs)` business time, and warns at 80 % of the target.
 * - Every change first *settles* the clocks: the business time between `since` and now is added
 *   to each clock that is counting, then `since` moves to now. Counting: a running clock, and a
 *   breached clock that is not met yet while the ticket is not paused (so time-to-resolve keeps
 *   counting after a breach). A running clock whose settled consumption reaches its target
 *   becomes `breached` at its due time, whether or not the breach timer's event was seen.
 * - PENDING pauses both clocks (due times removed: they move on resume); leaving PENDING resumes
 *   them from the time they had consumed — nothing lost, nothing counted twice.
 * - The first public staff response meets the response target; later ones never change it.
 * - Resolving meets the resolution target (and the response target, if still open: the resolution
 *   is the answer). Reopening (RESOLVED → OPEN) resumes the resolution clock from what it had
 *   consumed at resolution: the time spent RESOLVED is not counted, the response clock is kept.
 * - A priority change gives the open clocks the new targets, keeping the time consumed (measured
 *   in the old calendar up to the change, in the new one after); a clock that already consumed
 *   more than its new target breaches at the change.
 * Every operation that changes anything returns the state with `version + 1` (the ticket's
 * `slaVersion`), and `undefined` when nothing changes, so callers emit `TicketSlaChanged` exactly
 * once per change.
 */
import type * as z from 'zod';
import type { SlaClock as SlaClockSchema, SlaTarget, TicketPriority } from '#events/tickets.ts';
import { addBusinessTime, businessTimeBetween, type Calendar } from '#shared/business-hours.ts';

export type SlaClock = z.infer<typeof SlaClockSchema>;

/** The SLA state of one ticket. */
export interface SlaState {
  /** `slaVersion`: 1 when the ticket is opened, +1 per change. */
  readonly version: number;
  /** The instant both clocks were last settled (consumption counted up to here). */
  readonly since: string;
  /** True while the ticket is PENDING. */
  readonly paused: boolean;
  readonly response: SlaClock;
  readonly resolution: SlaClock;
}

/** The two targets of a priority, in business milliseconds. */
export interface SlaTargets {
  readonly responseMs: number;
  readonly resolutionMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One priority's policy: its targets and whether they count business hours or 24×7. */
export interface SlaPolicyEntry extends SlaTargets {
  readonly hours: 'business' | '24x7';
}

/**
 * The policy (docs/service-desk.md, "SLA"): urgent tickets count around the clock; the others in
 * the working calendar's hours (a "day" below is one working day of the default 8 hours).
 */
export const SLA_POLICY: Readonly<Record<TicketPriority, SlaPolicyEntry>> = {
  urgent: { responseMs: 30 * MINUTE, resolutionMs: 4 * HOUR, hours: '24x7' },
  high: { responseMs: 1 * HOUR, resolutionMs: 8 * HOUR, hours: 'business' },
  normal: { responseMs: 4 * HOUR, resolutionMs: 24 * HOUR, hours: 'business' },
  low: { responseMs: 8 * HOUR, resolutionMs: 40 * HOUR, hours: 'business' },
};

/** The calendar a priority's clocks count in. */
export function calendarFor(priority: TicketPriority, business: Calendar): Calendar {
  return SLA_POLICY[priority].hours === '24x7' ? 'always' : business;
}

/** The share of a target after which the warning fires: 80 %. */
export const warnAtMs = (targetMs: number): number => Math.floor((targetMs * 4) / 5);

const iso = (d: Date): string => d.toISOString();

/** A running clock's due and warning instants, counted from `since`. */
function running(clock: SlaClock, since: Date, calendar: Calendar): SlaClock {
  const { metAt: _m, breachedAt: _b, warnAt: _w, dueAt: _d, ...rest } = clock;
  const remaining = Math.max(0, clock.targetMs - clock.consumedMs);
  const toWarn = warnAtMs(clock.targetMs) - clock.consumedMs;
  return {
    ...rest,
    state: 'running',
    dueAt: iso(addBusinessTime(since, remaining, calendar)),
    // Past 80 % already (a resume or a re-prioritisation late in the target): the warning was
    // due before this change, and is not fired again.
    ...(toWarn > 0 ? { warnAt: iso(addBusinessTime(since, toWarn, calendar)) } : {}),
  };
}

/** Whether the clock is counting business time now. */
function counting(clock: SlaClock, paused: boolean): boolean {
  if (clock.state === 'running') return true;
  return clock.state === 'breached' && clock.metAt === undefined && !paused;
}

/** The clock with the business time between `since` and `at` counted. */
function settleClock(clock: SlaClock, since: Date, at: Date, paused: boolean, calendar: Calendar): SlaClock {
  if (!counting(clock, paused)) return clock;
  const consumedMs = clock.consumedMs + businessTimeBetween(since, at, calendar);
  if (clock.state === 'running' && consumedMs >= clock.targetMs) {
    const { warnAt: _w, ...rest } = clock;
    // Breached at its due time, which lies between `since` and `at`.
    return { ...rest, state: 'breached', consumedMs, breachedAt: clock.dueAt ?? iso(at) };
  }
  return { ...clock, consumedMs };
}

/** Both clocks settled up to `at` (nothing else changes; the version does not move). */
export function settle(state: SlaState, at: Date, calendar: Calendar): SlaState {
  const since = new Date(state.since);
  const when = at.getTime() < since.getTime() ? since : at;
  return {
    ...state,
    since: iso(when),
    response: settleClock(state.response, since, when, state.paused, calendar),
    resolution: settleClock(state.resolution, since, when, state.paused, calendar),
  };
}

/** The business time a clock has consumed by `at` (for reports and `businessMsToResolve`). */
export function consumedBy(state: SlaState, target: SlaTarget, at: Date, calendar: Calendar): number {
  return settle(state, at, calendar)[target].consumedMs;
}

const next = (before: SlaState, after: Omit<SlaState, 'version'>): SlaState => ({
  ...after,
  version: before.version + 1,
});

/** The clocks of a ticket opened at `at`: both running from zero, version 1. */
export function startSla(targets: SlaTargets, at: Date, calendar: Calendar): SlaState {
  const fresh = (targetMs: number): SlaClock =>
    running({ state: 'running', consumedMs: 0, targetMs }, at, calendar);
  return {
    version: 1,
    since: iso(at),
    paused: false,
    response: fresh(targets.responseMs),
    resolution: fresh(targets.resolutionMs),
  };
}

/** PENDING: running clocks pause (their due times go); breached ones stop counting. */
export function pauseSla(state: SlaState, at: Date, calendar: Calendar): SlaState | undefined {
  if (state.paused) return undefined;
  const s = settle(state, at, calendar);
  const pause = (clock: SlaClock): SlaClock => {
    if (clock.state !== 'running') return clock;
    const { dueAt: _d, warnAt: _w, ...rest } = clock;
    return { ...rest, state: 'paused' };
  };
  return next(state, { ...s, paused: true, response: pause(s.response), resolution: pause(s.resolution) });
}

/** Out of PENDING: paused clocks run again from what they had consumed. */
export function resumeSla(state: SlaState, at: Date, calendar: Calendar): SlaState | undefined {
  if (!state.paused) return undefined;
  const s = settle(state, at, calendar);
  const since = new Date(s.since);
  const resume = (clock: SlaClock): SlaClock =>
    clock.state === 'paused' ? running(clock, since, calendar) : clock;
  return next(state, {
    ...s,
    paused: false,
    response: resume(s.response),
    resolution: resume(s.resolution),
  });
}

/** A clock met at `at` (settled first); a met clock, or a breach already met, is left alone. */
function meet(clock: SlaClock, at: string): SlaClock {
  if (clock.metAt !== undefined || clock.state === 'met') return clock;
  if (clock.state === 'breached') return { ...clock, metAt: at };
  const { warnAt: _w, ...rest } = clock;
  return { ...rest, state: 'met', metAt: at };
}

/** The first public staff response: meets the response target; never overwrites an earlier one. */
export function meetResponse(state: SlaState, at: Date, calendar: Calendar): SlaState | undefined {
  if (state.response.metAt !== undefined || state.response.state === 'met') return undefined;
  const s = settle(state, at, calendar);
  return next(state, { ...s, response: meet(s.response, s.since) });
}

/** RESOLVED: meets the resolution target (and the response target if it is still open). */
export function resolveSla(state: SlaState, at: Date, calendar: Calendar): SlaState {
  const s = settle(state, at, calendar);
  return next(state, {
    ...s,
    paused: false,
    response: meet(s.response, s.since),
    resolution: meet(s.resolution, s.since),
  });
}

/**
 * RESOLVED → OPEN: the resolution clock runs again from what it had consumed when resolved (a
 * breach stays a breach, and counts on); the response clock is untouched.
 */
export function reopenSla(state: SlaState, at: Date, calendar: Calendar): SlaState {
  const s = settle(state, at, calendar);
  const since = new Date(s.since);
  const clock = s.resolution;
  let resolution: SlaClock;
  if (clock.state === 'met') {
    resolution = running(clock, since, calendar);
  } else if (clock.state === 'breached') {
    const { metAt: _m, ...rest } = clock;
    resolution = rest;
  } else {
    resolution = clock;
  }
  return next(state, { ...s, paused: false, resolution });
}

/**
 * New targets (a priority change): open clocks (running, paused) take them and keep their
 * consumed time; a running clock already past its new target breaches now. Met and breached
 * clocks keep the target they were judged against. `from` is the calendar counted in until now,
 * `to` the one counted in from now on.
 */
export function retargetSla(
  state: SlaState,
  targets: SlaTargets,
  at: Date,
  from: Calendar,
  to: Calendar,
): SlaState | undefined {
  const s = settle(state, at, from);
  const since = new Date(s.since);
  const retarget = (clock: SlaClock, targetMs: number): SlaClock => {
    if (clock.state === 'paused') return { ...clock, targetMs };
    if (clock.state !== 'running') return clock;
    if (clock.consumedMs >= targetMs) {
      const { warnAt: _w, ...rest } = clock;
      return { ...rest, state: 'breached', targetMs, dueAt: s.since, breachedAt: s.since };
    }
    return running({ ...clock, targetMs }, since, to);
  };
  const response = retarget(s.response, targets.responseMs);
  const resolution = retarget(s.resolution, targets.resolutionMs);
  if (
    JSON.stringify([response, resolution]) === JSON.stringify([state.response, state.resolution]) &&
    from === to
  ) {
    return undefined;
  }
  return next(state, { ...s, response, resolution });
}

/**
 * The breach timer of `slaVersion` fired for `target`: the clock is marked breached at its due
 * time, unless the state has moved on since that version (then the timer is stale) or the clock
 * is no longer running.
 */
export function markBreached(
  state: SlaState,
  target: SlaTarget,
  slaVersion: number,
  at: Date,
  calendar: Calendar,
): SlaState | undefined {
  if (state.version !== slaVersion || state[target].state !== 'running') return undefined;
  const s = settle(state, at, calendar);
  const clock = s[target];
  if (clock.state === 'breached') return next(state, s);
  // The timer fired a little early (clock skew): the next change will settle it.
  return undefined;
}

/** The earliest due time of a running clock, for "due first" lists. */
export function nextDueAt(state: SlaState): string | undefined {
  const dues = [state.response, state.resolution]
    .flatMap((c) => (c.state === 'running' && c.dueAt !== undefined ? [c.dueAt] : []))
    .sort();
  return dues[0];
}

/** Whether the target was met in time: met, and never breached. */
export const metInTime = (clock: SlaClock): boolean => clock.state === 'met';
