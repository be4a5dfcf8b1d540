/**
 * Business-time arithmetic over a working calendar: how much working time lies between two
 * instants, and which instant lies a given amount of working time after another. Service-level
 * clocks (tickets) count in it, so that a four-hour target set at 17:00 on a Friday falls due on
 * Monday morning, not on Friday night.
 *
 * The 24×7 calendar (`'always'`) counts every millisecond. A working calendar (`BusinessCalendar`)
 * counts the instants whose local wall-clock time, in the calendar's IANA time zone, falls on a
 * working day that is not a holiday, at or after `opensAt` and before `closesAt`.
 *
 * Conventions (the property tests in tests/unit/shared/business-hours.test.ts hold them):
 * - Working hours are half-open, `[opensAt, closesAt)`: the closing instant is not working time.
 * - `addBusinessTime(t, 0)` is the next working instant at or after `t` (`nextWorkingInstant`),
 *   and `addBusinessTime(t, d)` for d > 0 never answers a closing instant: when `d` is used up
 *   exactly at a closing time, the answer is the next opening. So a due time computed here is
 *   always working time, and `businessTimeBetween(t, addBusinessTime(t, d)) === d`.
 * - Time is counted in real elapsed milliseconds. On a daylight-saving day the working hours are
 *   the instants whose wall-clock time is inside them: a skipped hour (spring) is not counted, a
 *   repeated hour (autumn) is counted twice, since it was worked twice. `isWorkingTime` agrees
 *   with both functions instant by instant.
 * - Offsets come from the runtime's time-zone data (`Intl.DateTimeFormat`), read once per zone and
 *   UTC year at daily probes and cached: a zone is assumed not to change its offset twice within
 *   one day, which no zone of the IANA database does.
 * - Long spans are counted a week at a time while the offset is constant and no holiday falls in
 *   the week; nothing steps minute by minute.
 * - Working calendars support instants in the years 1000 to 9999.
 */
import * as z from 'zod';

/** A working calendar: the working days and hours of one time zone, and its holidays. */
export interface BusinessCalendar {
  /** IANA time zone the hours and holidays are in, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  readonly workingDays: readonly number[];
  /** Local opening time `HH:MM` (inclusive). */
  readonly opensAt: string;
  /** Local closing time `HH:MM` (exclusive), after `opensAt`; `24:00` is the end of the day. */
  readonly closesAt: string;
  /** Local dates `YYYY-MM-DD` without working hours. */
  readonly holidays: readonly string[];
}

/** A working calendar, or `'always'`: every instant is working time (24×7). */
export type Calendar = BusinessCalendar | 'always';

const DAY = 86_400_000;
const WEEK_DAYS = 7;
/** 1000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the four-digit years Intl answers plainly. */
const MIN_INSTANT = Date.UTC(1000, 0, 1);
const MAX_INSTANT = Date.UTC(10000, 0, 1) - 1;

const LOCAL_TIME = /^(?:([01][0-9]|2[0-3]):([0-5][0-9])|(24):(00))$/;
const LOCAL_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/* ------------------------------------------------------------------------------------------------
 * Validation: a zod schema for configuration and API input, and the same checks when compiling.
 * --------------------------------------------------------------------------------------------- */

/** Minutes after local midnight of `HH:MM` (`24:00` = 1440), or undefined when malformed. */
function minutesOf(time: string): number | undefined {
  const m = LOCAL_TIME.exec(time);
  if (!m) return undefined;
  return m[3] ? 24 * 60 : Number(m[1]) * 60 + Number(m[2]);
}

/** Days since 1970-01-01 of a local date `YYYY-MM-DD`, or undefined when it is not a real date. */
function dayNumberOf(date: string): number | undefined {
  const m = LOCAL_DATE.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY;
}

/** Whether the runtime knows `zone` as an IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** A working calendar as configuration or API input: strict, validated like `compile` does. */
export const BusinessCalendarSchema = z
  .strictObject({
    timeZone: z.string().min(1).refine(isTimeZone, 'Unknown IANA time zone').meta({
      description: 'IANA time zone the hours and holidays are in',
      example: 'Europe/Berlin',
    }),
    workingDays: z
      .array(z.int().min(1).max(7))
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'Working days must not repeat')
      .meta({ description: 'ISO weekdays that are working days: 1 = Monday … 7 = Sunday' }),
    opensAt: z
      .string()
      .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'Must be a local time HH:MM')
      .meta({ description: 'Local opening time HH:MM (inclusive)', example: '09:00' }),
    closesAt: z
      .string()
      .regex(LOCAL_TIME, 'Must be a local time HH:MM (24:00 for midnight)')
      .meta({ description: 'Local closing time HH:MM (exclusive), after opensAt', example: '17:00' }),
    holidays: z
      .array(z.string().refine((d) => dayNumberOf(d) !== undefined, 'Must be a date YYYY-MM-DD'))
      .max(5000)
      .meta({ description: 'Local dates YYYY-MM-DD without working hours' }),
  })
  .refine((c) => (minutesOf(c.opensAt) ?? 0) < (minutesOf(c.closesAt) ?? 0), {
    message: 'closesAt must be after opensAt',
    path: ['closesAt'],
  });

