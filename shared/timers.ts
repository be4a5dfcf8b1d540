/**
 * One-time timers: EventBridge Scheduler `at()` schedules that invoke a function once with a JSON
 * payload. A function declares its timers in the topology (`FunctionSpec.timers`); each timer is a
 * schedule group of its own, and the function finds the group, the target's ARN and the role the
 * scheduler invokes it with in three environment variables named after the timer
 * (`timerVariables`), which the CDK stack and the local runtime set. The SDK client finds the local
 * scheduler through `AWS_ENDPOINT_URL_SCHEDULER`, as every client finds its local endpoint.
 *
 * - `setTimer` creates the schedule, or updates it when it exists: calling it twice with the same
 *   arguments leaves one schedule, so a retried caller is harmless. Every schedule is
 *   `ActionAfterCompletion: DELETE` (gone once it has fired), without a flexible window, and with a
 *   retry policy (`TIMER_RETRY_POLICY`).
 * - EventBridge Scheduler refuses an `at()` in the past, and fires with one-minute precision. The
 *   rule: a time less than the minimum lead ahead (`TIMER_MIN_LEAD_SECONDS`, 60 s by default) is
 *   scheduled at now + that lead (`effectiveTimerAt`), so an overdue timer still fires within about
 *   a minute. The local runtime sets a lead of 1 s.
 * - `cancelTimer` deletes it; a schedule that does not exist (fired, or never set) is already
 *   cancelled.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { requiredEnv } from './config.ts';
import { sdkClientConfig } from './faults.ts';

/** The environment variables of a timer, e.g. `slaTimers` → `TIMER_SLA_TIMERS_GROUP` …. */
export function timerVariables(name: string): { group: string; targetArn: string; roleArn: string } {
  const prefix = `TIMER_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  return { group: `${prefix}_GROUP`, targetArn: `${prefix}_TARGET_ARN`, roleArn: `${prefix}_ROLE_ARN` };
}

/** Where a timer's schedules live and what they invoke, as the environment gives them. */
export interface Timer {
  readonly name: string;
  readonly group: string;
  readonly targetArn: string;
  readonly roleArn: string;
}

/** A timer from its environment variables; throws at cold start when one is missing. */
export function timerFromEnv(name: string): Timer {
  const variables = timerVariables(name);
  return {
    name,
    group: requiredEnv(variables.group),
    targetArn: requiredEnv(variables.targetArn),
    roleArn: requiredEnv(variables.roleArn),
  };
}

/**
 * How the scheduler retries a failed invocation: up to 20 attempts within a day (EventBridge
 * Scheduler backs off between them). A target that fails for longer loses the firing: the
 * scheduler's `InvocationDroppedCount` metric counts it (docs/operations.md).
 */
export const TIMER_RETRY_POLICY = { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86_400 } as const;

/** Default minimum lead of a schedule (EventBridge Scheduler refuses `at()` in the past). */
export const DEFAULT_TIMER_MIN_LEAD_SECONDS = 60;

/**
 * When a timer meant for `at` is scheduled, given `now`: `at` itself when it is at least `leadMs`
 * ahead, else now + `leadMs`; rounded up to the whole second (`at()` has no milliseconds), so it
 * never fires before the time asked.
 */
export function effectiveTimerAt(at: Date, now: Date, leadMs: number): Date {
  const earliest = now.getTime() + leadMs;
  const ms = Math.max(at.getTime(), earliest);
  return new Date(Math.ceil(ms / 1000) * 1000);
}

/** EventBridge Scheduler's one-time expression, in UTC: `at(2026-03-03T13:15:00)`. */
export const atExpression = (at: Date): string => `at(${at.toISOString().slice(0, 19)})`;

/** The lead from `TIMER_MIN_LEAD_SECONDS` (whole seconds), else the default. */
function minLeadMs(): number {
  const raw = process.env.TIMER_MIN_LEAD_SECONDS;
  const seconds = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return (Number.isInteger(seconds) && seconds >= 0 ? seconds : DEFAULT_TIMER_MIN_LEAD_SECONDS) * 1000;
}

// Created on first use (one per container): modules that only import the helpers need no region.
let client: SchedulerClient | undefined;
const scheduler = () => {
  client ??= new SchedulerClient(sdkClientConfig());
  return client;
};

/** The CreateSchedule/UpdateSchedule request of a timer: both take the same full definition. */
export function timerSchedule(
  timer: Timer,
  name: string,
  at: Date,
  payload: unknown,
  now: Date = new Date(),
): CreateScheduleCommandInput {
  return {
    Name: name,
    GroupName: timer.group,
    ScheduleExpression: atExpression(effectiveTimerAt(at, now, minLeadMs())),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Description: `${timer.name} timer, due ${at.toISOString()}`,
    Target: {
      Arn: timer.targetArn,
      RoleArn: timer.roleArn,
      Input: JSON.stringify(payload),
      RetryPolicy: { ...TIMER_RETRY_POLICY },
    },
  };
}

/**
 * Sets the timer `name` to fire at `at` with `payload`: creates its schedule, or replaces the
 * definition of the existing one. Idempotent. A schedule that fires (and is deleted) between our
 * create and update attempts is created again.
 */
export async function setTimer(timer: Timer, name: string, at: Date, payload: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const input = timerSchedule(timer, name, at, payload);
    try {
      await scheduler().send(new CreateScheduleCommand(input));
      return;
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
    try {
      await scheduler().send(new UpdateScheduleCommand(input));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException) || attempt >= 3) throw error;
    }
  }
}

/** Deletes the timer `name`; one that does not exist is already cancelled. */
export async function cancelTimer(timer: Timer, name: string): Promise<void> {
  try {
    await scheduler().send(new DeleteScheduleCommand({ Name: name, GroupName: timer.group }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}
