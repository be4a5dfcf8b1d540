/**
 * SLA timers against DynamoDB Local and the local EventBridge Scheduler (in-process, over HTTP, its
 * clock driven by the test): `TicketSlaChanged` sets, moves and cancels the schedules of a ticket,
 * newest version wins whatever the delivery order; a firing raises its alarm once through the
 * outbox, and a stale or repeated firing writes nothing.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import { getSlaTimers } from '#functions/ticket-timers/sla-timers.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { LocalScheduler, localTimerGroup, localTimerResources } from '#infra/local/scheduler.ts';
import { timerEnvironment, topology } from '#infra/topology.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, lambdaContext, sqsRecordFor } from '../../support/backbone.ts';

const OWNER = 'ticketSlaTimers';
const GROUP = localTimerGroup(topology, 'slaTimers');
const clock = { now: Date.now() };
const invocations: { fn: string; event: unknown; result: unknown }[] = [];
let scheduler: LocalScheduler;

// The modules under test read their environment on first use, so they are imported after it is set.
let consumer: typeof import('#functions/ticket-timers/consumer.ts');
let alarms: typeof import('#functions/ticket-timers/alarms.ts');
let alarmHandler: typeof import('#functions/ticket-timers/handler.ts');

beforeAll(async () => {
  scheduler = new LocalScheduler({
    topology,
    region: LOCAL_REGION,
    now: () => clock.now,
    // The schedule's target: the alarm function's handler, in-process.
    invoke: async (fn, event) => {
      const result = await alarmHandler.handler(event, lambdaContext(fn));
      invocations.push({ fn, event, result });
      return result;
    },
  });
  const endpoint = await scheduler.listen();
  const timers = localTimerResources(topology, OWNER, LOCAL_REGION);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SCHEDULER: endpoint,
    TIMER_MIN_LEAD_SECONDS: '1',
    ...timerEnvironment('slaTimers', timers.slaTimers!),
  });
  consumer = await import('#functions/ticket-timers/consumer.ts');
  alarms = await import('#functions/ticket-timers/alarms.ts');
  alarmHandler = await import('#functions/ticket-timers/handler.ts');
});
afterAll(async () => {
  await scheduler?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

type SlaData = EventOf<'TicketSlaChanged'>['data'];

/** A TicketSlaChanged of a ticket, clocks running from now unless given. */
function slaChanged(ticketId: string, slaVersion: number, clocks: Partial<SlaData> = {}) {
  const now = Date.now();
  return eventLike('TicketSlaChanged', {
    ticketId,
    slaVersion,
    response: {
      state: 'running',
      dueAt: iso(now + 4 * HOUR),
      warnAt: iso(now + 3.2 * HOUR),
      consumedMs: 0,
      targetMs: 4 * HOUR,
    },
    resolution: {
      state: 'running',
      dueAt: iso(now + 16 * HOUR),
      warnAt: iso(now + 12.8 * HOUR),
      consumedMs: 0,
      targetMs: 16 * HOUR,
    },
    changedAt: iso(now),
    ...clocks,
  });
}

const apply = (event: ReturnType<typeof slaChanged>) => consumer.slaTimers.processRecord(sqsRecordFor(event));

/** The ticket's schedules in the local scheduler: name → payload. */
function schedulesOf(
  ticketId: string,
): Record<string, { at: string; slaVersion: number; expression: string }> {
  return Object.fromEntries(
    scheduler
      .list()
      .filter((s) => s.group === GROUP && s.name.includes(ticketId))
      .map((s) => {
        const payload = JSON.parse(s.target.Input ?? '{}') as { at: string; slaVersion: number };
        return [s.name.replace(`sla-${ticketId}-`, ''), { ...payload, expression: s.expression }];
      }),
  );
}

/** Alarm events of a ticket in the outbox. */
async function alarmsOf(ticketId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const items: { type: string; event: { data: Record<string, unknown> } }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :p) AND #type IN (:w, :b)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':p': 'OUTBOX#', ':w': 'TicketSlaWarning', ':b': 'TicketSlaBreached' },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as typeof items));
    start = page.LastEvaluatedKey;
  } while (start);
  return items
    .filter((i) => i.event.data.ticketId === ticketId)
    .map((i) => ({ type: i.type, data: i.event.data }));
}

