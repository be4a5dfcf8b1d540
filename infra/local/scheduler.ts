/**
 * A local EventBridge Scheduler for the local runtime: an HTTP endpoint speaking the scheduler's
 * REST-JSON API as the unchanged SDK client sends it (functions reach it through
 * `AWS_ENDPOINT_URL_SCHEDULER`), and a clock that invokes each schedule's target function through
 * the function host.
 *
 * API: CreateSchedule (`POST /schedules/{Name}`), UpdateSchedule (`PUT`, a full replacement as in
 * AWS), DeleteSchedule (`DELETE`), GetSchedule (`GET`), ListSchedules (`GET /schedules`, filters
 * and paging), GetScheduleGroup, ListScheduleGroups, CreateScheduleGroup. Errors as AWS shapes them
 * for the SDK: `ConflictException` (409), `ResourceNotFoundException` (404),
 * `ValidationException` (400), with `x-amzn-errortype` and a `Message`. Signatures are not checked.
 *
 * Schedule groups: `default`, one per timer in the topology, and any created through the API.
 * The topology's recurring schedules (`FunctionSpec.schedules`) run here too, in `default`, as
 * the CDK stack creates them (input `{ "schedule": name }`), and are not persisted.
 *
 * Firing, as EventBridge Scheduler does it:
 * - `at(…)` (UTC) fires once at its time, `rate(…)` every period from its creation, `cron(…)` at
 *   each matching minute (UTC; fields `* ? , - /`, names, no `L W #`). Unlike AWS (one-minute
 *   precision), a schedule fires within the poll interval of its time. `State: DISABLED` never
 *   fires; StartDate/EndDate bound recurring ones.
 * - the target (a Lambda ARN of a topology function) is invoked with the schedule's `Input` (parsed
 *   JSON); a failed invocation is retried with exponential backoff (1 s doubling, at most 60 s)
 *   within the schedule's RetryPolicy (`MaximumRetryAttempts`, `MaximumEventAgeInSeconds`), then
 *   dropped (kept in the history, as `InvocationDroppedCount` counts it in AWS);
 * - once a one-time schedule has completed, `ActionAfterCompletion: DELETE` deletes it; `NONE`
 *   keeps it, never to fire again. A schedule updated while its target runs is not deleted then.
 * - `at()` in the past is refused (ValidationException), as EventBridge Scheduler refuses it.
 *
 * With data on disk the schedules are kept in a file beside DynamoDB Local's (`LOCAL_SCHEDULES_FILE`),
 * written atomically shortly after each change: after a restart, overdue schedules fire at once.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import * as z from 'zod';
import type { Topology } from '../topology/types.ts';
import type { TimerResources } from '../topology.ts';
import { LOCAL_ACCOUNT } from './sqs.ts';

export const LOCAL_SCHEDULES_FILE = 'storeline-local-schedules.json';
export const DEFAULT_GROUP = 'default';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A local Lambda ARN for a topology function (what timers target locally). */
export const localFunctionArn = (region: string, functionName: string): string =>
  `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${functionName}`;

/** The topology function a local Lambda ARN names, if it names one. */
export function functionOfArn(arn: string): string | undefined {
  return /^arn:aws:lambda:[^:]+:\d{12}:function:([A-Za-z0-9_-]+)$/.exec(arn)?.[1];
}

/** The local schedule group of a timer: `<service>-<timer>`, e.g. `storeline-sla-timers`. */
export const localTimerGroup = (t: Topology, timerName: string) => `${t.service}-${kebab(timerName)}`;

