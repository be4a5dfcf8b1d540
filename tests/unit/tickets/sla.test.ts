/**
 * Properties of the SLA clock (functions/tickets/sla.ts) over generated histories, in the 24×7
 * calendar (where business time is elapsed time, so the expected consumption is plain arithmetic).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  meetResponse,
  pauseSla,
  reopenSla,
  resolveSla,
  resumeSla,
  retargetSla,
  type SlaState,
  settle,
  startSla,
  warnAtMs,
} from '#functions/tickets/sla.ts';
import { type BusinessCalendar, businessTimeBetween, isWorkingTime } from '#shared/business-hours.ts';

const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const HOUR = 3_600_000;
const targets = { responseMs: 4 * HOUR, resolutionMs: 24 * HOUR };
const at = (ms: number) => new Date(T0 + ms);

type Op =
  | { kind: 'wait'; ms: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'respond' }
  | { kind: 'retarget'; responseMs: number; resolutionMs: number }
  | { kind: 'resolve' }
  | { kind: 'reopen' };

const wait = fc.integer({ min: 0, max: 10 * HOUR }).map((ms) => ({ kind: 'wait' as const, ms }));
const pauseResume = fc.constantFrom<Op>({ kind: 'pause' }, { kind: 'resume' });
const target = fc.integer({ min: 1, max: 48 * HOUR });
const anyOp: fc.Arbitrary<Op> = fc.oneof(
  wait,
  pauseResume,
  fc.constant<Op>({ kind: 'respond' }),
  fc.record({ kind: fc.constant('retarget' as const), responseMs: target, resolutionMs: target }),
  fc.constantFrom<Op>({ kind: 'resolve' }, { kind: 'reopen' }),
);

/** Applies an operation at `now`; returns the new state (unchanged when the operation changes nothing). */
function apply(state: SlaState, op: Op, now: Date): SlaState {
  switch (op.kind) {
    case 'wait':
      return state;
    case 'pause':
      return pauseSla(state, now, 'always') ?? state;
    case 'resume':
      return resumeSla(state, now, 'always') ?? state;
    case 'respond':
      return meetResponse(state, now, 'always') ?? state;
    case 'retarget':
      return retargetSla(state, op, now, 'always', 'always') ?? state;
    case 'resolve':
      return resolveSla(state, now, 'always');
    case 'reopen':
      return reopenSla(state, now, 'always');
  }
}

describe('SLA clock: properties (24×7)', () => {
  it('pausing and resuming never loses nor double-counts time', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(wait, pauseResume), { maxLength: 40 }), (ops) => {
        let state = startSla(targets, at(0), 'always');
        let now = 0;
        let paused = false;
        let active = 0;
        for (const op of ops) {
          if (op.kind === 'wait') {
            now += op.ms;
            if (!paused) active += op.ms;
          } else if (op.kind === 'pause') {
            paused = true;
          } else {
            paused = false;
          }
          state = apply(state, op, at(now));
          expect(state.paused).toBe(paused);
        }
        const settled = settle(state, at(now), 'always');
        for (const clock of [settled.response, settled.resolution]) {
          expect(clock.consumedMs).toBe(active);
          if (clock.state === 'running') {
            expect(Date.parse(clock.dueAt ?? '')).toBe(T0 + now + clock.targetMs - clock.consumedMs);
          }
          if (clock.state === 'paused') expect(clock.dueAt).toBeUndefined();
          // Breached exactly when the active time reached the target, at the instant it did.
          expect(clock.state === 'breached').toBe(active >= clock.targetMs);
        }
      }),
    );
  });

  it('a priority change keeps the time already consumed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(wait, pauseResume), { maxLength: 20 }),
        target,
        target,
        (ops, responseMs, resolutionMs) => {
          let state = startSla(targets, at(0), 'always');
          let now = 0;
          for (const op of ops) {
            if (op.kind === 'wait') now += op.ms;
            state = apply(state, op, at(now));
          }
          const before = settle(state, at(now), 'always');
          const after =
            retargetSla(state, { responseMs, resolutionMs }, at(now), 'always', 'always') ?? before;
          for (const [name, newTarget] of [
            ['response', responseMs],
            ['resolution', resolutionMs],
          ] as const) {
            const was = before[name];
            const is = after[name];
            expect(is.consumedMs).toBe(was.consumedMs);
            if (was.state === 'running' || was.state === 'paused') expect(is.targetMs).toBe(newTarget);
            if (is.state === 'running') {
              expect(Date.parse(is.dueAt ?? '')).toBe(T0 + now + newTarget - is.consumedMs);
            }
            if (was.state === 'running' && was.consumedMs >= newTarget) {
              expect(is.state).toBe('breached');
              expect(is.breachedAt).toBe(at(now).toISOString());
            }
          }
        },
      ),
    );
  });

  it('the first response is never overwritten, whatever happens after it', () => {
    fc.assert(
      fc.property(fc.array(anyOp, { maxLength: 40 }), (ops) => {
        let state = startSla(targets, at(0), 'always');
        let now = 0;
        let firstResponse: string | undefined;
        for (const op of ops) {
          if (op.kind === 'wait') now += op.ms;
          const next = apply(state, op, at(now));
          // Every change is exactly one version.
          expect(next.version - state.version).toBe(next === state ? 0 : 1);
          state = next;
          if (firstResponse === undefined) firstResponse = state.response.metAt;
          else expect(state.response.metAt).toBe(firstResponse);
          if (firstResponse !== undefined) expect(['met', 'breached']).toContain(state.response.state);
        }
      }),
    );
  });
});

