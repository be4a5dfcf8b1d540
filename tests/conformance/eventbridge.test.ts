/**
 * The local bus (infra/local/eventbridge.ts) against moto's EventBridge: the same PutEvents
 * requests through the same SDK client, and, for routing, the rules the topology generates built
 * on both (one per consumer subscription, the consumer's queue as target) with each queue drained
 * through the SQS client. Differences we keep are in docs/local-runtime.md.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalBackbone } from '#infra/local/backbone.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { LOCAL_ACCOUNT } from '#infra/local/sqs.ts';
import { type FunctionSpec, topology } from '#infra/topology.ts';
import { motoSide, ourSide, type Side } from '../support/moto.ts';

const motoEndpoint = inject('motoEndpoint');

/** A rejected SDK call as the client sees it, or the result. */
async function outcome<T>(call: Promise<T>): Promise<T | { error: string; message: string | undefined }> {
  try {
    return await call;
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

const entry = (side: Side, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: side.busName,
  Source: 'storeline.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify({ case: 'plain' }),
  ...extra,
});

/** Every message in a queue (bodies parsed), receiving until it is empty. */
async function drain(side: Side, queueUrl: string): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  for (;;) {
    const out = await side.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    if (!out.Messages?.length) return bodies;
    bodies.push(...out.Messages.map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>));
  }
}

/** The topology's subscriptions: consumer, source, detail-types. */
const functions: Readonly<Record<string, FunctionSpec>> = topology.functions;
const subscriptions = Object.entries(functions).flatMap(([consumer, fn]) =>
  (fn.consumer?.events ?? []).map((s) => ({ consumer, source: s.source, detailTypes: s.detailTypes })),
);
const sources = [...new Set(subscriptions.map((s) => s.source))];
const subscribed = [
  ...new Set(subscriptions.flatMap((s) => s.detailTypes.map((t) => `${s.source}|${t}`))),
].map((key) => {
  const [source = '', detailType = ''] = key.split('|');
  return { source, detailType };
});

/**
 * Events each rule must take or leave: every subscribed (source, detail-type), each subscribed
 * detail-type from a foreign source, and near misses of the subscribed names (case, prefix, suffix).
 */
const cases: { label: string; source: string; detailType: string }[] = [
  ...subscribed.map((s) => ({ label: `exact ${s.source} ${s.detailType}`, ...s })),
  ...subscribed.map((s) => ({
    label: `foreign ${s.detailType}`,
    source: 'storeline.elsewhere',
    detailType: s.detailType,
  })),
  ...subscribed.flatMap((s) => [
    { label: `lower ${s.source} ${s.detailType}`, source: s.source, detailType: s.detailType.toLowerCase() },
    { label: `suffix ${s.source} ${s.detailType}`, source: s.source, detailType: `${s.detailType}V2` },
    { label: `prefix ${s.source} ${s.detailType}`, source: s.source, detailType: s.detailType.slice(0, -1) },
    {
      label: `source-case ${s.source} ${s.detailType}`,
      source: s.source.toUpperCase(),
      detailType: s.detailType,
    },
  ]),
  ...sources.map((source) => ({ label: `unsubscribed ${source}`, source, detailType: 'NobodySubscribes' })),
];

/** Which cases each consumer should receive, from the topology alone. */
const expected = Object.fromEntries(
  [...new Set(subscriptions.map((s) => s.consumer))].map((consumer) => [
    consumer,
    cases
      .filter((c) =>
        subscriptions.some(
          (s) => s.consumer === consumer && s.source === c.source && s.detailTypes.includes(c.detailType),
        ),
      )
      .map((c) => c.label)
      .sort(),
  ]),
);

