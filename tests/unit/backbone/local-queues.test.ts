import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackbone } from '#infra/local/backbone.ts';
import { rulesFromTopology } from '#infra/local/eventbridge.ts';
import { failedItemIds, LocalQueue, SqsEventSource, toSqsRecord } from '#infra/local/sqs.ts';
import { topology } from '#infra/topology.ts';

function queues(now: { t: number }) {
  const dlq = new LocalQueue({
    name: 'q-dlq',
    region: 'us-east-1',
    visibilityTimeoutMs: 1000,
    now: () => now.t,
  });
  const queue = new LocalQueue({
    name: 'q',
    region: 'us-east-1',
    visibilityTimeoutMs: 1000,
    maxReceiveCount: 2,
    deadLetterQueue: dlq,
    now: () => now.t,
  });
  return { queue, dlq };
}

describe('Class: LocalQueue', () => {
  it('hides a received message for the visibility timeout, then delivers it again', () => {
    const clock = { t: 0 };
    const { queue } = queues(clock);
    queue.send('a');
    expect(queue.receive(10).map((m) => m.body)).toEqual(['a']);
    expect(queue.receive(10)).toEqual([]);
    clock.t = 1000;
    const again = queue.receive(10);
    expect(again.map((m) => m.receiveCount)).toEqual([2]);
  });

  it('deletes only with the current receipt handle', () => {
    const clock = { t: 0 };
    const { queue } = queues(clock);
    queue.send('a');
    const first = queue.receive(1)[0]?.receiptHandle ?? '';
    clock.t = 1000;
    const second = queue.receive(1)[0]?.receiptHandle ?? '';
    expect(queue.delete(first)).toBe(false);
    expect(queue.delete(second)).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('moves a message to the DLQ instead of receiving it more than maxReceiveCount times', () => {
    const clock = { t: 0 };
    const { queue, dlq } = queues(clock);
    queue.send('poison');
    queue.receive(1);
    clock.t = 1000;
    queue.receive(1);
    clock.t = 2000;
    expect(queue.receive(1)).toEqual([]);
    expect(queue.size).toBe(0);
    expect(dlq.peek().map((m) => [m.body, m.receiveCount])).toEqual([['poison', 2]]);
  });

  it('redrives the DLQ back to the queue with a fresh receive count', () => {
    const clock = { t: 0 };
    const { queue, dlq } = queues(clock);
    queue.send('poison');
    for (const t of [0, 1000, 2000]) {
      clock.t = t;
      queue.receive(1);
    }
    expect(dlq.redriveTo(queue)).toBe(1);
    expect(dlq.size).toBe(0);
    expect(queue.receive(1).map((m) => [m.body, m.receiveCount])).toEqual([['poison', 1]]);
  });

  it('shapes messages as Lambda SQS records', () => {
    const clock = { t: 5 };
    const { queue } = queues(clock);
    queue.send('{"x":1}');
    const [message] = queue.receive(1);
    const record = toSqsRecord(queue, message!, 'us-east-1');
    expect(record).toMatchObject({
      body: '{"x":1}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '5' },
    });
    expect(record.receiptHandle).toBe(message?.receiptHandle);
  });
});

describe('Function: failedItemIds', () => {
  const ids = ['a', 'b', 'c'];
  it.each([
    ['no response', undefined, []],
    ['an empty object', {}, []],
    ['null failures', { batchItemFailures: null }, []],
    ['an empty list', { batchItemFailures: [] }, []],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b']],
    ['an unknown id (whole batch)', { batchItemFailures: [{ itemIdentifier: 'z' }] }, ids],
    ['an empty id (whole batch)', { batchItemFailures: [{ itemIdentifier: '' }] }, ids],
    ['a malformed list (whole batch)', { batchItemFailures: 'b' }, ids],
    ['a non-object response (whole batch)', 'ok', ids],
  ])('reads %s as Lambda does', (_what, response, failed) => {
    expect([...failedItemIds(response, ids)].sort()).toEqual(failed);
  });
});

describe('Class: SqsEventSource', () => {
  it('deletes the messages that succeeded and leaves the failed ones to come back', async () => {
    const clock = { t: 0 };
    const { queue } = queues(clock);
    for (const body of ['1', '2', '3']) queue.send(body);
    const source = new SqsEventSource({
      functionName: 'f',
      queue,
      spec: { batchSize: 10, maxBatchingWindowSeconds: 0 },
      region: 'us-east-1',
      invoke: async (event) => ({
        batchItemFailures: event.Records.filter((r) => r.body === '2').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      }),
    });
    await source.deliver(queue.receive(10));
    expect(queue.peek().map((m) => m.body)).toEqual(['2']);
  });

  it('keeps the whole batch when the function fails', async () => {
    const clock = { t: 0 };
    const { queue } = queues(clock);
    queue.send('1');
    const source = new SqsEventSource({
      functionName: 'f',
      queue,
      spec: { batchSize: 10, maxBatchingWindowSeconds: 0 },
      region: 'us-east-1',
      invoke: async () => {
        throw new Error('Task timed out after 10.00 seconds');
      },
    });
    await source.deliver(queue.receive(10));
    expect(queue.size).toBe(1);
  });

  it.each([
    [undefined, 1],
    [2, 2],
    [3, 3],
  ])('keeps at most maxConcurrency (%s) batches in flight: %i', async (maxConcurrency, expected) => {
    // Prepare: eight one-message batches, each invocation held until all have been seen
    const queue = new LocalQueue({ name: 'q', region: 'us-east-1', visibilityTimeoutMs: 60_000 });
    for (let i = 0; i < 8; i++) queue.send(String(i));
    let inFlight = 0;
    let most = 0;
    const source = new SqsEventSource({
      functionName: 'f',
      queue,
      spec: { batchSize: 1, maxBatchingWindowSeconds: 0, ...(maxConcurrency ? { maxConcurrency } : {}) },
      region: 'us-east-1',
      pollIntervalMs: 1,
      invoke: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 15));
        inFlight -= 1;
        return { batchItemFailures: [] };
      },
    });

    // Act
    source.start();
    while (queue.size > 0) await new Promise((r) => setTimeout(r, 5));
    await source.stop();

    // Assess
    expect(most).toBe(expected);
  });
});

