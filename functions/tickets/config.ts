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
 * | `SLA_TARGETS` | (the policy) | JSON replacing some priorities' targets, e.g. `{"urgent":{"responseMs":900000,"resolutionMs":7200000}}` (a contract with tighter targets, a trial, the SLA end-to-end test) |
 *
 * A bad value fails the container's first invocation, never a ticket halfway through.
 */
import * as z from 'zod';
import { TicketPriority } from '#events/tickets.ts';
import { type BusinessCalendar, BusinessCalendarSchema } from '#shared/business-hours.ts';
import { SLA_POLICY, type SlaPolicyEntry } from './sla.ts';

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

const Targets = z.partialRecord(
  TicketPriority,
  z.strictObject({ responseMs: z.int().min(1), resolutionMs: z.int().min(1) }),
);

/** The SLA policy an environment describes: `SLA_POLICY` with `SLA_TARGETS`' replacements. */
export function policyFromEnvironment(
  environment: Readonly<Record<string, string | undefined>>,
): Readonly<Record<TicketPriority, SlaPolicyEntry>> {
  const raw = environment.SLA_TARGETS?.trim();
  if (!raw) return SLA_POLICY;
  const targets = Targets.parse(JSON.parse(raw));
  const policy: Record<TicketPriority, SlaPolicyEntry> = { ...SLA_POLICY };
  for (const priority of TicketPriority.options) {
    const replaced = targets[priority];
    if (replaced) policy[priority] = { ...SLA_POLICY[priority], ...replaced };
  }
  return policy;
}

/** This container's SLA policy. */
export const slaPolicy = policyFromEnvironment(process.env);