describe('SLA clock: examples (24×7)', () => {
  it('runs both targets from opening, warning at 80 %', () => {
    const state = startSla(targets, at(0), 'always');
    expect(state.version).toBe(1);
    expect(state.response).toEqual({
      state: 'running',
      consumedMs: 0,
      targetMs: 4 * HOUR,
      dueAt: at(4 * HOUR).toISOString(),
      warnAt: at(warnAtMs(4 * HOUR)).toISOString(),
    });
    expect(warnAtMs(4 * HOUR)).toBe(3.2 * HOUR);
  });

  it('does not count the time a ticket spends PENDING', () => {
    let state = startSla(targets, at(0), 'always');
    state = pauseSla(state, at(1 * HOUR), 'always') ?? state;
    expect(state.response.state).toBe('paused');
    expect(state.response.dueAt).toBeUndefined();
    state = resumeSla(state, at(11 * HOUR), 'always') ?? state;
    expect(state.response.consumedMs).toBe(1 * HOUR);
    expect(state.response.dueAt).toBe(at(14 * HOUR).toISOString());
    expect(state.version).toBe(3);
  });

  it('meets the response once; resolving meets the resolution in time', () => {
    let state = startSla(targets, at(0), 'always');
    state = meetResponse(state, at(HOUR), 'always') ?? state;
    expect(meetResponse(state, at(2 * HOUR), 'always')).toBeUndefined();
    state = resolveSla(state, at(5 * HOUR), 'always');
    expect(state.response).toMatchObject({ state: 'met', metAt: at(HOUR).toISOString() });
    expect(state.resolution).toMatchObject({
      state: 'met',
      metAt: at(5 * HOUR).toISOString(),
      consumedMs: 5 * HOUR,
    });
  });

  it('breaches at the due time and still records when the target was met', () => {
    let state = startSla(targets, at(0), 'always');
    state = meetResponse(state, at(5 * HOUR), 'always') ?? state;
    expect(state.response).toMatchObject({
      state: 'breached',
      breachedAt: at(4 * HOUR).toISOString(),
      metAt: at(5 * HOUR).toISOString(),
    });
  });

  it('reopening resumes the resolution clock from what it had consumed, not counting the time RESOLVED', () => {
    let state = startSla(targets, at(0), 'always');
    state = resolveSla(state, at(2 * HOUR), 'always');
    state = reopenSla(state, at(50 * HOUR), 'always');
    expect(state.resolution).toMatchObject({ state: 'running', consumedMs: 2 * HOUR });
    expect(state.resolution.metAt).toBeUndefined();
    expect(state.resolution.dueAt).toBe(at(50 * HOUR + 22 * HOUR).toISOString());
    expect(state.response.state).toBe('met');
  });
});

describe('SLA clock: properties (working calendar, DST and holidays)', () => {
  const berlin: BusinessCalendar = {
    timeZone: 'Europe/Berlin',
    workingDays: [1, 2, 3, 4, 5],
    opensAt: '09:00',
    closesAt: '17:00',
    // Good Friday and Easter Monday 2026, around the spring DST change (29 March).
    holidays: ['2026-04-03', '2026-04-06'],
  };
  const steps = fc.array(
    fc.oneof(
      fc.integer({ min: 0, max: 30 * HOUR }).map((ms) => ({ kind: 'wait' as const, ms })),
      pauseResume,
    ),
    { maxLength: 25 },
  );
  // Starts spread over three weeks either side of the DST change.
  const start = fc
    .integer({ min: 0, max: 21 * 24 })
    .map((h) => Date.parse('2026-03-20T00:00:00Z') + h * HOUR);

  it('consumes exactly the working time of the intervals it was not paused, and is due in working time', () => {
    fc.assert(
      fc.property(start, steps, (t0, ops) => {
        let state = startSla(targets, new Date(t0), berlin);
        let now = t0;
        let paused = false;
        let expected = 0;
        for (const op of ops) {
          if (op.kind === 'wait') {
            if (!paused) expected += businessTimeBetween(new Date(now), new Date(now + op.ms), berlin);
            now += op.ms;
          } else {
            paused = op.kind === 'pause';
          }
          state =
            (op.kind === 'pause'
              ? pauseSla(state, new Date(now), berlin)
              : op.kind === 'resume'
                ? resumeSla(state, new Date(now), berlin)
                : undefined) ?? state;
          for (const clock of [state.response, state.resolution]) {
            if (clock.state === 'running') {
              expect(isWorkingTime(new Date(clock.dueAt ?? ''), berlin)).toBe(true);
              if (clock.warnAt) expect(isWorkingTime(new Date(clock.warnAt), berlin)).toBe(true);
            }
          }
        }
        const settled = settle(state, new Date(now), berlin);
        expect(settled.response.consumedMs).toBe(expected);
        expect(settled.resolution.consumedMs).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the consumed time when the priority moves between 24×7 and the working calendar', () => {
    fc.assert(
      fc.property(start, fc.integer({ min: 0, max: 40 * HOUR }), (t0, elapsed) => {
        const urgent = startSla({ responseMs: 30 * 60_000, resolutionMs: 4 * HOUR }, new Date(t0), 'always');
        const at = new Date(t0 + elapsed);
        const before = settle(urgent, at, 'always');
        const after = retargetSla(urgent, targets, at, 'always', berlin) ?? before;
        expect(after.resolution.consumedMs).toBe(before.resolution.consumedMs);
        expect(after.response.consumedMs).toBe(before.response.consumedMs);
        if (after.resolution.state === 'running') {
          const due = new Date(after.resolution.dueAt ?? '');
          expect(isWorkingTime(due, berlin)).toBe(true);
          expect(businessTimeBetween(at, due, berlin)).toBe(
            targets.resolutionMs - after.resolution.consumedMs,
          );
        }
      }),
      { numRuns: 200 },
    );
  });
});
