/**
 * `npm run dlq` and `npm run replay` against a "deployed stack" on moto: queues named as
 * CloudFormation names them (`<stack>-<logical id>-<random>`) and tagged as the constructs tag
 * them (`OPS_TAG`, checked in tests/infra/ops-tags.test.ts), a bus with an archive of every event,
 * and one rule per consumer targeting its queue. Proves the discovery (by prefix and tags only),
 * `list`, `show` peeking without consuming, the stream-failure explanation, and a replay started
 * from the archive with `FilterArns` = the consumer's rules and followed with `DescribeReplay`.
 *
 * moto lacks `StartMessageMoveTask`/`ListMessageMoveTasks` (tests/unit/ops/redrive.test.ts covers
 * them with aws-sdk-client-mock), and its replay ignores `FilterArns` and the window (it sends
 * every archived event to every rule): the filter is asserted on the request EventBridge records.
 */
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findReplayTarget, findStackQueues, peekMessages, queueDepth } from '#infra/ops/aws.ts';
import { dlqAws, replayAws } from '#infra/ops/cli-aws.ts';
import { OPS_TAG } from '#infra/ops/tags.ts';
import { clientConfig } from '../support/moto.ts';

const motoEndpoint = inject('motoEndpoint');

describe.skipIf(!motoEndpoint)('ops commands against a deployed stack (moto)', () => {
  const stack = `Ops${Date.now().toString(36)}`;
  const busName = `${stack}Bus1A2B3C4D`;
  let sqs: SQSClient;
  let eventBridge: EventBridgeClient;
  let busArn: string;
  const urls = new Map<string, string>();
  const arnOf = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn ?? '';
  const createQueue = async (name: string, tags: Record<string, string>) => {
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name, tags }));
    if (!out.QueueUrl) throw new Error(`no URL for ${name}`);
    return out.QueueUrl;
  };
  const print = () => {
    const lines: string[] = [];
    return { lines, print: (line: string) => lines.push(line) };
  };
  const event = (type: string, id: string) => ({
    version: '0',
    id: `eb-${id}`,
    'detail-type': type,
    source: 'storeline.orders',
    detail: { id, type, source: 'storeline.orders', correlationId: `corr-${id}` },
  });

  beforeAll(async () => {
    sqs = new SQSClient(clientConfig(motoEndpoint));
    eventBridge = new EventBridgeClient(clientConfig(motoEndpoint));
    const bus = await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    busArn = bus.EventBusArn ?? '';
    const account = busArn.split(':')[4] ?? '';
    await eventBridge.send(
      new CreateArchiveCommand({
        ArchiveName: `${busName}Archive`,
        EventSourceArn: busArn,
        EventPattern: JSON.stringify({ account: [account] }),
      }),
    );
    for (const [consumer, pascal, detailType] of [
      ['fulfilment', 'Fulfilment', 'OrderPlaced'],
      ['salesReports', 'SalesReports', 'OrderCancelled'],
    ] as const) {
      const dlq = await createQueue(`${stack}-${pascal}ConsumerDeadLetterQueue9F8E7D6C-AbCdEf123456`, {
        [OPS_TAG.function]: consumer,
        [OPS_TAG.role]: 'dead-letter',
      });
      const queue = await createQueue(`${stack}-${pascal}ConsumerQueue1A2B3C4D-GhIjKl789012`, {
        [OPS_TAG.function]: consumer,
        [OPS_TAG.role]: 'queue',
        [OPS_TAG.bus]: busName,
      });
      urls.set(consumer, queue);
      urls.set(`${consumer}-dlq`, dlq);
      const rule = `${stack}-${pascal}ConsumerRule0ABCD-${consumer}`;
      await eventBridge.send(
        new PutRuleCommand({
          Name: rule,
          EventBusName: busName,
          EventPattern: JSON.stringify({ source: ['storeline.orders'], 'detail-type': [detailType] }),
        }),
      );
      await eventBridge.send(
        new PutTargetsCommand({
          Rule: rule,
          EventBusName: busName,
          Targets: [{ Id: 'Target0', Arn: await arnOf(queue) }],
        }),
      );
    }
    urls.set(
      'publisher-failures',
      await createQueue(`${stack}-PublisherStreamSubscriptionFailureQueue5E6F-MnOpQr345678`, {
        [OPS_TAG.function]: 'publisher',
        [OPS_TAG.role]: 'stream-failures',
      }),
    );
    // Neither is the stack's: untagged, and another stack's (another prefix).
    await createQueue(`${stack}-Untagged-StUvWx901234`, {});
    await createQueue(`Other${stack}-FulfilmentConsumerQueue-YzAbCd567890`, {
      [OPS_TAG.function]: 'fulfilment',
      [OPS_TAG.role]: 'queue',
    });
  });

  afterAll(() => {
    sqs?.destroy();
    eventBridge?.destroy();
  });

  it("finds each consumer's queue, DLQ and bus, and the stream-failure queues, by prefix and tags", async () => {
    const found = await findStackQueues(sqs, stack);
    expect([...found.consumers.keys()]).toEqual(['fulfilment', 'salesReports']);
    const fulfilment = found.consumers.get('fulfilment');
    expect(fulfilment?.queue.url).toBe(urls.get('fulfilment'));
    expect(fulfilment?.dlq.url).toBe(urls.get('fulfilment-dlq'));
    expect(fulfilment?.busName).toBe(busName);
    expect([...found.streamFailures.keys()]).toEqual(['publisher']);
  });

  it('show peeks at DLQ messages without consuming them, with type, id, correlation id and receive count', async () => {
    const dlq = urls.get('fulfilment-dlq') ?? '';
    for (const id of ['E1', 'E2', 'E3']) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: dlq, MessageBody: JSON.stringify(event('OrderPlaced', id)) }),
      );
    }
    const first = await peekMessages(sqs, dlq);
    expect(first.map((m) => m.messageId)).toHaveLength(3);
    // Made visible again at once: all three still there, and seen again by the next peek.
    expect(await queueDepth(sqs, dlq)).toMatchObject({ visible: 3, inFlight: 0 });
    const out = print();
    await dlqAws('show', 'fulfilment', {
      stack,
      json: false,
      print: out.print,
      clients: { sqs, eventBridge },
    });
    const shown = out.lines.filter((l) => l.includes('OrderPlaced'));
    expect(shown).toHaveLength(3);
    for (const id of ['E1', 'E2', 'E3']) {
      expect(shown.some((l) => l.includes(`OrderPlaced ${id} correlation corr-${id}`))).toBe(true);
    }
    expect(shown.every((l) => l.includes('received 2×'))).toBe(true);
    expect(await queueDepth(sqs, dlq)).toMatchObject({ visible: 3, inFlight: 0 });
  });

  it('list shows every consumer with its queue and DLQ depth and the age of the oldest DLQ message', async () => {
    const out = print();
    await dlqAws('list', undefined, { stack, json: false, print: out.print, clients: { sqs, eventBridge } });
    const row = (name: string) => out.lines.find((l) => l.startsWith(`${name} `))?.split(/\s{2,}/);
    expect(row('consumer')).toEqual(['consumer', 'queued', 'in flight', 'in DLQ', 'oldest in DLQ']);
    expect(row('fulfilment')?.slice(0, 4)).toEqual(['fulfilment', '0', '0', '3']);
    expect(row('fulfilment')?.[4]).toMatch(/^\d+s$/);
    expect(row('salesReports')).toEqual(['salesReports', '0', '0', '0', '-']);
    expect(out.lines).toContain('stream failures of publisher: 0 record(s)');
  });

  it('show on a stream-failure queue explains the on-failure records, and redrive refuses it', async () => {
    const failures = urls.get('publisher-failures') ?? '';
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: failures,
        MessageBody: JSON.stringify({
          requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
          responseContext: { statusCode: 200, functionError: 'Unhandled' },
          version: '1.0',
          DDBStreamBatchInfo: {
            shardId: 'shardId-0001',
            startSequenceNumber: '100',
            endSequenceNumber: '120',
            batchSize: 3,
            approximateArrivalOfFirstRecord: '2026-11-23T10:00:00Z',
            approximateArrivalOfLastRecord: '2026-11-23T10:00:01Z',
          },
        }),
      }),
    );
    const out = print();
    await dlqAws('show', 'publisher', {
      stack,
      json: false,
      print: out.print,
      clients: { sqs, eventBridge },
    });
    expect(out.lines.join('\n')).toContain(
      'batch of 3 record(s) in shardId-0001 100…120, written 2026-11-23T10:00:00Z…2026-11-23T10:00:01Z; RetryAttemptsExhausted after 4 invocation(s) (Unhandled)',
    );
    expect(out.lines.join('\n')).toContain('not the events');
    await expect(
      dlqAws('redrive', 'publisher-stream-failures', { stack, json: false, clients: { sqs, eventBridge } }),
    ).rejects.toThrow(/no source queue/);
  });

  it("replays the archive's window to one consumer: its rules only as FilterArns, followed to COMPLETED", async () => {
    const from = new Date(Date.now() - 60_000);
    await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: 'storeline.orders',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify(event('OrderPlaced', 'R1').detail),
          },
          {
            EventBusName: busName,
            Source: 'storeline.orders',
            DetailType: 'OrderCancelled',
            Detail: JSON.stringify(event('OrderCancelled', 'R2').detail),
          },
        ],
      }),
    );
    // The original deliveries, drained so the queue holds the replay only.
    const queue = urls.get('fulfilment') ?? '';
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    expect(received.Messages).toHaveLength(1);

    const consumer = (await findStackQueues(sqs, stack)).consumers.get('fulfilment');
    if (!consumer) throw new Error('no fulfilment consumer');
    const target = await findReplayTarget(eventBridge, 'fulfilment', consumer);
    expect(target.busArn).toBe(busArn);
    expect(target.archiveName).toBe(`${busName}Archive`);
    expect(target.ruleArns).toEqual([
      expect.stringMatching(new RegExp(`:rule/${busName}/${stack}-FulfilmentConsumerRule0ABCD-fulfilment$`)),
    ]);

    const out = print();
    const result = await replayAws(
      { consumer: 'fulfilment', from, to: new Date(Date.now() + 60_000), wait: true, pollIntervalMs: 100 },
      { stack, json: false, print: out.print, clients: { sqs, eventBridge } },
    );
    expect(result.final?.state).toBe('COMPLETED');
    expect(result.final?.filterArns).toEqual(target.ruleArns);
    expect(out.lines.some((l) => l.includes('COMPLETED'))).toBe(true);

    const replayed = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    const bodies = (replayed.Messages ?? []).map(
      (m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>,
    );
    expect(bodies.map((b) => [b['detail-type'], b['replay-name']])).toEqual([['OrderPlaced', result.name]]);
  });

  it('a wrong stack name finds nothing and says so', async () => {
    await expect(
      dlqAws('list', undefined, { stack: `Nope${stack}`, json: false, clients: { sqs, eventBridge } }),
    ).rejects.toThrow(/no tagged queues with the name prefix/);
    await expect(
      dlqAws('show', 'fulfilment', { stack: `Nope${stack}`, json: false, clients: { sqs, eventBridge } }),
    ).rejects.toThrow(/no consumer fulfilment/);
  });
});