/** A calendar as configuration: `"always"` (24×7) or a working calendar. */
export const CalendarSchema = z.union([z.literal('always'), BusinessCalendarSchema]);

/** Parses a calendar from configuration (e.g. a JSON environment variable); throws on bad input. */
export function parseCalendar(input: unknown): Calendar {
  return CalendarSchema.parse(input);
}

/* ------------------------------------------------------------------------------------------------
 * Time-zone offsets: per zone and UTC year, the instants the offset changes, from Intl.
 * --------------------------------------------------------------------------------------------- */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Local wall-clock time minus UTC, in ms, at instant `t` (second precision, as zones are). */
function offsetAt(format: Intl.DateTimeFormat, t: number): number {
  const second = Math.floor(t / 1000) * 1000;
  const v: Record<string, number> = {};
  for (const p of format.formatToParts(second)) if (p.type !== 'literal') v[p.type] = Number(p.value);
  const wall = Date.UTC(v.year!, v.month! - 1, v.day!, v.hour! % 24, v.minute!, v.second!);
  return wall - second;
}

/** The offset segments of one UTC year: `offsets[i]` holds from `starts[i]` to the next start. */
interface YearSegments {
  readonly starts: readonly number[];
  readonly offsets: readonly number[];
  readonly end: number;
}

const years = new Map<string, YearSegments>();
const MAX_CACHED_YEARS = 4096;

function yearSegments(zone: string, year: number): YearSegments {
  const key = `${zone}|${year}`;
  const cached = years.get(key);
  if (cached) return cached;
  const format = formatterFor(zone);
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const starts = [start];
  const offsets = [offsetAt(format, start)];
  let lo = start;
  let loOffset = offsets[0]!;
  // Daily probes, then a binary search (in whole seconds) inside each day whose offset changed.
  for (let probe = start + DAY; lo < end - 1000; probe += DAY) {
    const hi = Math.min(probe, end - 1000);
    const hiOffset = offsetAt(format, hi);
    if (hiOffset !== loOffset) {
      let a = lo;
      let b = hi;
      while (b - a > 1000) {
        const mid = a + Math.floor((b - a) / 2000) * 1000;
        if (offsetAt(format, mid) === loOffset) a = mid;
        else b = mid;
      }
      starts.push(b);
      offsets.push(offsetAt(format, b));
    }
    lo = hi;
    loOffset = hiOffset;
  }
  const segments = { starts, offsets, end };
  if (years.size >= MAX_CACHED_YEARS) years.clear();
  years.set(key, segments);
  return segments;
}

