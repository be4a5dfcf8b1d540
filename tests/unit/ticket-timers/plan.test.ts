/**
 * Unit tier: which SLA timers a ticket's clocks need (`planTimers`), the schedule names, and when
 * a timer is scheduled (`effectiveTimerAt`, the rule for instants already past).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClockTimes, planTimers, timerName, timerSlot } from '#functions/ticket-timers/plan.ts';
import { atExpression, effectiveTimerAt, timerSchedule, timerVariables } from '#shared/timers.ts';
import { sampleEvent } from '../../support/backbone.ts';

const NOW = new Date('2026-03-03T10:00:00.000Z');
const running = (dueAt: string, warnAt: string): ClockTimes => ({ state: 'running', dueAt, warnAt });
const TICKET = '01JR2B5C7D9E1F3G5H7J9K1M3P';

describe('planTimers', () => {
  it('sets a warning and a breach timer for each running clock of a new ticket (the catalogue sample)', () => {
    // Prepare
    const { data, correlationId } = sampleEvent('TicketSlaChanged');

    // Act
    const plan = planTimers(
      { ticketId: data.ticketId, slaVersion: data.slaVersion, clocks: data, correlationId },
      new Date(data.changedAt),
    );

    // Assess
    expect(plan.cancel).toEqual([]);
    expect(plan.set.map((t) => [t.name, t.at])).toEqual([
      [`sla-${data.ticketId}-response-warning`, data.response.warnAt],
      [`sla-${data.ticketId}-response-breach`, data.response.dueAt],
      [`sla-${data.ticketId}-resolution-warning`, data.resolution.warnAt],
      [`sla-${data.ticketId}-resolution-breach`, data.resolution.dueAt],
    ]);
    expect(plan.set[1]?.payload).toEqual({
      ticketId: data.ticketId,
      target: 'response',
      kind: 'breach',
      slaVersion: 1,
      at: data.response.dueAt,
      correlationId,
    });
  });

  it('cancels the armed timers of a clock that paused, was met or breached, and only those', () => {
    // Prepare
    const armed = new Set(['response#warning', 'response#breach', 'resolution#warning', 'resolution#breach']);

    // Act
    const plan = planTimers(
      {
        ticketId: TICKET,
        slaVersion: 3,
        clocks: {
          response: { state: 'met' },
          resolution: { state: 'paused' },
        },
      },
      NOW,
      armed,
    );
    const fresh = planTimers(
      {
        ticketId: TICKET,
        slaVersion: 1,
        clocks: { response: { state: 'met' }, resolution: { state: 'paused' } },
      },
      NOW,
    );

    // Assess
    expect(plan.set).toEqual([]);
    expect(plan.cancel).toEqual([
      timerName(TICKET, 'response', 'warning'),
      timerName(TICKET, 'response', 'breach'),
      timerName(TICKET, 'resolution', 'warning'),
      timerName(TICKET, 'resolution', 'breach'),
    ]);
    expect(fresh).toEqual({ set: [], cancel: [] });
  });

  it('moves timers whose times moved under the same names, with the new version in their payload', () => {
    // Act
    const plan = planTimers(
      {
        ticketId: TICKET,
        slaVersion: 2,
        clocks: {
          response: { state: 'met' },
          resolution: running('2026-03-06T09:00:00.000Z', '2026-03-05T12:00:00.000Z'),
        },
      },
      NOW,
      new Set(['resolution#warning', 'resolution#breach']),
    );

    // Assess
    expect(plan.cancel).toEqual([]);
    expect(plan.set.map((t) => [t.name, t.at, t.payload.slaVersion])).toEqual([
      [timerName(TICKET, 'resolution', 'warning'), '2026-03-05T12:00:00.000Z', 2],
      [timerName(TICKET, 'resolution', 'breach'), '2026-03-06T09:00:00.000Z', 2],
    ]);
  });

  it('sets no warning for a clock already due, and does not re-arm an instant that already fired', () => {
    // Act
    const plan = planTimers(
      {
        ticketId: TICKET,
        slaVersion: 4,
        clocks: {
          response: running('2026-03-03T09:00:00.000Z', '2026-03-03T08:00:00.000Z'),
          resolution: running('2026-03-03T09:30:00.000Z', '2026-03-03T08:30:00.000Z'),
        },
      },
      NOW,
      new Set(['resolution#breach', 'response#warning']),
      { [timerSlot('resolution', 'breach')]: '2026-03-03T09:30:00.000Z' },
    );

    // Assess
    expect(plan.set.map((t) => t.name)).toEqual([timerName(TICKET, 'response', 'breach')]);
    expect(plan.cancel).toEqual([
      timerName(TICKET, 'response', 'warning'),
      timerName(TICKET, 'resolution', 'breach'),
    ]);
  });

  it('never both sets and cancels one name, and sets only running clocks (property)', () => {
    const iso = fc
      .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') })
      .map((ms) => new Date(ms).toISOString());
    const clock = fc.record({
      state: fc.constantFrom('running', 'paused', 'met', 'breached'),
      dueAt: fc.option(iso, { nil: undefined }),
      warnAt: fc.option(iso, { nil: undefined }),
    });
    const slots = fc.subarray([
      'response#warning',
      'response#breach',
      'resolution#warning',
      'resolution#breach',
    ]);
    fc.assert(
      fc.property(clock, clock, slots, iso, (response, resolution, armed, now) => {
        const plan = planTimers(
          { ticketId: TICKET, slaVersion: 1, clocks: { response, resolution } },
          new Date(now),
          new Set(armed),
        );
        const setNames = plan.set.map((t) => t.name);
        expect(setNames.filter((n) => plan.cancel.includes(n))).toEqual([]);
        for (const t of plan.set) {
          const c = t.payload.target === 'response' ? response : resolution;
          expect(c.state).toBe('running');
          expect(t.at).toBe(t.payload.kind === 'breach' ? c.dueAt : c.warnAt);
        }
        // Every armed slot is either set again or cancelled: no schedule is forgotten.
        for (const slot of armed) {
          const [target, kind] = slot.split('#') as ['response' | 'resolution', 'warning' | 'breach'];
          expect([...setNames, ...plan.cancel]).toContain(timerName(TICKET, target, kind));
        }
      }),
    );
  });
});

describe('timerName', () => {
  it('is deterministic, at most 64 characters of the scheduler’s alphabet, whatever the ticket id', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (id) => {
        const name = timerName(id, 'resolution', 'warning');
        expect(name).toBe(timerName(id, 'resolution', 'warning'));
        expect(name.length).toBeLessThanOrEqual(64);
        expect(name).toMatch(/^[0-9A-Za-z_.-]+$/);
        expect(name).not.toBe(timerName(id, 'resolution', 'breach'));
      }),
    );
    expect(timerName(TICKET, 'response', 'breach')).toBe(`sla-${TICKET}-response-breach`);
  });
});

describe('effectiveTimerAt', () => {
  const lead = 60_000;

  it('keeps a time at least the lead ahead, rounded up to the second', () => {
    expect(effectiveTimerAt(new Date('2026-03-03T12:00:00.250Z'), NOW, lead).toISOString()).toBe(
      '2026-03-03T12:00:01.000Z',
    );
  });

  it('schedules a time already past, or within the lead, at now + the lead', () => {
    expect(effectiveTimerAt(new Date('2026-03-01T00:00:00Z'), NOW, lead).toISOString()).toBe(
      '2026-03-03T10:01:00.000Z',
    );
    expect(effectiveTimerAt(new Date('2026-03-03T10:00:30Z'), NOW, lead).toISOString()).toBe(
      '2026-03-03T10:01:00.000Z',
    );
  });

  it('never schedules before the time asked nor before now + lead (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 4e12 }), (at, now) => {
        const result = effectiveTimerAt(new Date(at), new Date(now), lead).getTime();
        expect(result).toBeGreaterThanOrEqual(Math.max(at, now + lead));
        expect(result % 1000).toBe(0);
        expect(result - Math.max(at, now + lead)).toBeLessThan(1000);
      }),
    );
  });
});

describe('timerSchedule', () => {
  it('is a one-time UTC schedule, deleted after completion, no flexible window, with a retry policy', () => {
    // Prepare
    const timer = { name: 'slaTimers', group: 'g', targetArn: 'arn:target', roleArn: 'arn:role' };

    // Act
    const input = timerSchedule(timer, 'n', new Date('2026-03-03T12:00:00Z'), { a: 1 }, NOW);

    // Assess
    expect(input).toMatchObject({
      Name: 'n',
      GroupName: 'g',
      ScheduleExpression: atExpression(new Date('2026-03-03T12:00:00Z')),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: 'arn:target',
        RoleArn: 'arn:role',
        Input: '{"a":1}',
        RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86_400 },
      },
    });
    expect(input.ScheduleExpression).toBe('at(2026-03-03T12:00:00)');
  });

  it('names the variables after the timer', () => {
    expect(timerVariables('slaTimers')).toEqual({
      group: 'TIMER_SLA_TIMERS_GROUP',
      targetArn: 'TIMER_SLA_TIMERS_TARGET_ARN',
      roleArn: 'TIMER_SLA_TIMERS_ROLE_ARN',
    });
  });
});