describe('SLA timers consumer (DynamoDB Local + local scheduler)', () => {
  it('sets a warning and a breach schedule per running clock, invoking the alarm function', async () => {
    // Prepare
    const ticketId = ulid();
    const event = slaChanged(ticketId, 1);

    // Act
    const outcome = await apply(event);

    // Assess
    expect(outcome).toBe('applied');
    const schedules = schedulesOf(ticketId);
    expect(Object.keys(schedules).sort()).toEqual([
      'resolution-breach',
      'resolution-warning',
      'response-breach',
      'response-warning',
    ]);
    expect(schedules['response-breach']).toMatchObject({
      at: event.data.response.dueAt,
      slaVersion: 1,
      // Rounded up to the second: `at()` has none smaller, and a timer never fires early.
      expression: `at(${iso(Math.ceil(Date.parse(event.data.response.dueAt ?? '') / 1000) * 1000).slice(0, 19)})`,
    });
    const stored = scheduler.list().find((s) => s.name === `sla-${ticketId}-response-breach`);
    expect(stored).toMatchObject({
      actionAfterCompletion: 'DELETE',
      flexibleTimeWindow: { Mode: 'OFF' },
      target: { Arn: expect.stringMatching(/:function:ticketSlaAlarms$/) },
    });
  });

  it('cancels the schedules of a paused clock and moves the others to the new version', async () => {
    // Prepare
    const ticketId = ulid();
    await apply(slaChanged(ticketId, 1));
    const later = slaChanged(ticketId, 2, {
      resolution: { state: 'paused', consumedMs: 1000, targetMs: 16 * HOUR },
      response: {
        state: 'running',
        dueAt: iso(Date.now() + 5 * HOUR),
        warnAt: iso(Date.now() + 4 * HOUR),
        consumedMs: 0,
        targetMs: 4 * HOUR,
      },
    });

    // Act
    await apply(later);

    // Assess
    const schedules = schedulesOf(ticketId);
    expect(Object.keys(schedules).sort()).toEqual(['response-breach', 'response-warning']);
    expect(schedules['response-breach']).toMatchObject({ at: later.data.response.dueAt, slaVersion: 2 });
  });

  it('keeps the newest version when an older one arrives late, and restores its schedules', async () => {
    // Prepare
    const ticketId = ulid();
    const v1 = slaChanged(ticketId, 1);
    const v2 = slaChanged(ticketId, 2, {
      response: { state: 'met', metAt: iso(Date.now()), consumedMs: 10, targetMs: 4 * HOUR },
    });
    await apply(v2);
    // What an older delivery racing the newer one leaves: its own payload under the shared name.
    const { setTimer, timerFromEnv } = await import('#shared/timers.ts');
    await setTimer(
      timerFromEnv('slaTimers'),
      `sla-${ticketId}-resolution-breach`,
      new Date(v1.data.resolution.dueAt ?? ''),
      {
        ticketId,
        target: 'resolution',
        kind: 'breach',
        slaVersion: 1,
        at: v1.data.resolution.dueAt,
      },
    );
    const clobbered = schedulesOf(ticketId)['resolution-breach']?.slaVersion;

    // Act
    const outcome = await apply(v1);

    // Assess
    expect(outcome).toBe('applied');
    expect(clobbered).toBe(1);
    const schedules = schedulesOf(ticketId);
    expect(Object.keys(schedules).sort()).toEqual(['resolution-breach', 'resolution-warning']);
    expect(schedules['resolution-breach']?.slaVersion).toBe(2);
    expect((await getSlaTimers(ticketId))?.slaVersion).toBe(2);
  });

  it('fails the record while the scheduler cannot be reached, and applies it when delivered again', async () => {
    // Prepare
    const ticketId = ulid();
    const event = slaChanged(ticketId, 1);
    const port = Number(new URL(scheduler.endpoint).port);
    await scheduler.stop();

    // Act
    const failure = await apply(event).then(
      () => 'applied',
      (error: Error) => error.name,
    );
    await scheduler.listen(port);
    const redelivered = await apply(event);

    // Assess
    expect(failure).not.toBe('applied');
    expect(redelivered).toBe('applied');
    expect(Object.keys(schedulesOf(ticketId))).toHaveLength(4);
  });
});

