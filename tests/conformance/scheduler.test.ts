/**
 * The local EventBridge Scheduler (infra/local/scheduler.ts) against moto's: the same SDK calls —
 * the requests `setTimer`/`cancelTimer` send (`timerSchedule`) among them — in the timer group the
 * topology declares, with outcomes compared (results, error names and messages). Where the two
 * knowingly differ, both behaviours are pinned below (docs/local-runtime.md).
 */
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { LocalScheduler, localFunctionArn, localTimerGroup } from '#infra/local/scheduler.ts';
import { topology } from '#infra/topology.ts';
import { timerSchedule } from '#shared/timers.ts';
import { clientConfig } from '../support/moto.ts';

const motoEndpoint = inject('motoEndpoint');
const GROUP = localTimerGroup(topology, 'slaTimers');
const run = `c${Date.now()}`;

interface Side {
  readonly name: 'ours' | 'moto';
  readonly client: SchedulerClient;
}

/** A rejected SDK call as the client sees it (name and message), or the result. */
async function outcome<T>(call: Promise<T>): Promise<T | { error: string; message: string | undefined }> {
  try {
    return await call;
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

/** A response without SDK metadata, account ids and dates made comparable. */
function normalise(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => {
      if (key === '$metadata') return undefined;
      if (key === 'CreationDate' || key === 'LastModificationDate') return v === undefined ? v : '<date>';
      if (typeof v === 'string') return v.replace(/:\d{12}:/g, ':<account>:');
      return v;
    }),
  );
}

const timer = {
  name: 'slaTimers',
  group: GROUP,
  targetArn: localFunctionArn(LOCAL_REGION, 'ticketSlaAlarms'),
  roleArn: 'arn:aws:iam::000000000000:role/storeline-sla-timers-scheduler',
};
/** One instant for the whole run, so both sides receive identical requests. */
const AT = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
const request = (name: string, payload: unknown = { n: name }): CreateScheduleCommandInput =>
  timerSchedule(timer, `${run}-${name}`, AT, payload);

describe.skipIf(!motoEndpoint)('EventBridge Scheduler: the local scheduler against moto', () => {
  let scheduler: LocalScheduler;
  let ours: Side;
  let moto: Side;
  beforeAll(async () => {
    scheduler = new LocalScheduler({ topology, region: LOCAL_REGION });
    ours = { name: 'ours', client: new SchedulerClient(clientConfig(await scheduler.listen())) };
    moto = { name: 'moto', client: new SchedulerClient(clientConfig(motoEndpoint)) };
    // moto has no topology: the group the stack creates is created there.
    await outcome(moto.client.send(new CreateScheduleGroupCommand({ Name: GROUP })));
  });
  afterAll(async () => {
    ours?.client.destroy();
    moto?.client.destroy();
    await scheduler?.stop();
  });
  const both = async <T>(scenario: (side: Side) => Promise<T>): Promise<[unknown, unknown]> => [
    normalise(await scenario(ours)),
    normalise(await scenario(moto)),
  ];

  it('creates a timer’s schedule and reads back the same definition', async () => {
    const [local, remote] = await both(async ({ client }) => {
      const input = request('create');
      const created = await client.send(new CreateScheduleCommand(input));
      const read = await client.send(new GetScheduleCommand({ Name: input.Name, GroupName: GROUP }));
      return { created, read };
    });
    expect(local).toEqual(remote);
    expect(local).toMatchObject({
      read: {
        GroupName: GROUP,
        ActionAfterCompletion: 'DELETE',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ScheduleExpressionTimezone: 'UTC',
        State: 'ENABLED',
        Target: { RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86_400 } },
      },
    });
  });

  it('refuses a second create of one name with ConflictException; an update replaces it (setTimer’s path)', async () => {
    const [local, remote] = await both(async ({ client }) => {
      const first = request('twice', { v: 1 });
      await client.send(new CreateScheduleCommand(first));
      const again = await outcome(client.send(new CreateScheduleCommand(request('twice', { v: 2 }))));
      const updated = await client.send(new UpdateScheduleCommand(request('twice', { v: 2 })));
      const read = await client.send(new GetScheduleCommand({ Name: first.Name, GroupName: GROUP }));
      return { again, updated, input: read.Target?.Input };
    });
    expect(local).toEqual(remote);
    expect(local).toMatchObject({
      again: { error: 'ConflictException', message: `Schedule ${run}-twice already exists.` },
      input: JSON.stringify({ v: 2 }),
    });
  });

  it('answers ResourceNotFoundException for a missing schedule on get, update and delete (cancelTimer’s case)', async () => {
    const [local, remote] = await both(async ({ client }) => {
      const Name = `${run}-missing`;
      return {
        get: await outcome(client.send(new GetScheduleCommand({ Name, GroupName: GROUP }))),
        update: await outcome(client.send(new UpdateScheduleCommand(request('missing')))),
        delete: await outcome(client.send(new DeleteScheduleCommand({ Name, GroupName: GROUP }))),
      };
    });
    expect(local).toEqual(remote);
    expect(local).toMatchObject({ delete: { error: 'ResourceNotFoundException' } });
  });

  it('deletes a schedule: it is gone, and deleting it again is not found', async () => {
    const [local, remote] = await both(async ({ client }) => {
      const input = request('deleted');
      await client.send(new CreateScheduleCommand(input));
      const deleted = await client.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: GROUP }));
      return {
        deleted,
        get: await outcome(client.send(new GetScheduleCommand({ Name: input.Name, GroupName: GROUP }))),
        again: await outcome(client.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: GROUP }))),
      };
    });
    expect(local).toEqual(remote);
  });

  it('lists the schedules of a group, by name prefix', async () => {
    const [local, remote] = await both(async ({ client }) => {
      for (const n of ['list-a', 'list-b', 'other']) await client.send(new CreateScheduleCommand(request(n)));
      const listed = await client.send(
        new ListSchedulesCommand({ GroupName: GROUP, NamePrefix: `${run}-list` }),
      );
      return (listed.Schedules ?? []).sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    });
    expect(local).toEqual(remote);
    expect((local as { Name: string }[]).map((s) => s.Name)).toEqual([`${run}-list-a`, `${run}-list-b`]);
  });
});

