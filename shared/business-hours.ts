/**
 * Business-time arithmetic over a working calendar: how much working time lies between two
 * instants, and which instant lies a given amount of working time after another. Service-level
 * clocks (tickets) count in it, so that a four-hour target set at 17:00 on a Friday falls due on
 * Monday morning, not on Friday night.
 *
 * The 24×7 calendar (`'always'`) counts every millisecond. Working calendars are implemented on
 * branch wt/hours (issue 13): until then they are refused, never silently counted as 24×7.
 */

/** A working calendar: the working days and hours of one time zone, and its holidays. */
export interface BusinessCalendar {
  /** IANA time zone the hours and holidays are in, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  readonly workingDays: readonly number[];
  /** Local opening time `HH:MM` (inclusive). */
  readonly opensAt: string;
  /** Local closing time `HH:MM` (exclusive), after `opensAt`. */
  readonly closesAt: string;
  /** Local dates `YYYY-MM-DD` without working hours. */
  readonly holidays: readonly string[];
}

/** A working calendar, or `'always'`: every instant is working time (24×7). */
export type Calendar = BusinessCalendar | 'always';

function unsupported(): never {
  throw new Error('Working calendars are not implemented yet; only the 24×7 calendar is');
}

/** The instant `ms` business milliseconds after `from` (ms ≥ 0). */
export function addBusinessTime(from: Date, ms: number, calendar: Calendar): Date {
  if (calendar === 'always') return new Date(from.getTime() + ms);
  return unsupported();
}

/** Business milliseconds between `from` and `to` (0 when `to` is not after `from`). */
export function businessTimeBetween(from: Date, to: Date, calendar: Calendar): number {
  if (calendar === 'always') return Math.max(0, to.getTime() - from.getTime());
  return unsupported();
}

/** Whether `at` is working time in the calendar. */
export function isWorkingTime(_at: Date, calendar: Calendar): boolean {
  if (calendar === 'always') return true;
  return unsupported();
}