/** Local values of each of a function's timers, as `functionEnvironment` takes them. */
export function localTimerResources(
  t: Topology,
  functionName: string,
  region: string,
): Record<string, TimerResources> {
  const fn = t.functions[functionName];
  return Object.fromEntries(
    (fn?.timers ?? []).map((timer) => {
      const group = localTimerGroup(t, timer.name);
      return [
        timer.name,
        {
          group,
          targetArn: localFunctionArn(region, timer.target),
          roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${group}-scheduler`,
        },
      ];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Expressions

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(([^)]*)\)$/;

/** The instant of an `at()` expression in UTC, or undefined when it is not one. */
export function atInstant(expression: string): number | undefined {
  const m = AT.exec(expression);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // 2026-02-30 is not a date: Date.UTC would roll it over.
  return back.getUTCDate() === d && back.getUTCMonth() === mo - 1 && h < 24 && mi < 60 && s < 60
    ? ms
    : undefined;
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** The period of a `rate()` expression, or undefined. */
export function ratePeriodMs(expression: string): number | undefined {
  const m = RATE.exec(expression);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2]!.replace(/s$/, '') as keyof typeof UNIT_MS;
  // AWS: `rate(1 minute)` singular, `rate(5 minutes)` plural.
  if (value < 1 || (value === 1) !== !m[2]!.endsWith('s')) return undefined;
  return value * UNIT_MS[unit];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The values one cron field allows, or undefined when it is malformed; `*` and `?` allow all. */
function cronField(field: string, min: number, max: number, names: readonly string[] = []) {
  if (field === '*' || field === '?') return 'any' as const;
  const value = (text: string): number | undefined => {
    const named = names.indexOf(text.toUpperCase());
    if (named >= 0) return named + min;
    return /^\d+$/.test(text) ? Number(text) : undefined;
  };
  const allowed = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!range || !Number.isInteger(step) || step < 1) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) [from, to] = range.split('-').map(value) as [number?, number?];
    else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    if (from === undefined || to === undefined || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) allowed.add(v);
  }
  return allowed;
}

/** A cron expression's matcher (AWS's six fields, UTC), or undefined when it is not one we run. */
export function cronMatcher(expression: string): ((ms: number) => boolean) | undefined {
  const m = CRON.exec(expression);
  const fields = m?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) return undefined;
  const [minutes, hours, dom, month, dow, year] = [
    cronField(fields[0]!, 0, 59),
    cronField(fields[1]!, 0, 23),
    cronField(fields[2]!, 1, 31),
    cronField(fields[3]!, 1, 12, MONTHS),
    cronField(fields[4]!, 1, 7, DAYS),
    cronField(fields[5]!, 1970, 2199),
  ];
  if (!minutes || !hours || !dom || !month || !dow || !year) return undefined;
  // AWS: one of day-of-month and day-of-week must be `?`.
  if ((fields[2] === '?') === (fields[4] === '?')) return undefined;
  const ok = (set: 'any' | Set<number>, v: number) => set === 'any' || set.has(v);
  return (ms) => {
    const d = new Date(ms);
    return (
      ok(minutes, d.getUTCMinutes()) &&
      ok(hours, d.getUTCHours()) &&
      ok(dom, d.getUTCDate()) &&
      ok(month, d.getUTCMonth() + 1) &&
      ok(dow, d.getUTCDay() + 1) &&
      ok(year, d.getUTCFullYear())
    );
  };
}

/** Whether the expression is one we understand (at, rate or cron). */
export function validExpression(expression: string): boolean {
  return (
    atInstant(expression) !== undefined ||
    ratePeriodMs(expression) !== undefined ||
    cronMatcher(expression) !== undefined
  );
}

/** The first firing strictly after `afterMs` (recurring) or the one firing (at); undefined: none. */
export function nextFiring(expression: string, createdMs: number, afterMs: number): number | undefined {
  const at = atInstant(expression);
  if (at !== undefined) return at;
  const period = ratePeriodMs(expression);
  if (period !== undefined) return createdMs + (Math.floor((afterMs - createdMs) / period) + 1) * period;
  const matches = cronMatcher(expression);
  if (!matches) return undefined;
  // Minute by minute, at most a little over a year ahead.
  let minute = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < 527_040 * 2; i++, minute += 60_000) if (matches(minute)) return minute;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Schedules

const Target = z
  .object({
    Arn: z.string(),
    RoleArn: z.string(),
    Input: z.string().optional(),
    RetryPolicy: z
      .object({
        MaximumRetryAttempts: z.number().optional(),
        MaximumEventAgeInSeconds: z.number().optional(),
      })
      .optional(),
  })
  .loose();

export const StoredScheduleSchema = z.object({
  name: z.string(),
  group: z.string(),
  description: z.string().optional(),
  expression: z.string(),
  timezone: z.string(),
  flexibleTimeWindow: z.object({ Mode: z.string(), MaximumWindowInMinutes: z.number().optional() }),
  target: Target,
  state: z.enum(['ENABLED', 'DISABLED']),
  actionAfterCompletion: z.enum(['NONE', 'DELETE']),
  startDate: z.number().optional(),
  endDate: z.number().optional(),
  kmsKeyArn: z.string().optional(),
  /** Epoch seconds, as the API answers them. */
  creationDate: z.number(),
  lastModificationDate: z.number(),
  /** Bookkeeping: bumped by every update, so a firing in flight knows its schedule changed. */
  revision: z.int(),
  /** Epoch ms of the next attempt; undefined: nothing left to fire. */
  nextAttemptAt: z.number().optional(),
  /** The firing being attempted (epoch ms) and its failed attempts so far. */
  firingAt: z.number().optional(),
  failedAttempts: z.int().default(0),
  /** A one-time schedule kept after completion (`ActionAfterCompletion: NONE`). */
  completed: z.boolean().default(false),
  /** From the topology's recurring schedules: recreated at start, never persisted. */
  fromTopology: z.boolean().default(false),
});
export type StoredSchedule = z.infer<typeof StoredScheduleSchema>;

/** One firing's outcome, for `/_local/schedules`. */
export interface FiringRecord {
  readonly group: string;
  readonly name: string;
  readonly function: string | undefined;
  readonly scheduledAt: string;
  readonly attemptedAt: string;
  readonly attempt: number;
  readonly outcome: 'invoked' | 'failed' | 'dropped';
  readonly error?: string;
}

/** An API error, answered with its status, `x-amzn-errortype` and `{ Message }`. */
export class SchedulerError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(
    type: 'ConflictException' | 'ResourceNotFoundException' | 'ValidationException',
    message: string,
  ) {
    super(message);
    this.type = type;
    this.status = type === 'ConflictException' ? 409 : type === 'ResourceNotFoundException' ? 404 : 400;
  }
}

const validation = (message: string) => new SchedulerError('ValidationException', message);
const NAME = /^[0-9a-zA-Z-_.]+$/;

/** AWS's own wording for a constraint on one member (1 validation error detected: …). */
const constraint = (value: unknown, member: string, rule: string) =>
  validation(
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`,
  );

function checkName(value: unknown, member: string): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 64)
    throw constraint(value, member, 'Member must have length between 1 and 64');
  if (!NAME.test(value))
    throw constraint(value, member, 'Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+');
  return value;
}

const ScheduleBody = z.object({
  GroupName: z.string().optional(),
  Description: z.string().max(512).optional(),
  ScheduleExpression: z.string().min(1).max(256),
  ScheduleExpressionTimezone: z.string().optional(),
  FlexibleTimeWindow: z.object({
    Mode: z.enum(['OFF', 'FLEXIBLE']),
    MaximumWindowInMinutes: z.int().min(1).max(1440).optional(),
  }),
  Target: Target,
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
  StartDate: z.number().optional(),
  EndDate: z.number().optional(),
  KmsKeyArn: z.string().optional(),
  ClientToken: z.string().optional(),
});
type ScheduleBody = z.infer<typeof ScheduleBody>;

export interface LocalSchedulerOptions {
  readonly topology: Topology;
  readonly region: string;
  /** Invokes a topology function (the function host's `invoke`). */
  readonly invoke?: (functionName: string, event: unknown) => Promise<unknown>;
  /** Where schedules are kept across restarts; undefined keeps them in memory. */
  readonly stateFile?: string | undefined;
  /** How often due schedules are looked for (ms). */
  readonly pollIntervalMs?: number | undefined;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Each firing's outcome as it is recorded (the local telemetry's scheduler series). */
  readonly onFiring?: (entry: FiringRecord) => void;
}

/** The scheduler's state and its clock. */
export class LocalScheduler {
  readonly region: string;
  private readonly options: LocalSchedulerOptions;
  private readonly schedules = new Map<string, StoredSchedule>();
  private readonly groups = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly recent: FiringRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private server: Server | undefined;
  private endpointUrl: string | undefined;

  constructor(options: LocalSchedulerOptions) {
    this.options = options;
    this.region = options.region;
    const now = this.nowSeconds();
    this.groups.set(DEFAULT_GROUP, now);
    for (const fn of Object.values(options.topology.functions))
      for (const timer of fn.timers ?? [])
        this.groups.set(localTimerGroup(options.topology, timer.name), now);
    this.load();
    for (const [name, fn] of Object.entries(options.topology.functions)) {
      for (const spec of fn.schedules ?? []) {
        const created = this.now();
        this.schedules.set(this.key(DEFAULT_GROUP, `${name}-${spec.name}`), {
          name: `${name}-${spec.name}`,
          group: DEFAULT_GROUP,
          description: spec.description,
          expression: spec.expression,
          timezone: 'UTC',
          flexibleTimeWindow: { Mode: 'OFF' },
          // As FunctionSchedules deploys them: retried a few times within the hour.
          target: {
            Arn: localFunctionArn(this.region, name),
            RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}-schedules`,
            Input: JSON.stringify({ schedule: spec.name }),
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          },
          state: 'ENABLED',
          actionAfterCompletion: 'NONE',
          creationDate: Math.floor(created / 1000),
          lastModificationDate: Math.floor(created / 1000),
          revision: 0,
          nextAttemptAt: nextFiring(spec.expression, created, created),
          failedAttempts: 0,
          completed: false,
          fromTopology: true,
        });
      }
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private key(group: string, name: string): string {
    return `${group}/${name}`;
  }

  arnOf(schedule: Pick<StoredSchedule, 'group' | 'name'>): string {
    return `arn:aws:scheduler:${this.region}:${LOCAL_ACCOUNT}:schedule/${schedule.group}/${schedule.name}`;
  }

  groupArn(group: string): string {
    return `arn:aws:scheduler:${this.region}:${LOCAL_ACCOUNT}:schedule-group/${group}`;
  }

  /** A copy of every schedule, for inspection. */
  list(): StoredSchedule[] {
    return [...this.schedules.values()].map((s) => ({ ...s }));
  }

  /** Recent firings, newest last. */
  history(): readonly FiringRecord[] {
    return this.recent;
  }

  private requireGroup(group: string): void {
    if (!this.groups.has(group))
      throw new SchedulerError('ResourceNotFoundException', `Schedule group ${group} does not exist.`);
  }

  private definition(name: string, body: unknown, existing?: StoredSchedule): StoredSchedule {
    const parsed = ScheduleBody.safeParse(body);
    if (!parsed.success) throw validation(z.prettifyError(parsed.error));
    const input: ScheduleBody = parsed.data;
    const group = input.GroupName ?? DEFAULT_GROUP;
    checkName(group, 'groupName');
    this.requireGroup(group);
    if (!validExpression(input.ScheduleExpression))
      throw validation(`Invalid Schedule Expression ${input.ScheduleExpression}.`);
    const timezone = input.ScheduleExpressionTimezone ?? 'UTC';
    if (timezone !== 'UTC' && timezone !== 'Etc/UTC')
      throw validation(`The local scheduler runs UTC schedules only, not ${timezone}.`);
    if (
      input.FlexibleTimeWindow.Mode === 'FLEXIBLE' &&
      input.FlexibleTimeWindow.MaximumWindowInMinutes === undefined
    )
      throw validation('MaximumWindowInMinutes is required when the flexible time window mode is FLEXIBLE.');
    const retry = input.Target.RetryPolicy ?? {};
    const attempts = retry.MaximumRetryAttempts ?? 185;
    const age = retry.MaximumEventAgeInSeconds ?? 86_400;
    if (!Number.isInteger(attempts) || attempts < 0 || attempts > 185)
      throw constraint(
        attempts,
        'target.retryPolicy.maximumRetryAttempts',
        'Member must have value between 0 and 185',
      );
    if (!Number.isInteger(age) || age < 60 || age > 86_400)
      throw constraint(
        age,
        'target.retryPolicy.maximumEventAgeInSeconds',
        'Member must have value between 60 and 86400',
      );
    const now = this.now();
    const at = atInstant(input.ScheduleExpression);
    // EventBridge Scheduler refuses a one-time schedule whose time has passed (the second counts).
    if (at !== undefined && at < Math.floor(now / 1000) * 1000)
      throw validation(`The schedule expression ${input.ScheduleExpression} is in the past.`);
    const created = existing?.creationDate ?? Math.floor(now / 1000);
    return {
      name,
      group,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      expression: input.ScheduleExpression,
      timezone,
      flexibleTimeWindow: input.FlexibleTimeWindow,
      target: {
        ...input.Target,
        RetryPolicy: { MaximumRetryAttempts: attempts, MaximumEventAgeInSeconds: age },
      },
      state: input.State ?? 'ENABLED',
      actionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
      ...(input.StartDate !== undefined ? { startDate: input.StartDate } : {}),
      ...(input.EndDate !== undefined ? { endDate: input.EndDate } : {}),
      ...(input.KmsKeyArn !== undefined ? { kmsKeyArn: input.KmsKeyArn } : {}),
      creationDate: created,
      lastModificationDate: Math.floor(now / 1000),
      revision: (existing?.revision ?? 0) + 1,
      nextAttemptAt: nextFiring(input.ScheduleExpression, created * 1000, now),
      failedAttempts: 0,
      completed: false,
      fromTopology: existing?.fromTopology ?? false,
    };
  }

  createSchedule(name: string, body: unknown): { ScheduleArn: string } {
    checkName(name, 'name');
    const schedule = this.definition(name, body);
    const key = this.key(schedule.group, name);
    if (this.schedules.has(key))
      throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`);
    this.schedules.set(key, schedule);
    this.changed();
    this.options.log?.(`scheduler: ${schedule.group}/${name} created, ${schedule.expression}`);
    return { ScheduleArn: this.arnOf(schedule) };
  }

  updateSchedule(name: string, body: unknown): { ScheduleArn: string } {
    checkName(name, 'name');
    const group = (body as { GroupName?: unknown } | null)?.GroupName;
    const existing = this.find(typeof group === 'string' ? group : DEFAULT_GROUP, name);
    const schedule = this.definition(name, body, existing);
    if (schedule.group !== existing.group)
      throw validation('UpdateSchedule cannot move a schedule to another group.');
    this.schedules.set(this.key(schedule.group, name), schedule);
    this.changed();
    return { ScheduleArn: this.arnOf(schedule) };
  }

  deleteSchedule(name: string, group = DEFAULT_GROUP): void {
    const existing = this.find(group, name);
    this.schedules.delete(this.key(existing.group, name));
    this.changed();
  }

  private find(group: string, name: string): StoredSchedule {
    this.requireGroup(group);
    const found = this.schedules.get(this.key(group, name));
    if (!found) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return found;
  }

  getSchedule(name: string, group = DEFAULT_GROUP) {
    const s = this.find(group, name);
    return {
      Arn: this.arnOf(s),
      Name: s.name,
      GroupName: s.group,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: s.timezone,
      FlexibleTimeWindow: s.flexibleTimeWindow,
      Target: s.target,
      State: s.state,
      ActionAfterCompletion: s.actionAfterCompletion,
      ...(s.startDate !== undefined ? { StartDate: s.startDate } : {}),
      ...(s.endDate !== undefined ? { EndDate: s.endDate } : {}),
      ...(s.kmsKeyArn !== undefined ? { KmsKeyArn: s.kmsKeyArn } : {}),
      CreationDate: s.creationDate,
      LastModificationDate: s.lastModificationDate,
    };
  }

  listSchedules(query: URLSearchParams) {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    const maxText = query.get('MaxResults');
    const max = maxText === null ? 100 : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > 100)
      throw constraint(maxText, 'maxResults', 'Member must have value between 1 and 100');
    if (state !== null && state !== 'ENABLED' && state !== 'DISABLED')
      throw constraint(state, 'state', 'Member must satisfy enum value set: [ENABLED, DISABLED]');
    const all = [...this.schedules.values()]
      .filter((s) => (group === null || s.group === group) && s.name.startsWith(prefix))
      .filter((s) => state === null || s.state === state)
      .sort((a, b) => this.key(a.group, a.name).localeCompare(this.key(b.group, b.name)));
    const start = Number(query.get('NextToken') ?? 0) || 0;
    const page = all.slice(start, start + max);
    return {
      Schedules: page.map((s) => ({
        Arn: this.arnOf(s),
        Name: s.name,
        GroupName: s.group,
        State: s.state,
        CreationDate: s.creationDate,
        LastModificationDate: s.lastModificationDate,
        Target: { Arn: s.target.Arn },
      })),
      ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
    };
  }

  createScheduleGroup(name: string): { ScheduleGroupArn: string } {
    checkName(name, 'name');
    if (this.groups.has(name))
      throw new SchedulerError('ConflictException', `Schedule group ${name} already exists.`);
    this.groups.set(name, this.nowSeconds());
    return { ScheduleGroupArn: this.groupArn(name) };
  }

  private groupView(name: string) {
    const created = this.groups.get(name);
    return {
      Arn: this.groupArn(name),
      Name: name,
      State: 'ACTIVE',
      ...(name === DEFAULT_GROUP ? {} : { CreationDate: created, LastModificationDate: created }),
    };
  }

  getScheduleGroup(name: string) {
    this.requireGroup(name);
    return this.groupView(name);
  }

  listScheduleGroups(query: URLSearchParams) {
    const prefix = query.get('NamePrefix') ?? '';
    return {
      ScheduleGroups: [...this.groups.keys()]
        .filter((g) => g.startsWith(prefix))
        .map((g) => this.groupView(g)),
    };
  }

  // -------------------------------------------------------------------------------------------
  // The clock

  /** Starts firing due schedules. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.pollIntervalMs ?? 250);
    this.tick();
  }

  /** Fires every schedule that is due now (the clock calls this; tests may too). */
  tick(): void {
    const now = this.now();
    for (const schedule of this.schedules.values()) {
      const key = this.key(schedule.group, schedule.name);
      if (schedule.state !== 'ENABLED' || schedule.completed || this.inFlight.has(key)) continue;
      if (schedule.nextAttemptAt === undefined || schedule.nextAttemptAt > now) continue;
      if (schedule.endDate !== undefined && now > schedule.endDate * 1000) continue;
      const run = this.fire(schedule).finally(() => {
        this.inFlight.delete(key);
        this.running.delete(run);
      });
      this.inFlight.add(key);
      this.running.add(run);
    }
  }

  /** Resolves once the firings in flight have finished (tests). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private record(entry: FiringRecord): void {
    this.options.onFiring?.(entry);
    this.recent.push(entry);
    if (this.recent.length > 500) this.recent.shift();
  }

  private async fire(schedule: StoredSchedule): Promise<void> {
    const { invoke } = this.options;
    const key = this.key(schedule.group, schedule.name);
    const { revision } = schedule;
    const firingAt = schedule.firingAt ?? schedule.nextAttemptAt ?? this.now();
    const attempt = schedule.failedAttempts + 1;
    const functionName = functionOfArn(schedule.target.Arn);
    let error: string | undefined;
    try {
      if (!functionName || !(functionName in this.options.topology.functions) || !invoke)
        throw new Error(`no local function for target ${schedule.target.Arn}`);
      let event: unknown = schedule.target.Input ?? {};
      try {
        event = JSON.parse(String(event));
      } catch {
        // passed as the string it is
      }
      await invoke(functionName, event);
    } catch (e) {
      error = (e as Error).message;
    }
    const now = this.now();
    const base = {
      group: schedule.group,
      name: schedule.name,
      function: functionName,
      scheduledAt: new Date(firingAt).toISOString(),
      attemptedAt: new Date(now).toISOString(),
      attempt,
    };
    const current = this.schedules.get(key);
    // Updated or deleted while its target ran: the new definition stands as it is.
    if (!current || current.revision !== revision) {
      this.record({ ...base, outcome: error ? 'failed' : 'invoked', ...(error ? { error } : {}) });
      return;
    }
    const retry = current.target.RetryPolicy ?? {};
    const maxRetries = retry.MaximumRetryAttempts ?? 185;
    const maxAgeMs = (retry.MaximumEventAgeInSeconds ?? 86_400) * 1000;
    if (error !== undefined) {
      const delay = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      if (attempt <= maxRetries && now + delay - firingAt <= maxAgeMs) {
        this.record({ ...base, outcome: 'failed', error });
        this.options.log?.(`scheduler: ${key} → ${functionName} failed (attempt ${attempt}): ${error}`);
        current.failedAttempts = attempt;
        current.firingAt = firingAt;
        current.nextAttemptAt = now + delay;
        this.changed();
        return;
      }
      this.record({ ...base, outcome: 'dropped', error });
      this.options.log?.(`scheduler: ${key} → ${functionName} dropped after ${attempt} attempts: ${error}`);
    } else {
      this.record({ ...base, outcome: 'invoked' });
      this.options.log?.(`scheduler: ${key} → ${functionName}`);
    }
    current.failedAttempts = 0;
    current.firingAt = undefined;
    const next =
      atInstant(current.expression) === undefined
        ? nextFiring(current.expression, current.creationDate * 1000, Math.max(now, firingAt))
        : undefined;
    if (next === undefined) {
      if (current.actionAfterCompletion === 'DELETE') this.schedules.delete(key);
      else {
        current.completed = true;
        current.nextAttemptAt = undefined;
      }
    } else current.nextAttemptAt = next;
    this.changed();
  }

  /** Stops the clock, letting invocations in flight finish, and saves. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.running]);
    if (this.server) {
      const server = this.server;
      this.server = undefined;
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
    this.flush();
  }

  // -------------------------------------------------------------------------------------------
  // Persistence

  private load(): void {
    const path = this.options.stateFile;
    if (!path || !existsSync(path)) return;
    const parsed = z
      .object({
        version: z.literal(1),
        groups: z.record(z.string(), z.number()).default({}),
        schedules: z.array(StoredScheduleSchema),
      })
      .safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) {
      this.options.log?.(`local schedules in ${path} are unreadable; starting without them`);
      return;
    }
    for (const [group, created] of Object.entries(parsed.data.groups))
      if (!this.groups.has(group)) this.groups.set(group, created);
    for (const schedule of parsed.data.schedules) {
      if (schedule.fromTopology) continue;
      this.schedules.set(this.key(schedule.group, schedule.name), schedule);
    }
  }

  private changed(): void {
    if (!this.options.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 100);
  }

  private flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.save();
  }

  private save(): void {
    const path = this.options.stateFile;
    if (!path) return;
    const state = {
      version: 1,
      groups: Object.fromEntries(this.groups),
      schedules: [...this.schedules.values()].filter((s) => !s.fromTopology),
    };
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(state));
    renameSync(`${path}.tmp`, path);
  }

  // -------------------------------------------------------------------------------------------
  // The endpoint

  /** Starts the REST endpoint (`AWS_ENDPOINT_URL_SCHEDULER`) on a loopback port; 0 picks one. */
  async listen(port = 0): Promise<string> {
    const server = createSchedulerServer(this);
    this.server = server;
    const bound = await new Promise<number>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolvePromise(typeof address === 'object' && address ? address.port : port);
      });
    });
    this.endpointUrl = `http://127.0.0.1:${bound}`;
    return this.endpointUrl;
  }

  get endpoint(): string {
    if (!this.endpointUrl) throw new Error('the local scheduler is not listening yet');
    return this.endpointUrl;
  }
}

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/** The REST-JSON endpoint of a local scheduler. */
export function createSchedulerServer(scheduler: LocalScheduler): Server {
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      let body: unknown = {};
      try {
        body = await readBody(req);
      } catch {
        return reply(res, 400, { Message: 'Body is not JSON' }, 'SerializationException');
      }
      try {
        const [collection, name, ...rest] = segments;
        const group = url.searchParams.get('groupName') ?? DEFAULT_GROUP;
        if (rest.length === 0 && collection === 'schedules') {
          if (name === undefined && method === 'GET')
            return reply(res, 200, scheduler.listSchedules(url.searchParams));
          if (name !== undefined) {
            if (method === 'POST') return reply(res, 200, scheduler.createSchedule(name, body));
            if (method === 'PUT') return reply(res, 200, scheduler.updateSchedule(name, body));
            if (method === 'GET') return reply(res, 200, scheduler.getSchedule(name, group));
            if (method === 'DELETE') {
              scheduler.deleteSchedule(name, group);
              return reply(res, 200, {});
            }
          }
        }
        if (rest.length === 0 && collection === 'schedule-groups') {
          if (name === undefined && method === 'GET')
            return reply(res, 200, scheduler.listScheduleGroups(url.searchParams));
          if (name !== undefined && method === 'GET')
            return reply(res, 200, scheduler.getScheduleGroup(name));
          if (name !== undefined && method === 'POST')
            return reply(res, 200, scheduler.createScheduleGroup(name));
        }
        return reply(
          res,
          404,
          { Message: `The local scheduler does not implement ${method} ${url.pathname}` },
          'UnknownOperationException',
        );
      } catch (error) {
        if (error instanceof SchedulerError)
          return reply(res, error.status, { Message: error.message }, error.type);
        return reply(res, 500, { Message: (error as Error).message }, 'InternalServerException');
      }
    })();
  });
}