describe.skipIf(!motoEndpoint)('EventBridge: the local bus against moto', () => {
  let backbone: LocalBackbone;
  let ours: Side;
  let moto: Side;
  beforeAll(async () => {
    backbone = new LocalBackbone({ topology, region: LOCAL_REGION });
    await backbone.listen();
    ours = await ourSide(backbone, topology);
    moto = await motoSide(motoEndpoint, topology, { prefix: `eb${Date.now()}`, bus: true });
  });
  afterAll(async () => {
    ours?.destroy();
    moto?.destroy();
    await backbone?.stop();
  });
  const both = async <T>(scenario: (side: Side) => Promise<T>): Promise<[T, T]> => [
    await scenario(ours),
    await scenario(moto),
  ];

  it('routes exactly the events each topology rule matches, to that consumer queue', async () => {
    expect(cases.length).toBeGreaterThan(subscribed.length);
    const [local, remote] = await both(async (side) => {
      for (let i = 0; i < cases.length; i += 10) {
        const out = await side.eventBridge.send(
          new PutEventsCommand({
            Entries: cases.slice(i, i + 10).map((c) =>
              entry(side, {
                Source: c.source,
                DetailType: c.detailType,
                Detail: JSON.stringify({ case: c.label }),
              }),
            ),
          }),
        );
        expect(out.FailedEntryCount).toBe(0);
      }
      const received: Record<string, string[]> = {};
      for (const [consumer, { queueUrl, dlqUrl }] of side.queues) {
        received[consumer] = (await drain(side, queueUrl))
          .map((body) => String((body.detail as { case?: unknown }).case))
          .sort();
        expect(await drain(side, dlqUrl)).toEqual([]);
      }
      return received;
    });
    expect(local).toEqual(remote);
    expect(local).toEqual(expected);
  });

  it('delivers the same event envelope to an SQS target', async () => {
    const [local, remote] = await both(async (side) => {
      const [first] = subscriptions;
      if (!first) throw new Error('the topology has no subscriptions');
      const { queueUrl } = side.queues.get(first.consumer) ?? { queueUrl: '' };
      const detail = { id: 'e-1', nested: { list: [1, 'two', null], flag: true } };
      await side.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            entry(side, {
              Source: first.source,
              DetailType: first.detailTypes[0],
              Detail: JSON.stringify(detail),
              Resources: ['arn:aws:example:us-east-1:000000000000:thing/1'],
              Time: new Date('2026-01-02T03:04:05.678Z'),
            }),
          ],
        }),
      );
      const [body] = await drain(side, queueUrl);
      return body;
    });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    // moto leaves `account` out of the event (a documented difference): pinned, then set aside.
    expect(local?.account).toBe(LOCAL_ACCOUNT);
    expect(remote).not.toHaveProperty('account');
    const normalise = (body: Record<string, unknown> | undefined) => {
      const { account: _account, ...rest } = body ?? {};
      return { ...rest, id: uuid.test(String(rest.id)) ? '<uuid>' : rest.id };
    };
    expect(normalise(local)).toEqual(normalise(remote));
  });

  it('refuses more than 10 entries in one request', async () => {
    const [local, remote] = await both((side) =>
      outcome(
        side.eventBridge.send(
          new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry(side)) }),
        ),
      ),
    );
    expect(local).toEqual(remote);
    expect(local).toMatchObject({ error: 'ValidationException' });
  });

  it('fails bad entries one by one, with FailedEntryCount and each entry error', async () => {
    const [local, remote] = await both(async (side) => {
      const out = await side.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            entry(side),
            entry(side, { Source: undefined }),
            entry(side, { DetailType: undefined }),
            entry(side, { Detail: undefined }),
            entry(side, { Source: undefined, DetailType: undefined }),
            entry(side, { Detail: '{"unterminated":' }),
            entry(side, { Detail: '' }),
            entry(side),
          ],
        }),
      );
      return {
        failed: out.FailedEntryCount,
        entries: (out.Entries ?? []).map((e) =>
          e.EventId ? 'ok' : { ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage },
        ),
      };
    });
    expect(local).toEqual(remote);
    expect(local.failed).toBe(6);
  });
});

/**
 * Where the local bus and moto knowingly differ (docs/local-runtime.md, "Emulators checked against
 * moto"): both sides' behaviour is pinned, so a change on either side shows here.
 */
describe.skipIf(!motoEndpoint)('EventBridge: documented differences from moto', () => {
  let backbone: LocalBackbone;
  let ours: Side;
  let moto: Side;
  beforeAll(async () => {
    backbone = new LocalBackbone({ topology, region: LOCAL_REGION });
    await backbone.listen();
    ours = await ourSide(backbone, topology);
    moto = await motoSide(motoEndpoint, topology, { prefix: `ebdiff${Date.now()}`, bus: true });
  });
  afterAll(async () => {
    ours?.destroy();
    moto?.destroy();
    await backbone?.stop();
  });
  const put = (side: Side, entries: PutEventsRequestEntry[]) =>
    outcome(side.eventBridge.send(new PutEventsCommand({ Entries: entries }))).then((r) =>
      'error' in r ? r.error : (r.Entries ?? []).map((e) => e.ErrorCode ?? 'ok'),
    );

  it('over 256 KB in one request: we refuse it as EventBridge does; moto accepts it', async () => {
    const big = (side: Side) => entry(side, { Detail: JSON.stringify({ pad: 'x'.repeat(200 * 1024) }) });
    expect(await put(ours, [big(ours), big(ours)])).toBe('ValidationException');
    expect(await put(moto, [big(moto), big(moto)])).toEqual(['ok', 'ok']);
  });

  it('no entries: we refuse the request as EventBridge does (minimum 1); moto accepts it', async () => {
    expect(await put(ours, [])).toBe('ValidationException');
    expect(await put(moto, [])).toEqual([]);
  });

  it('a Detail that is JSON but not an object: we fail the entry (MalformedDetail); moto accepts it', async () => {
    const details = ['[1,2]', '"text"', '42', 'null'];
    expect(
      await put(
        ours,
        details.map((Detail) => entry(ours, { Detail })),
      ),
    ).toEqual(details.map(() => 'MalformedDetail'));
    // On a bus without rules: moto answers HTTP 500 when such an event meets a rule's pattern.
    expect(
      await put(
        moto,
        details.map((Detail) => entry(moto, { Detail, EventBusName: 'default' })),
      ),
    ).toEqual(details.map(() => 'ok'));
  });

  it('an unknown bus: we fail the entry; moto fails the whole request (AWS reports success)', async () => {
    expect(await put(ours, [entry(ours, { EventBusName: 'no-such-bus' }), entry(ours)])).toEqual([
      'ResourceNotFoundException',
      'ok',
    ]);
    expect(await put(moto, [entry(moto, { EventBusName: 'no-such-bus' }), entry(moto)])).toBe(
      'ResourceNotFoundException',
    );
  });
});
