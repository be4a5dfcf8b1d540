/**
 * The local EventBridge Scheduler (infra/local/scheduler.ts) through the SDK client over HTTP,
 * with its clock driven by the test: one-time schedules fire once at their time with their input
 * and are deleted after completion, failed invocations are retried within the retry policy and
 * then dropped, an update while the target runs is kept, recurring topology schedules run, and
 * schedules survive a restart when a state file is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/dynamodb.ts';
import {
  atInstant,
  cronMatcher,
  LocalScheduler,
  localFunctionArn,
  nextFiring,
  ratePeriodMs,
} from '#infra/local/scheduler.ts';
import { type Topology, topology } from '#infra/topology.ts';

const T0 = Date.parse('2026-03-03T10:00:00.000Z');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A topology with one recurring schedule, to see the topology's schedules run locally. */
const withRecurring: Topology = {
  ...topology,
  functions: {
    ...topology.functions,
    platform: {
      ...topology.functions.platform,
      schedules: [{ name: 'nightly', expression: 'rate(5 minutes)', description: 'test' }],
    },
  },
};

interface Harness {
  scheduler: LocalScheduler;
  client: SchedulerClient;
  calls: { fn: string; event: unknown }[];
  clock: { now: number };
  fail: { next: number };
  /** Awaited inside every invocation (to hold a target while it runs). */
  gate: { wait: Promise<void> };
}

async function harness(options: { stateFile?: string; t?: Topology } = {}): Promise<Harness> {
  const clock = { now: T0 };
  const calls: { fn: string; event: unknown }[] = [];
  const fail = { next: 0 };
  const gate = { wait: Promise.resolve() };
  const scheduler = new LocalScheduler({
    topology: options.t ?? topology,
    region: LOCAL_REGION,
    stateFile: options.stateFile,
    now: () => clock.now,
    invoke: async (fn, event) => {
      calls.push({ fn, event });
      await gate.wait;
      if (fail.next > 0) {
        fail.next -= 1;
        throw new Error('target failed');
      }
      return {};
    },
  });
  const endpoint = await scheduler.listen();
  const client = new SchedulerClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  return { scheduler, client, calls, clock, fail, gate };
}

const oneTime = (name: string, at: string, extra: Partial<CreateScheduleCommandInput> = {}) =>
  new CreateScheduleCommand({
    Name: name,
    ScheduleExpression: `at(${at})`,
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: localFunctionArn(LOCAL_REGION, 'platform'),
      RoleArn: 'arn:aws:iam::000000000000:role/test',
      Input: JSON.stringify({ name }),
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
    },
    ...extra,
  });

/** Advances the clock, fires what is due and waits for it. */
async function advance(h: Harness, toMs: number): Promise<void> {
  h.clock.now = toMs;
  h.scheduler.tick();
  await h.scheduler.settled();
}

