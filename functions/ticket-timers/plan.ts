/**
 * Which SLA timers a ticket needs, from its clocks: pure, so the rules read as rules and are
 * tested without a scheduler.
 *
 * Each target (`response`, `resolution`) has two timers: the warning at `warnAt` (80 % of the
 * target consumed) and the breach at `dueAt`. A running clock sets both (an update when they
 * exist: the names are deterministic, so a moved due time moves the same schedule); a clock that
 * no longer runs (paused, met, breached) cancels the ones we set. Two refinements:
 *
 * - a warning whose clock is already due is not set: the breach fires at once instead;
 * - a timer whose instant already fired for that target and kind (`fired`) is not set again, so a
 *   new clock version with an unchanged, passed due time cannot breach twice.
 */
import { createHash } from 'node:crypto';
import type { SlaTarget } from '#events/tickets.ts';

export const SLA_TARGETS = ['response', 'resolution'] as const satisfies readonly SlaTarget[];
export const TIMER_KINDS = ['warning', 'breach'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** The part of an SLA clock the timers depend on. */
export interface ClockTimes {
  readonly state: 'running' | 'paused' | 'met' | 'breached';
  readonly dueAt?: string | undefined;
  readonly warnAt?: string | undefined;
}

export type Clocks = Readonly<Record<SlaTarget, ClockTimes>>;

/** What a timer's schedule invokes the alarm function with. */
export interface TimerPayload {
  readonly ticketId: string;
  readonly target: SlaTarget;
  readonly kind: TimerKind;
  readonly slaVersion: number;
  /** The instant the timer stands for (the clock's `warnAt` or `dueAt`). */
  readonly at: string;
  /** The correlation id of the change that set it, carried to the event it causes. */
  readonly correlationId?: string | undefined;
}

export interface TimerSet {
  readonly name: string;
  readonly at: string;
  readonly payload: TimerPayload;
}

export interface TimerPlan {
  readonly set: readonly TimerSet[];
  /** Schedule names to delete. */
  readonly cancel: readonly string[];
}

/** `<target>#<kind>`: how `fired` and `armed` are keyed. */
export const timerSlot = (target: SlaTarget, kind: TimerKind) => `${target}#${kind}`;

const SCHEDULE_NAME = /^[0-9A-Za-z_.-]+$/;

/**
 * The schedule name of one timer: `sla-<ticket id>-<target>-<kind>` (a ULID keeps it within the
 * scheduler's 64 characters); an id that does not fit is replaced by its SHA-256 prefix.
 */
export function timerName(ticketId: string, target: SlaTarget, kind: TimerKind): string {
  const suffix = `-${target}-${kind}`;
  const plain = `sla-${ticketId}${suffix}`;
  if (plain.length <= 64 && SCHEDULE_NAME.test(ticketId)) return plain;
  return `sla-${createHash('sha256').update(ticketId).digest('hex').slice(0, 32)}${suffix}`;
}

/** The instant a running clock's timer stands for, or undefined when that timer is not needed. */
function instantOf(clock: ClockTimes, kind: TimerKind, now: Date): string | undefined {
  if (clock.state !== 'running' || clock.dueAt === undefined) return undefined;
  if (kind === 'breach') return clock.dueAt;
  if (clock.warnAt === undefined || Date.parse(clock.dueAt) <= now.getTime()) return undefined;
  return clock.warnAt;
}

export interface PlanInput {
  readonly ticketId: string;
  readonly slaVersion: number;
  readonly clocks: Clocks;
  readonly correlationId?: string | undefined;
}

/**
 * The timers to set and cancel for a ticket's clocks. `armed` names the slots whose timers are
 * set now (from the last applied version); `fired` maps a slot to the instant it last fired at.
 */
export function planTimers(
  input: PlanInput,
  now: Date,
  armed: ReadonlySet<string> = new Set(),
  fired: Readonly<Record<string, string>> = {},
): TimerPlan {
  const set: TimerSet[] = [];
  const cancel: string[] = [];
  for (const target of SLA_TARGETS) {
    for (const kind of TIMER_KINDS) {
      const slot = timerSlot(target, kind);
      const name = timerName(input.ticketId, target, kind);
      const at = instantOf(input.clocks[target], kind, now);
      if (at !== undefined && fired[slot] !== at) {
        set.push({
          name,
          at,
          payload: {
            ticketId: input.ticketId,
            target,
            kind,
            slaVersion: input.slaVersion,
            at,
            ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
          },
        });
      } else if (armed.has(slot)) {
        cancel.push(name);
      }
    }
  }
  return { set, cancel };
}

/** The slots a plan leaves armed. */
export const armedSlots = (plan: TimerPlan): string[] =>
  plan.set.map((t) => timerSlot(t.payload.target, t.payload.kind));