describe('Local backbone wiring', () => {
  it('has one rule per consumer subscription of the topology, targeting its queue', () => {
    const rules = rulesFromTopology(
      topology,
      (name) => new LocalQueue({ name, region: 'r', visibilityTimeoutMs: 1 }),
    );
    const expected = Object.entries(topology.functions).flatMap(([name, fn]) =>
      'consumer' in fn
        ? fn.consumer.events.map((e) => ({ name, source: e.source, types: [...e.detailTypes] }))
        : [],
    );
    expect(rules.map((r) => ({ name: r.consumer, source: r.source, types: [...r.detailTypes] }))).toEqual(
      expected,
    );
    expect(rules.every((r) => r.target.name === r.consumer)).toBe(true);
  });

  const dir = mkdtempSync(join(tmpdir(), 'storeline-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps queued and dead-lettered messages across a restart when given a state file', async () => {
    // Prepare
    const stateFile = join(dir, 'state.json');
    const first = new LocalBackbone({ topology, region: 'us-east-1', stateFile });
    first.consumerQueues('fulfilment').queue.send('kept');
    first.consumerQueues('salesReports').dlq.send('dead');
    await first.stop();
    // Act
    const second = new LocalBackbone({ topology, region: 'us-east-1', stateFile });
    // Assess
    expect(
      second
        .consumerQueues('fulfilment')
        .queue.peek()
        .map((m) => m.body),
    ).toEqual(['kept']);
    expect(
      second
        .consumerQueues('salesReports')
        .dlq.peek()
        .map((m) => m.body),
    ).toEqual(['dead']);
    await second.stop();
  });
});