describe('SLA alarm function (DynamoDB Local + local scheduler)', () => {
  it('raises TicketSlaBreached once when its schedule fires, and the schedule is deleted', async () => {
    // Prepare
    const ticketId = ulid();
    const now = Date.now();
    const event = slaChanged(ticketId, 1, {
      response: {
        state: 'running',
        dueAt: iso(now + 2 * HOUR),
        warnAt: iso(now + HOUR),
        consumedMs: 0,
        targetMs: 2 * HOUR,
      },
      resolution: { state: 'paused', consumedMs: 0, targetMs: 16 * HOUR },
    });
    await apply(event);

    // Act: the scheduler's clock passes the warning, then the breach.
    clock.now = now + HOUR + 1000;
    scheduler.tick();
    await scheduler.settled();
    clock.now = now + 2 * HOUR + 1000;
    scheduler.tick();
    await scheduler.settled();
    clock.now = Date.now();

    // Assess
    const raised = await alarmsOf(ticketId);
    expect(raised.map((r) => r.type).sort()).toEqual(['TicketSlaBreached', 'TicketSlaWarning']);
    expect(raised.find((r) => r.type === 'TicketSlaBreached')?.data).toMatchObject({
      ticketId,
      number: event.data.number,
      type: event.data.type,
      priority: event.data.priority,
      customerId: event.data.customerId,
      target: 'response',
      dueAt: event.data.response.dueAt,
      breachedAt: event.data.response.dueAt,
      slaVersion: 1,
    });
    expect(schedulesOf(ticketId)).toEqual({});
  });

  it('raises once when the same timer fires twice, also concurrently', async () => {
    // Prepare
    const ticketId = ulid();
    const event = slaChanged(ticketId, 1);
    await apply(event);
    const payload = {
      ticketId,
      target: 'resolution',
      kind: 'breach',
      slaVersion: 1,
      at: event.data.resolution.dueAt,
    };

    // Act
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => alarms.raiseSlaAlarm(payload)));
    const again = await alarms.raiseSlaAlarm(payload);

    // Assess
    expect(outcomes.filter((o) => o === 'emitted')).toHaveLength(1);
    expect(again).not.toBe('emitted');
    expect(await alarmsOf(ticketId)).toHaveLength(1);
  });

  it('writes nothing for a timer of an older version, a paused clock or a moved due time', async () => {
    // Prepare
    const ticketId = ulid();
    const v1 = slaChanged(ticketId, 1);
    await apply(v1);
    const v2 = slaChanged(ticketId, 2, {
      response: { state: 'paused', consumedMs: 5, targetMs: 4 * HOUR },
      resolution: {
        state: 'running',
        dueAt: iso(Date.now() + 20 * HOUR),
        warnAt: iso(Date.now() + 16 * HOUR),
        consumedMs: 5,
        targetMs: 16 * HOUR,
      },
    });
    await apply(v2);

    // Act
    const stale = await alarms.raiseSlaAlarm({
      ticketId,
      target: 'resolution',
      kind: 'breach',
      slaVersion: 1,
      at: v1.data.resolution.dueAt,
    });
    const paused = await alarms.raiseSlaAlarm({
      ticketId,
      target: 'response',
      kind: 'breach',
      slaVersion: 2,
      at: v1.data.response.dueAt,
    });
    const moved = await alarms.raiseSlaAlarm({
      ticketId,
      target: 'resolution',
      kind: 'breach',
      slaVersion: 2,
      at: v1.data.resolution.dueAt,
    });
    const unknown = await alarms.raiseSlaAlarm({
      ticketId: ulid(),
      target: 'resolution',
      kind: 'breach',
      slaVersion: 1,
      at: v1.data.resolution.dueAt,
    });
    const invalid = await alarms.raiseSlaAlarm({ ticketId });

    // Assess
    expect([stale, paused, moved, unknown, invalid]).toEqual(['stale', 'stale', 'stale', 'stale', 'invalid']);
    expect(await alarmsOf(ticketId)).toEqual([]);
  });

  it('does not breach twice for a new version whose passed due time already fired', async () => {
    // Prepare: v1's breach fires.
    const ticketId = ulid();
    const dueAt = iso(Date.now() + HOUR);
    const running = {
      state: 'running' as const,
      dueAt,
      warnAt: iso(Date.now() + 0.8 * HOUR),
      consumedMs: 0,
      targetMs: HOUR,
    };
    const paused = { state: 'paused' as const, consumedMs: 0, targetMs: 16 * HOUR };
    await apply(slaChanged(ticketId, 1, { response: running, resolution: paused }));
    expect(
      await alarms.raiseSlaAlarm({ ticketId, target: 'response', kind: 'breach', slaVersion: 1, at: dueAt }),
    ).toBe('emitted');

    // Act: v2 with the same running clock (e.g. only the priority changed).
    await apply(slaChanged(ticketId, 2, { response: running, resolution: paused, priority: 'high' }));
    const refired = await alarms.raiseSlaAlarm({
      ticketId,
      target: 'response',
      kind: 'breach',
      slaVersion: 2,
      at: dueAt,
    });

    // Assess
    expect(Object.keys(schedulesOf(ticketId))).toEqual(['response-warning']);
    expect(refired).toBe('stale');
    expect((await alarmsOf(ticketId)).map((a) => a.type)).toEqual(['TicketSlaBreached']);
  });
});
