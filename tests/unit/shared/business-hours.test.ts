/**
 * Business-time arithmetic. Property tests run random working calendars (zones with and without
 * daylight saving, half-hour offsets and a half-hour DST shift, holidays, any opening hours) from
 * random instants biased towards DST transitions, and check the conventions documented in
 * shared/business-hours.ts against each other and against an independent oracle that asks Intl
 * for the local wall-clock time of every minute. Worked examples pin Berlin, New York and
 * Auckland transitions by hand.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  type BusinessCalendar,
  businessTimeBetween,
  type Calendar,
  CalendarSchema,
  isWorkingTime,
  nextWorkingInstant,
  parseCalendar,
} from '#shared/business-hours.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Pacific/Auckland',
  'Asia/Kolkata', // +05:30, no DST
  'Asia/Kathmandu', // +05:45
  'Australia/Lord_Howe', // a 30-minute DST shift
  'UTC',
] as const;

/* ---------------------------------------------------------------------------------------------
 * Oracle: the local wall-clock time of one instant, straight from Intl (no caching, no offsets).
 * ------------------------------------------------------------------------------------------- */

const oracleFormats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function wallClock(zone: string, t: number): { date: string; weekday: number; minutes: number } {
  let f = oracleFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    oracleFormats.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: WEEKDAYS[p.weekday!]!,
    minutes: Number(p.hour) * 60 + Number(p.minute),
  };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

function oracleWorking(c: BusinessCalendar, t: number): boolean {
  const w = wallClock(c.timeZone, t);
  return (
    c.workingDays.includes(w.weekday) &&
    !c.holidays.includes(w.date) &&
    w.minutes >= minutesOf(c.opensAt) &&
    w.minutes < minutesOf(c.closesAt)
  );
}

/** Working ms in [a, b) for whole-minute a and b: every transition and opening is on a minute. */
function oracleBetween(c: BusinessCalendar, a: number, b: number): number {
  let total = 0;
  for (let m = a; m < b; m += MINUTE) if (oracleWorking(c, m)) total += MINUTE;
  return total;
}

/* ---------------------------------------------------------------------------------------------
 * Arbitraries.
 * ------------------------------------------------------------------------------------------- */

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Instants 2000–2039, half of them within weeks of a spring or autumn DST transition. */
const INSTANT = fc.oneof(
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
  fc
    .record({
      year: fc.integer({ min: 2000, max: 2039 }),
      // Around late March/early April (EU, NZ, AU end), early March/November (US), late Sept/Oct.
      month: fc.constantFrom(2, 3, 8, 9, 10),
      ms: fc.integer({ min: 0, max: 31 * DAY }),
    })
    .map(({ year, month, ms }) => Date.UTC(year, month, 1) + ms),
);
const MINUTE_INSTANT = INSTANT.map((t) => Math.floor(t / MINUTE) * MINUTE);

/** A working calendar; holidays are days after `near` (an instant the test starts from). */
function calendarNear(near: number) {
  return fc
    .record({
      timeZone: fc.constantFrom(...ZONES),
      workingDays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      open: fc.integer({ min: 0, max: 23 * 60 + 59 }),
      length: fc.integer({ min: 1, max: 24 * 60 }),
      holidayDays: fc.uniqueArray(fc.integer({ min: -1, max: 20 }), { maxLength: 4 }),
    })
    .map(
      ({ timeZone, workingDays, open, length, holidayDays }): BusinessCalendar => ({
        timeZone,
        workingDays,
        opensAt: hhmm(open),
        closesAt: hhmm(Math.min(24 * 60, open + length)),
        holidays: holidayDays.map((d) => new Date(near + d * DAY).toISOString().slice(0, 10)),
      }),
    );
}

/** An instant and a calendar with holidays near it. */
const START_AND_CALENDAR = INSTANT.chain((a) => calendarNear(a).map((calendar) => ({ a, calendar })));
const MINUTE_START_AND_CALENDAR = MINUTE_INSTANT.chain((a) =>
  calendarNear(a).map((calendar) => ({ a, calendar })),
);
/** Working ms in one week of a calendar without holidays or DST. */
function weekMsOf(c: BusinessCalendar): number {
  return c.workingDays.length * (minutesOf(c.closesAt) - minutesOf(c.opensAt)) * MINUTE;
}

/** Business durations for a calendar: mostly under a week of its working time, up to eight weeks. */
const durationFor = (c: BusinessCalendar) =>
  fc.oneof(
    fc.integer({ min: 0, max: Math.min(weekMsOf(c), 3 * DAY) }),
    fc.integer({ min: 0, max: 8 * weekMsOf(c) }),
    fc.constantFrom(0, 1, MINUTE, HOUR),
  );
