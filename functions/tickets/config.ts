/**
 * The service desk's working calendar, read once per container (cold start) from the function's
 * environment (the topology's `environment` of the functions that move SLA clocks — `tickets`,
 * `ticketChanges`, `ticketSla` — set alike, or the shell running `npm start`). Non-urgent SLA targets count in its hours; urgent ones around the clock
 * (`SLA_POLICY` in ./sla.ts; docs/service-desk.md).
 *
 * | variable | default | what |
 * |---|---|---|
 * | `SLA_TIME_ZONE` | `UTC` | IANA time zone of the hours and holidays, e.g. `Europe/Berlin` |
 * | `SLA_WORKING_DAYS` | `1,2,3,4,5` | ISO weekdays with working hours: 1 = Monday … 7 = Sunday |
 * | `SLA_OPENS_AT` | `09:00` | local opening time (inclusive) |
 * | `SLA_CLOSES_AT` | `17:00` | local closing time (exclusive), after the opening time (`24:00`: midnight) |
 * | `SLA_HOLIDAYS` | (none) | comma-separated local dates `YYYY-MM-DD` without working hours |
 *
 * A bad value fails the container's first invocation, never a ticket halfway through.
 */
import { type BusinessCalendar, BusinessCalendarSchema } from '#shared/business-hours.ts';

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
  return BusinessCalendarSchema.parse({
    timeZone: read('SLA_TIME_ZONE', 'UTC'),
    workingDays: [...new Set(list(read('SLA_WORKING_DAYS', '1,2,3,4,5')).map(Number))].sort((a, b) => a - b),
    opensAt: read('SLA_OPENS_AT', '09:00'),
    closesAt: read('SLA_CLOSES_AT', '17:00'),
    holidays: list(read('SLA_HOLIDAYS', '')),
  });
}

/** This container's working calendar. */
export const businessCalendar: BusinessCalendar = calendarFromEnvironment(process.env);