describe('LocalScheduler (SDK over HTTP, test clock)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    h.client.destroy();
    await h.scheduler.stop();
  });

  it('fires a one-time schedule once, at its time, with its input, then deletes it', async () => {
    // Prepare
    await h.client.send(oneTime('once', '2026-03-03T10:05:00'));

    // Act
    await advance(h, Date.parse('2026-03-03T10:04:59.999Z'));
    const early = h.calls.length;
    await advance(h, Date.parse('2026-03-03T10:05:00.000Z'));
    await advance(h, Date.parse('2026-03-03T10:30:00.000Z'));

    // Assess
    expect(early).toBe(0);
    expect(h.calls).toEqual([{ fn: 'platform', event: { name: 'once' } }]);
    await expect(h.client.send(new GetScheduleCommand({ Name: 'once' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(h.scheduler.history()).toMatchObject([{ name: 'once', outcome: 'invoked', attempt: 1 }]);
  });

  it('keeps a completed schedule with ActionAfterCompletion NONE, and never fires it again', async () => {
    // Prepare
    await h.client.send(oneTime('kept', '2026-03-03T10:01:00', { ActionAfterCompletion: 'NONE' }));

    // Act
    await advance(h, Date.parse('2026-03-03T10:01:00Z'));
    await advance(h, Date.parse('2026-03-03T11:01:00Z'));

    // Assess
    expect(h.calls).toHaveLength(1);
    expect((await h.client.send(new GetScheduleCommand({ Name: 'kept' }))).Name).toBe('kept');
  });

  it('retries a failing target with backoff within MaximumRetryAttempts, then drops the firing', async () => {
    // Prepare
    h.fail.next = 10;
    await h.client.send(oneTime('flaky', '2026-03-03T10:01:00'));

    // Act: 1 s, 2 s backoff; attempts 1 + 2 retries.
    for (let s = 0; s <= 10; s++) await advance(h, Date.parse('2026-03-03T10:01:00Z') + s * 1000);

    // Assess
    expect(h.calls).toHaveLength(3);
    expect(h.scheduler.history().map((r) => r.outcome)).toEqual(['failed', 'failed', 'dropped']);
    expect(h.scheduler.list().find((s) => s.name === 'flaky')).toBeUndefined();
  });

  it('succeeds on a retry when the target recovers', async () => {
    // Prepare
    h.fail.next = 1;
    await h.client.send(oneTime('recovers', '2026-03-03T10:01:00'));

    // Act
    for (let s = 0; s <= 3; s++) await advance(h, Date.parse('2026-03-03T10:01:00Z') + s * 1000);

    // Assess
    expect(h.calls).toHaveLength(2);
    expect(h.scheduler.history().map((r) => r.outcome)).toEqual(['failed', 'invoked']);
  });

  it('keeps a schedule updated to a later time while its target ran, and fires it then', async () => {
    // Prepare: the target updates its own schedule while it runs.
    await h.client.send(oneTime('moved', '2026-03-03T10:01:00'));
    let release: () => void = () => undefined;
    h.gate.wait = new Promise<void>((r) => {
      release = r;
    });

    // Act
    h.clock.now = Date.parse('2026-03-03T10:01:00Z');
    h.scheduler.tick();
    await h.client.send(new UpdateScheduleCommand({ ...oneTime('moved', '2026-03-03T10:09:00').input }));
    release();
    h.gate.wait = Promise.resolve();
    await h.scheduler.settled();
    const afterFirst = h.scheduler.list().find((s) => s.name === 'moved');
    await advance(h, Date.parse('2026-03-03T10:09:00Z'));

    // Assess
    expect(afterFirst?.expression).toBe('at(2026-03-03T10:09:00)');
    expect(h.calls).toHaveLength(2);
    expect(h.scheduler.list().find((s) => s.name === 'moved')).toBeUndefined();
  });

  it('refuses a one-time schedule in the past, as EventBridge Scheduler does', async () => {
    await expect(h.client.send(oneTime('late', '2026-03-03T09:59:59'))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('does not fire a DISABLED schedule', async () => {
    await h.client.send(oneTime('off', '2026-03-03T10:01:00', { State: 'DISABLED' }));
    await advance(h, Date.parse('2026-03-03T12:00:00Z'));
    expect(h.calls).toEqual([]);
  });
});

describe('LocalScheduler: the topology’s recurring schedules', () => {
  it('invokes the function with { schedule: name } every period', async () => {
    // Prepare
    const h = await harness({ t: withRecurring });

    // Act
    for (let m = 1; m <= 15; m++) await advance(h, T0 + m * 60_000);

    // Assess
    expect(h.calls).toEqual([
      { fn: 'platform', event: { schedule: 'nightly' } },
      { fn: 'platform', event: { schedule: 'nightly' } },
      { fn: 'platform', event: { schedule: 'nightly' } },
    ]);
    h.client.destroy();
    await h.scheduler.stop();
  });
});

describe('LocalScheduler: persistence', () => {
  it('keeps schedules across a restart when a state file is given, and fires overdue ones', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'storeline-scheduler-'));
    dirs.push(dir);
    const stateFile = join(dir, 'schedules.json');
    const first = await harness({ stateFile });
    await first.client.send(oneTime('survivor', '2026-03-03T10:10:00'));
    first.client.destroy();
    await first.scheduler.stop();

    // Act
    const second = await harness({ stateFile });
    const restored = await second.client.send(new GetScheduleCommand({ Name: 'survivor' }));
    await advance(second, Date.parse('2026-03-03T11:00:00Z'));

    // Assess
    expect(restored.ScheduleExpression).toBe('at(2026-03-03T10:10:00)');
    expect(second.calls).toEqual([{ fn: 'platform', event: { name: 'survivor' } }]);
    second.client.destroy();
    await second.scheduler.stop();
  });
});

describe('schedule expressions', () => {
  it('reads at(), rate() and cron() as AWS writes them', () => {
    expect(atInstant('at(2026-03-03T10:05:00)')).toBe(Date.parse('2026-03-03T10:05:00Z'));
    expect(atInstant('at(2026-02-30T10:05:00)')).toBeUndefined();
    expect(ratePeriodMs('rate(1 minute)')).toBe(60_000);
    expect(ratePeriodMs('rate(5 minutes)')).toBe(300_000);
    expect(ratePeriodMs('rate(1 minutes)')).toBeUndefined();
    expect(cronMatcher('cron(0 12 * * ? *)')).toBeDefined();
    expect(cronMatcher('cron(0 12 * * * *)')).toBeUndefined();
    expect(nextFiring('cron(15 10 ? * MON-FRI *)', 0, Date.parse('2026-03-07T00:00:00Z'))).toBe(
      Date.parse('2026-03-09T10:15:00Z'),
    );
    expect(nextFiring('cron(0/30 * * * ? *)', 0, Date.parse('2026-03-03T10:00:00Z'))).toBe(
      Date.parse('2026-03-03T10:30:00Z'),
    );
  });
});
