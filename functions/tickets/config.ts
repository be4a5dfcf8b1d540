/**
 * The service desk's working calendar, read once per container (cold start) from the function's
 * environment (the topology's `environment` of the `tickets` function, or the shell running
 * `npm start`). Non-urgent SLA targets count in its hours; urgent ones around the clock
 * (`SLA_POLICY` in ./sla.ts; docs/service-desk.md).
 *
 * | variable | default | what |
 * |---|---|---|
 * | `SLA_TIME_ZONE` | `UTC` | IANA time zone of the hours and holidays, e.g. `Europe/Berlin` |
 * | `SLA_WORKING_DAYS` | `1,2,3,4,5` | ISO weekdays with working hours: 1 = Monday … 7 = Sunday |
 * | `SLA_OPENS_AT` | `09:00` | local opening time (inclusive) |
 * | `SLA_CLOSES_AT` | `17:00` | local closing time (exclusive), after the opening time |
 * | `SLA_HOLIDAYS` | (none) | comma-separated local dates `YYYY-MM-DD` without working hours |
 *
 * A bad value fails the container's first invocation, never a ticket halfway through.
 */
import * as z from 'zod';
import type { BusinessCalendar } from '#shared/business-hours.ts';

const Time = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'HH:MM, 00:00 to 23:59');

const TimeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'Not an IANA time zone');

const CalendarSettings = z
  .object({
    timeZone: TimeZone,
    workingDays: z.array(z.int().min(1).max(7)).min(1),
    opensAt: Time,
    closesAt: Time,
    holidays: z.array(z.iso.date()),
  })
  .refine((c) => c.opensAt < c.closesAt, 'SLA_CLOSES_AT must be after SLA_OPENS_AT');

const list = (value: string): string[] =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

/** The calendar an environment describes (defaults for what it leaves out). */
export function calendarFromEnvironment(
  environment: Readonly<Record<string, string | undefined>>,
): BusinessCalendar {
  const read = (name: string, fallback: string): string => {
    const value = environment[name];
    return value === undefined || value.trim() === '' ? fallback : value.trim();
  };
  return CalendarSettings.parse({
    timeZone: read('SLA_TIME_ZONE', 'UTC'),
    workingDays: [...new Set(list(read('SLA_WORKING_DAYS', '1,2,3,4,5')).map(Number))].sort((a, b) => a - b),
    opensAt: read('SLA_OPENS_AT', '09:00'),
    closesAt: read('SLA_CLOSES_AT', '17:00'),
    holidays: list(read('SLA_HOLIDAYS', '')),
  });
}

/** This container's working calendar. */
export const businessCalendar: BusinessCalendar = calendarFromEnvironment(process.env);