/** The maximal stretch of one UTC year around `t` in which the zone's offset is constant. */
interface Segment {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

function segmentAt(zone: string, t: number): Segment {
  const y = yearSegments(zone, new Date(t).getUTCFullYear());
  let i = y.starts.length - 1;
  while (y.starts[i]! > t) i--;
  return { start: y.starts[i]!, end: y.starts[i + 1] ?? y.end, offset: y.offsets[i]! };
}

/* ------------------------------------------------------------------------------------------------
 * Compiled calendars.
 * --------------------------------------------------------------------------------------------- */

interface Compiled {
  readonly zone: string;
  /** Indexed by ISO weekday 1…7. */
  readonly working: readonly boolean[];
  readonly holidays: ReadonlySet<number>;
  /** Holiday day numbers, ascending. */
  readonly sortedHolidays: readonly number[];
  readonly openMs: number;
  readonly closeMs: number;
  /** Working ms in a week without holidays or offset changes. */
  readonly weekMs: number;
}

const compiledCalendars = new WeakMap<BusinessCalendar, Compiled>();

function compile(calendar: BusinessCalendar): Compiled {
  const cached = compiledCalendars.get(calendar);
  if (cached) return cached;
  if (!isTimeZone(calendar.timeZone)) throw new RangeError(`Unknown time zone ${calendar.timeZone}`);
  const zone = formatterFor(calendar.timeZone).resolvedOptions().timeZone;
  const working: boolean[] = new Array(8).fill(false);
  for (const d of calendar.workingDays) {
    if (!Number.isInteger(d) || d < 1 || d > 7) throw new RangeError(`Invalid ISO weekday ${d}`);
    working[d] = true;
  }
  const days = working.filter(Boolean).length;
  if (days === 0) throw new RangeError('A working calendar needs at least one working day');
  const open = minutesOf(calendar.opensAt);
  const close = minutesOf(calendar.closesAt);
  if (open === undefined || open === 24 * 60) throw new RangeError(`Invalid opensAt ${calendar.opensAt}`);
  if (close === undefined || close <= open) {
    throw new RangeError(`closesAt ${calendar.closesAt} must be a time HH:MM after opensAt`);
  }
  const holidays = new Set<number>();
  for (const h of calendar.holidays) {
    const day = dayNumberOf(h);
    if (day === undefined) throw new RangeError(`Invalid holiday ${h}`);
    holidays.add(day);
  }
  const compiled: Compiled = {
    zone,
    working,
    holidays,
    sortedHolidays: [...holidays].sort((a, b) => a - b),
    openMs: open * 60_000,
    closeMs: close * 60_000,
    weekMs: days * (close - open) * 60_000,
  };
  compiledCalendars.set(calendar, compiled);
  return compiled;
}

/** ISO weekday (1 = Monday) of the day `day` days after 1970-01-01, a Thursday. */
function isoWeekday(day: number): number {
  return ((((day + 3) % WEEK_DAYS) + WEEK_DAYS) % WEEK_DAYS) + 1;
}

function isWorkingDay(c: Compiled, day: number): boolean {
  return c.working[isoWeekday(day)]! && !c.holidays.has(day);
}

/** Whether any holiday falls on days `from` … `from + 6`. */
function holidayInWeek(c: Compiled, from: number): boolean {
  const h = c.sortedHolidays;
  let lo = 0;
  let hi = h.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (h[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < h.length && h[lo]! < from + WEEK_DAYS;
}

function checkedInstant(at: Date): number {
  const t = at.getTime();
  if (!Number.isFinite(t)) throw new RangeError('Invalid date');
  return t;
}

function checkRange(t: number): void {
  if (t < MIN_INSTANT || t > MAX_INSTANT) {
    throw new RangeError('Working calendars support instants in the years 1000 to 9999');
  }
}

function checkDuration(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`Invalid business duration ${ms}`);
}

/* ------------------------------------------------------------------------------------------------
 * The arithmetic.
 * --------------------------------------------------------------------------------------------- */

/**
 * The instant `ms` business milliseconds after `from` (ms ≥ 0, an integer): always working time;
 * with `ms = 0`, the next working instant at or after `from`.
 */
export function addBusinessTime(from: Date, ms: number, calendar: Calendar): Date {
  checkDuration(ms);
  const start = checkedInstant(from);
  if (calendar === 'always') return new Date(start + ms);
  const c = compile(calendar);
  let t = start;
  let remaining = ms;
  for (;;) {
    checkRange(t);
    const seg = segmentAt(c.zone, t);
    const o = seg.offset;
    const lastDay = Math.floor((seg.end - 1 + o) / DAY);
    let day = Math.floor((t + o) / DAY);
    while (day <= lastDay) {
      const dayStart = day * DAY - o;
      if (
        t <= dayStart &&
        remaining >= c.weekMs &&
        dayStart + WEEK_DAYS * DAY <= seg.end &&
        !holidayInWeek(c, day)
      ) {
        // A whole week of constant offset and no holidays is used up: skip it.
        remaining -= c.weekMs;
        day += WEEK_DAYS;
        t = day * DAY - o;
        continue;
      }
      if (isWorkingDay(c, day)) {
        const s = Math.max(dayStart + c.openMs, t);
        const e = Math.min(dayStart + c.closeMs, seg.end);
        if (e > s) {
          if (remaining < e - s) return new Date(s + remaining);
          remaining -= e - s;
          t = e;
        }
      }
      day++;
    }
    t = seg.end;
  }
}

/** Business milliseconds between `from` and `to` (0 when `to` is not after `from`). */
export function businessTimeBetween(from: Date, to: Date, calendar: Calendar): number {
  const a = checkedInstant(from);
  const b = checkedInstant(to);
  if (b <= a) return 0;
  if (calendar === 'always') return b - a;
  const c = compile(calendar);
  checkRange(a);
  checkRange(b);
  let total = 0;
  let t = a;
  while (t < b) {
    const seg = segmentAt(c.zone, t);
    const o = seg.offset;
    const end = Math.min(seg.end, b);
    const lastDay = Math.floor((end - 1 + o) / DAY);
    let day = Math.floor((t + o) / DAY);
    while (day <= lastDay) {
      const dayStart = day * DAY - o;
      if (t <= dayStart && dayStart + WEEK_DAYS * DAY <= end && !holidayInWeek(c, day)) {
        total += c.weekMs;
        day += WEEK_DAYS;
        t = day * DAY - o;
        continue;
      }
      if (isWorkingDay(c, day)) {
        const s = Math.max(dayStart + c.openMs, t);
        const e = Math.min(dayStart + c.closeMs, end);
        if (e > s) total += e - s;
      }
      day++;
    }
    t = end;
  }
  return total;
}

/** Whether `at` is working time in the calendar. */
export function isWorkingTime(at: Date, calendar: Calendar): boolean {
  const t = checkedInstant(at);
  if (calendar === 'always') return true;
  const c = compile(calendar);
  checkRange(t);
  const wall = t + segmentAt(c.zone, t).offset;
  const day = Math.floor(wall / DAY);
  const timeOfDay = wall - day * DAY;
  return isWorkingDay(c, day) && timeOfDay >= c.openMs && timeOfDay < c.closeMs;
}

/** The next working instant at or after `at` (`addBusinessTime(at, 0, calendar)`). */
export function nextWorkingInstant(at: Date, calendar: Calendar): Date {
  return addBusinessTime(at, 0, calendar);
}