/**
 * Where the local scheduler and moto knowingly differ: ours checks what EventBridge Scheduler
 * checks, moto does not. Both behaviours are pinned.
 */
describe.skipIf(!motoEndpoint)('EventBridge Scheduler: documented differences from moto', () => {
  let scheduler: LocalScheduler;
  let ours: SchedulerClient;
  let moto: SchedulerClient;
  beforeAll(async () => {
    scheduler = new LocalScheduler({ topology, region: LOCAL_REGION });
    ours = new SchedulerClient(clientConfig(await scheduler.listen()));
    moto = new SchedulerClient(clientConfig(motoEndpoint));
    await outcome(moto.send(new CreateScheduleGroupCommand({ Name: GROUP })));
  });
  afterAll(async () => {
    ours?.destroy();
    moto?.destroy();
    await scheduler?.stop();
  });
  const create = async (client: SchedulerClient, input: CreateScheduleCommandInput) => {
    const result = await outcome(client.send(new CreateScheduleCommand(input)));
    return 'error' in result ? result.error : 'created';
  };

  it('a one-time schedule in the past: we refuse it as EventBridge Scheduler does; moto accepts it', async () => {
    const past = { ...request('past'), ScheduleExpression: 'at(2020-01-01T00:00:00)' };
    expect(await create(ours, past)).toBe('ValidationException');
    expect(await create(moto, past)).toBe('created');
  });

  it('a name outside [0-9a-zA-Z-_.]: we refuse it (ValidationException); moto accepts it', async () => {
    const bad = { ...request('bad'), Name: `${run} bad name` };
    expect(await create(ours, bad)).toBe('ValidationException');
    expect(await create(moto, bad)).toBe('created');
  });

  it('ConflictException: we answer HTTP 409 as AWS does; moto answers 400', async () => {
    const input = request('status');
    await ours.send(new CreateScheduleCommand(input));
    await moto.send(new CreateScheduleCommand(input));
    const status = async (client: SchedulerClient) =>
      client.send(new CreateScheduleCommand(input)).then(
        () => 200,
        (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
      );
    expect(await status(ours)).toBe(409);
    expect(await status(moto)).toBe(400);
  });
});
