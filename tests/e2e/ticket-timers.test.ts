/**
 * SLA timers through the local runtime: a `TicketSlaChanged` written to the outbox (as the tickets
 * context writes it; its routes are built on another branch) is published, reaches the SLA timers
 * consumer, which sets schedules in the local EventBridge Scheduler; at the due time the scheduler
 * invokes the alarm function, whose `TicketSlaBreached` comes back on the bus exactly once. A timer
 * whose clock pauses before its time is cancelled and never fires. Observed over HTTP only
 * (`/_local/schedules`, `/_local/events`), the event written through DynamoDB Local's endpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import { apiClient } from '#infra/local/client.ts';
import { localDynamoClient } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';
import { outboxItem } from '#shared/outbox.ts';
import { eventLike, eventually } from '../support/backbone.ts';
import { startRuntimeProcess } from '../support/runtime-process.ts';

const api = apiClient(inject('baseUrl'));
const dynamo = DynamoDBDocumentClient.from(localDynamoClient(inject('dynamoDbEndpointE2e')));
afterAll(() => dynamo.destroy());

type SlaData = EventOf<'TicketSlaChanged'>['data'];
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

/** Writes a TicketSlaChanged to the outbox, as the tickets context does in its transaction. */
async function publishSlaChanged(
  ticketId: string,
  slaVersion: number,
  clocks: Partial<SlaData>,
  client: DynamoDBDocumentClient = dynamo,
): Promise<void> {
  const event = eventLike(
    'TicketSlaChanged',
    { ticketId, slaVersion, changedAt: iso(Date.now()), ...clocks },
    { id: ulid(), occurredAt: iso(Date.now()) },
  );
  await client.send(new PutCommand({ TableName: topology.table.name, Item: { ...outboxItem(event) } }));
}

const breachIn = (ms: number): SlaData['response'] => ({
  state: 'running',
  dueAt: iso(Date.now() + ms),
  warnAt: iso(Date.now() + ms / 2),
  consumedMs: 0,
  targetMs: 4 * HOUR,
});
const paused: SlaData['resolution'] = { state: 'paused', consumedMs: 0, targetMs: 16 * HOUR };

interface Schedules {
  schedules: { group: string; name: string; function: string; input: { slaVersion?: number } }[];
  firings: { name: string; function: string; outcome: string }[];
}
interface BusEvents {
  events: { event: { 'detail-type': string; detail: { data: { ticketId?: string; target?: string } } } }[];
}

const schedules = async () => (await api.request<Schedules>('GET', '/_local/schedules')).body;
const alarmsOf = async (ticketId: string) =>
  (await api.request<BusEvents>('GET', '/_local/events?limit=1000')).body.events
    .filter((d) => d.event.detail.data.ticketId === ticketId)
    .map((d) => d.event['detail-type'])
    .filter((type) => type === 'TicketSlaBreached' || type === 'TicketSlaWarning')
    .sort();

describe('Local runtime: SLA timers on the local scheduler', () => {
  it('fires a breach timer once, and a timer cancelled before its time never fires', async () => {
    // Prepare: three tickets. `fired` breaches in 4 s; `cancelled` in 10 s, but pauses first;
    // `sentinel` breaches in 14 s, after `cancelled` would have.
    const [fired, cancelled, sentinel] = [ulid(), ulid(), ulid()];
    await publishSlaChanged(fired, 1, { response: breachIn(4_000), resolution: paused });
    await publishSlaChanged(cancelled, 1, { response: breachIn(10_000), resolution: paused });
    await publishSlaChanged(sentinel, 1, { response: breachIn(14_000), resolution: paused });

    // Act: the cancelled ticket's clock pauses once its timers are set.
    const set = await eventually(
      async () => {
        const names = (await schedules()).schedules.filter((s) => s.name.includes(cancelled));
        return names.length === 2 ? names : undefined;
      },
      { timeoutMs: 8_000, intervalMs: 100, what: 'the timers of the ticket to cancel' },
    );
    await publishSlaChanged(cancelled, 2, { response: { ...paused, consumedMs: 1000 }, resolution: paused });
    await eventually(
      async () => ((await schedules()).schedules.some((s) => s.name.includes(cancelled)) ? undefined : true),
      { timeoutMs: 8_000, intervalMs: 100, what: 'the paused ticket’s timers to be cancelled' },
    );
    await eventually(
      async () => ((await alarmsOf(sentinel)).includes('TicketSlaBreached') ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the sentinel’s breach',
      },
    );

    // Assess
    expect(set.every((s) => s.function === 'ticketSlaAlarms' && s.group === 'storeline-sla-timers')).toBe(
      true,
    );
    expect(await alarmsOf(fired)).toEqual(['TicketSlaBreached', 'TicketSlaWarning']);
    expect(await alarmsOf(cancelled)).toEqual([]);
    const after = await schedules();
    expect(after.schedules.filter((s) => s.name.includes(fired))).toEqual([]);
    expect(after.firings.filter((f) => f.name.includes(cancelled))).toEqual([]);
    expect(after.firings.filter((f) => f.name === `sla-${fired}-response-breach`)).toEqual([
      expect.objectContaining({ function: 'ticketSlaAlarms', outcome: 'invoked' }),
    ]);
  });
});

describe('Local runtime: schedules on disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'storeline-e2e-schedules-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps a pending timer across a restart of the runtime', { timeout: 240_000 }, async () => {
    // Prepare: a timer an hour ahead, set through the first runtime.
    const ticketId = ulid();
    const first = await startRuntimeProcess({ dataDir });
    const firstDynamo = DynamoDBDocumentClient.from(localDynamoClient(first.dynamoDbEndpoint));
    let before: Schedules['schedules'];
    try {
      await publishSlaChanged(ticketId, 1, { response: breachIn(HOUR), resolution: paused }, firstDynamo);
      before = await eventually(
        async () => {
          const res = await apiClient(first.url).request<Schedules>('GET', '/_local/schedules');
          const mine = res.body.schedules.filter((s) => s.name.includes(ticketId));
          return mine.length === 2 ? mine : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the timers set by the first runtime' },
      );
    } finally {
      firstDynamo.destroy();
      expect(await first.stop()).toBe(0);
    }

    // Act
    const second = await startRuntimeProcess({ dataDir });
    try {
      const after = (await apiClient(second.url).request<Schedules>('GET', '/_local/schedules')).body
        .schedules;

      // Assess
      expect(after.filter((s) => s.name.includes(ticketId))).toEqual(before);
    } finally {
      await second.stop();
    }
  });
});