/** A start, a calendar with holidays near it, and two durations. */
const CASE = START_AND_CALENDAR.chain(({ a, calendar }) =>
  fc.tuple(durationFor(calendar), durationFor(calendar)).map(([d, e]) => ({ a, calendar, d, e })),
);

const at = (t: number) => new Date(t);
const add = (t: number, d: number, c: Calendar) => addBusinessTime(at(t), d, c).getTime();
const between = (a: number, b: number, c: Calendar) => businessTimeBetween(at(a), at(b), c);

/* ---------------------------------------------------------------------------------------------
 * Properties.
 * ------------------------------------------------------------------------------------------- */

describe('Function: addBusinessTime (properties)', () => {
  it('never answers an instant outside working hours, nor one before the start', () => {
    fc.assert(
      fc.property(CASE, ({ a, calendar, d }) => {
        const due = add(a, d, calendar);
        expect(due).toBeGreaterThanOrEqual(a);
        expect(isWorkingTime(at(due), calendar)).toBe(true);
        expect(oracleWorking(calendar, due)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is undone by businessTimeBetween: between(a, add(a, d)) = d', () => {
    fc.assert(
      fc.property(CASE, ({ a, calendar, d }) => {
        expect(between(a, add(a, d, calendar), calendar)).toBe(d);
      }),
      { numRuns: 300 },
    );
  });

  it('is additive: add(add(a, x), y) = add(a, x + y)', () => {
    fc.assert(
      fc.property(CASE, ({ a, calendar, d: x, e: y }) => {
        expect(add(add(a, x, calendar), y, calendar)).toBe(add(a, x + y, calendar));
      }),
      { numRuns: 300 },
    );
  });

  it('is monotonic in the duration', () => {
    fc.assert(
      fc.property(CASE, ({ a, calendar, d: x, e: y }) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        expect(add(a, lo, calendar)).toBeLessThanOrEqual(add(a, hi, calendar));
        if (lo < hi) expect(add(a, lo, calendar)).toBeLessThan(add(a, hi, calendar));
      }),
    );
  });

  it('with zero is the next working instant: nothing working lies between the start and it', () => {
    fc.assert(
      fc.property(START_AND_CALENDAR, ({ a, calendar }) => {
        const next = nextWorkingInstant(at(a), calendar).getTime();
        expect(next).toBe(add(a, 0, calendar));
        expect(between(a, next, calendar)).toBe(0);
        if (isWorkingTime(at(a), calendar)) expect(next).toBe(a);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Function: businessTimeBetween (properties)', () => {
  it('agrees with the minute-by-minute Intl oracle over spans of up to three days', () => {
    fc.assert(
      fc.property(
        MINUTE_START_AND_CALENDAR,
        fc.integer({ min: 0, max: 3 * 24 * 60 }),
        ({ a, calendar }, minutes) => {
          const b = a + minutes * MINUTE;
          expect(between(a, b, calendar)).toBe(oracleBetween(calendar, a, b));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('splits at any instant without losing or double-counting time (pause and resume)', () => {
    fc.assert(
      fc.property(
        START_AND_CALENDAR,
        fc.integer({ min: 0, max: 60 * DAY }),
        fc.integer({ min: 0, max: 60 * DAY }),
        ({ a, calendar }, x, y) => {
          const b = a + x;
          const c = b + y;
          expect(between(a, c, calendar)).toBe(between(a, b, calendar) + between(b, c, calendar));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('over long spans equals the sum over its day-long pieces (whole weeks skipped correctly)', () => {
    fc.assert(
      fc.property(START_AND_CALENDAR, fc.integer({ min: 0, max: 120 * DAY }), ({ a, calendar }, span) => {
        let pieces = 0;
        for (let t = a; t < a + span; t += DAY) pieces += between(t, Math.min(t + DAY, a + span), calendar);
        expect(between(a, a + span, calendar)).toBe(pieces);
      }),
      { numRuns: 60 },
    );
  });

  it('counts one millisecond exactly where isWorkingTime says so', () => {
    fc.assert(
      fc.property(START_AND_CALENDAR, ({ a, calendar }) => {
        const working = isWorkingTime(at(a), calendar);
        expect(between(a, a + 1, calendar)).toBe(working ? 1 : 0);
        expect(working).toBe(oracleWorking(calendar, a));
      }),
      { numRuns: 500 },
    );
  });

  it('is zero for an empty or reversed interval and never exceeds the elapsed time', () => {
    fc.assert(
      fc.property(START_AND_CALENDAR, fc.integer({ min: 0, max: 30 * DAY }), ({ a, calendar }, x) => {
        expect(between(a + x, a, calendar)).toBe(0);
        expect(between(a, a, calendar)).toBe(0);
        expect(between(a, a + x, calendar)).toBeLessThanOrEqual(x);
      }),
    );
  });

  it('an SLA clock paused and resumed any number of times consumes its target exactly', () => {
    const PHASES = fc.array(
      fc.record({ run: fc.integer({ min: 0, max: 3 * DAY }), pause: fc.integer({ min: 0, max: 5 * DAY }) }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(CASE, PHASES, ({ a, calendar, d: target }, phases) => {
        // Simulate the ticket: run, pause (PENDING), resume … with the due time recomputed on
        // each resume from the time consumed so far.
        const running: [number, number][] = [];
        let t = a;
        let consumed = 0;
        for (const { run, pause } of phases) {
          const due = add(t, target - consumed, calendar);
          if (t + run >= due) break;
          running.push([t, t + run]);
          consumed += between(t, t + run, calendar);
          t = t + run + pause;
        }
        const due = add(t, target - consumed, calendar);
        running.push([t, due]);
        expect(running.reduce((sum, [s, e]) => sum + between(s, e, calendar), 0)).toBe(target);
        expect(isWorkingTime(at(due), calendar)).toBe(true);
        // Pauses only postpone: never earlier than the unpaused due time.
        expect(due).toBeGreaterThanOrEqual(add(a, target, calendar));
      }),
      { numRuns: 200 },
    );
  });

  it('a pause of zero length changes nothing: resuming at the pause instant keeps the due time', () => {
    fc.assert(
      fc.property(CASE, fc.double({ min: 0, max: 1, noNaN: true }), ({ a, calendar, d }, f) => {
        const due = add(a, d, calendar);
        const p = a + Math.floor((due - a) * f);
        expect(add(p, d - between(a, p, calendar), calendar)).toBe(due);
      }),
      { numRuns: 200 },
    );
  });

  it('counts no time on holidays', () => {
    fc.assert(
      fc.property(START_AND_CALENDAR, fc.integer({ min: 0, max: 20 * DAY }), ({ a, calendar }, x) => {
        const withoutHolidays = { ...calendar, holidays: [] };
        const b = a + x;
        expect(between(a, b, calendar)).toBeLessThanOrEqual(between(a, b, withoutHolidays));
        for (const h of calendar.holidays) {
          // Each holiday's local working hours are working without it, never with it.
          const noon = add(Date.parse(`${h}T00:00:00Z`) - 14 * HOUR, 0, withoutHolidays);
          if (wallClock(calendar.timeZone, noon).date === h) {
            expect(isWorkingTime(at(noon), calendar)).toBe(false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('Calendar: 24×7', () => {
  it('counts every millisecond', () => {
    fc.assert(
      fc.property(INSTANT, fc.integer({ min: 0, max: 400 * DAY }), (a, d) => {
        expect(add(a, d, 'always')).toBe(a + d);
        expect(between(a, a + d, 'always')).toBe(d);
        expect(isWorkingTime(at(a), 'always')).toBe(true);
      }),
    );
  });
});

/* ---------------------------------------------------------------------------------------------
 * Worked examples.
 * ------------------------------------------------------------------------------------------- */

const officeHours = (timeZone: string, holidays: string[] = []): BusinessCalendar => ({
  timeZone,
  workingDays: [1, 2, 3, 4, 5],
  opensAt: '09:00',
  closesAt: '17:00',
  holidays,
});
const nightShift = (timeZone: string): BusinessCalendar => ({
  timeZone,
  workingDays: [1, 2, 3, 4, 5, 6, 7],
  opensAt: '00:00',
  closesAt: '05:00',
  holidays: [],
});
const iso = (s: string) => new Date(s);

describe('Worked examples: office hours', () => {
  const berlin = officeHours('Europe/Berlin');

  it('a four-hour target set at 15:00 on a Friday falls due at 11:00 on Monday', () => {
    // 2024-06-14 is a Friday; CEST is UTC+2.
    expect(addBusinessTime(iso('2024-06-14T13:00:00Z'), 4 * HOUR, berlin).toISOString()).toBe(
      '2024-06-17T09:00:00.000Z',
    );
  });

  it('a target used up exactly at closing falls due at the next opening, never at closing', () => {
    expect(addBusinessTime(iso('2024-06-14T13:00:00Z'), 2 * HOUR, berlin).toISOString()).toBe(
      '2024-06-17T07:00:00.000Z',
    );
    expect(isWorkingTime(iso('2024-06-14T15:00:00Z'), berlin)).toBe(false);
    expect(isWorkingTime(iso('2024-06-14T14:59:59.999Z'), berlin)).toBe(true);
    expect(isWorkingTime(iso('2024-06-14T07:00:00Z'), berlin)).toBe(true);
  });

  it('skips holidays: Christmas and Boxing Day 2024', () => {
    const withChristmas = officeHours('Europe/Berlin', ['2024-12-25', '2024-12-26']);
    // Tuesday 24 December 16:00 CET + 2 h: 1 h that day, then Friday 27 December 10:00.
    expect(addBusinessTime(iso('2024-12-24T15:00:00Z'), 2 * HOUR, withChristmas).toISOString()).toBe(
      '2024-12-27T09:00:00.000Z',
    );
    expect(businessTimeBetween(iso('2024-12-23T00:00:00Z'), iso('2024-12-28T00:00:00Z'), withChristmas)).toBe(
      3 * 8 * HOUR,
    );
    expect(isWorkingTime(iso('2024-12-25T10:00:00Z'), withChristmas)).toBe(false);
  });

  it('works in a far zone: Auckland’s Friday afternoon is due on Monday, Sunday evening UTC', () => {
    const auckland = officeHours('Pacific/Auckland');
    // Friday 2024-06-14 16:00 NZST (UTC+12) = 04:00Z; + 2 h → Monday 10:00 NZST = Sunday 22:00Z.
    expect(addBusinessTime(iso('2024-06-14T04:00:00Z'), 2 * HOUR, auckland).toISOString()).toBe(
      '2024-06-16T22:00:00.000Z',
    );
    // A whole week is five days of eight hours, whichever UTC days it spans.
    expect(businessTimeBetween(iso('2024-06-16T12:00:00Z'), iso('2024-06-23T12:00:00Z'), auckland)).toBe(
      40 * HOUR,
    );
  });

  it('counts long spans by whole weeks: a year of office hours', () => {
    const ny = officeHours('America/New_York');
    // 2024-01-01 (Monday) 00:00 EST to 2024-12-30 (Monday) 00:00 EST: 52 weeks, two DST changes.
    expect(businessTimeBetween(iso('2024-01-01T05:00:00Z'), iso('2024-12-30T05:00:00Z'), ny)).toBe(
      52 * 40 * HOUR,
    );
    const due = addBusinessTime(iso('2024-01-01T05:00:00Z'), 52 * 40 * HOUR, ny);
    expect(due.toISOString()).toBe('2024-12-30T14:00:00.000Z');
  });
});

describe('Worked examples: daylight-saving transitions count real elapsed time', () => {
  it('Europe/Berlin spring (31 March 2024, 02:00 → 03:00): 00:00–05:00 holds 4 hours', () => {
    const c = nightShift('Europe/Berlin');
    // 00:00 CET = 23:00Z the day before; 05:00 CEST = 03:00Z.
    expect(businessTimeBetween(iso('2024-03-30T23:00:00Z'), iso('2024-03-31T03:00:00Z'), c)).toBe(4 * HOUR);
    expect(businessTimeBetween(iso('2024-03-30T12:00:00Z'), iso('2024-03-31T12:00:00Z'), c)).toBe(4 * HOUR);
    // 01:59:59 CET is followed by 03:00 CEST: one second on from the last CET instant.
    expect(addBusinessTime(iso('2024-03-31T00:59:59Z'), 1000, c).toISOString()).toBe(
      '2024-03-31T01:00:00.000Z',
    );
  });

  it('Europe/Berlin autumn (27 October 2024, 03:00 → 02:00): 00:00–05:00 holds 6 hours', () => {
    const c = nightShift('Europe/Berlin');
    // 00:00 CEST = 22:00Z the day before; 05:00 CET = 04:00Z.
    expect(businessTimeBetween(iso('2024-10-26T22:00:00Z'), iso('2024-10-27T04:00:00Z'), c)).toBe(6 * HOUR);
    // 02:30 happens twice, and is working time both times.
    expect(isWorkingTime(iso('2024-10-27T00:30:00Z'), c)).toBe(true);
    expect(isWorkingTime(iso('2024-10-27T01:30:00Z'), c)).toBe(true);
  });

  it('Europe/Berlin autumn with hours ending inside the repeated hour: both passes count', () => {
    const c = { ...nightShift('Europe/Berlin'), closesAt: '02:30' };
    // 00:00–02:30 CEST (22:00Z–00:30Z) and again 02:00–02:30 CET (01:00Z–01:30Z).
    expect(businessTimeBetween(iso('2024-10-26T12:00:00Z'), iso('2024-10-27T12:00:00Z'), c)).toBe(3 * HOUR);
    expect(isWorkingTime(iso('2024-10-27T00:45:00Z'), c)).toBe(false);
    expect(addBusinessTime(iso('2024-10-27T00:29:00Z'), 2 * MINUTE, c).toISOString()).toBe(
      '2024-10-27T01:01:00.000Z',
    );
  });

  it('America/New_York spring (10 March 2024, 02:00 → 03:00) and autumn (3 November, 02:00 → 01:00)', () => {
    const c = { ...nightShift('America/New_York'), closesAt: '04:00' };
    expect(businessTimeBetween(iso('2024-03-10T00:00:00Z'), iso('2024-03-11T00:00:00Z'), c)).toBe(3 * HOUR);
    expect(businessTimeBetween(iso('2024-11-03T00:00:00Z'), iso('2024-11-04T00:00:00Z'), c)).toBe(5 * HOUR);
    // Office hours keep their local times across the change: 9:00 EDT = 13:00Z, 9:00 EST = 14:00Z.
    const office = officeHours('America/New_York');
    expect(addBusinessTime(iso('2024-03-08T22:00:00Z'), 0, office).toISOString()).toBe(
      '2024-03-11T13:00:00.000Z',
    );
    expect(addBusinessTime(iso('2024-11-01T20:00:00Z'), 2 * HOUR, office).toISOString()).toBe(
      '2024-11-04T15:00:00.000Z',
    );
  });

  it('Pacific/Auckland autumn (7 April 2024, 03:00 → 02:00) and spring (29 September, 02:00 → 03:00)', () => {
    const c = nightShift('Pacific/Auckland');
    // 7 April: 00:00 NZDT = 6 April 11:00Z … 05:00 NZST = 6 April 17:00Z: 6 hours.
    expect(businessTimeBetween(iso('2024-04-06T00:00:00Z'), iso('2024-04-07T00:00:00Z'), c)).toBe(6 * HOUR);
    // 29 September: 00:00 NZST = 28 September 12:00Z … 05:00 NZDT = 28 September 16:00Z: 4 hours.
    expect(businessTimeBetween(iso('2024-09-28T00:00:00Z'), iso('2024-09-29T00:00:00Z'), c)).toBe(4 * HOUR);
  });
});

describe('Calendar validation', () => {
  it('parses "always" and a working calendar, and refuses malformed ones', () => {
    expect(parseCalendar('always')).toBe('always');
    expect(parseCalendar(officeHours('Europe/Berlin', ['2024-12-25']))).toEqual(
      officeHours('Europe/Berlin', ['2024-12-25']),
    );
    expect(parseCalendar({ ...officeHours('UTC'), closesAt: '24:00' })).toMatchObject({ closesAt: '24:00' });
    const bad = [
      { ...officeHours('Mars/Olympus') },
      { ...officeHours('UTC'), workingDays: [] },
      { ...officeHours('UTC'), workingDays: [1, 1] },
      { ...officeHours('UTC'), workingDays: [0] },
      { ...officeHours('UTC'), opensAt: '17:00', closesAt: '09:00' },
      { ...officeHours('UTC'), opensAt: '9:00' },
      { ...officeHours('UTC'), opensAt: '24:00' },
      { ...officeHours('UTC'), holidays: ['2024-02-30'] },
      { ...officeHours('UTC'), extra: true },
    ];
    for (const input of bad)
      expect(CalendarSchema.safeParse(input).success, JSON.stringify(input)).toBe(false);
  });

  it('refuses a malformed calendar or duration instead of counting something else', () => {
    expect(() => isWorkingTime(new Date(), { ...officeHours('UTC'), workingDays: [] })).toThrow(RangeError);
    expect(() => isWorkingTime(new Date(), officeHours('Nowhere/Land'))).toThrow(RangeError);
    expect(() => addBusinessTime(new Date(), -1, officeHours('UTC'))).toThrow(RangeError);
    expect(() => addBusinessTime(new Date(), Number.NaN, 'always')).toThrow(RangeError);
  });
});
