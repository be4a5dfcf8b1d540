/**
 * The local consumer queues (infra/local/sqs.ts, through its SQS endpoint) against moto's SQS:
 * each scenario runs on both through the same SDK client, on a consumer queue and DLQ built from
 * the topology (1 s visibility timeout), and what the client observes is compared after
 * normalising ids and timestamps. Differences we keep are in docs/local-runtime.md.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalBackbone } from '#infra/local/backbone.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';
import { motoSide, ourSide, queuesOf, type Side } from '../support/moto.ts';

const motoEndpoint = inject('motoEndpoint');
const CONSUMER = 'fulfilment';
const maxReceiveCount = topology.functions[CONSUMER].consumer.maxReceiveCount;

/** A rejected SDK call as the client sees it, or the result. */
async function outcome<T>(call: Promise<T>): Promise<T | { error: string; message: string | undefined }> {
  try {
    return await call;
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

const counts = async (side: Side, url: string) => {
  const out = await side.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return out.Attributes;
};

const receive = async (side: Side, url: string, extra: { VisibilityTimeout?: number } = {}) =>
  (
    await side.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        ...extra,
      }),
    )
  ).Messages ?? [];

/** What a scenario may compare of a message: not its ids, handles or timestamps. */
const view = (m: Message) => ({
  body: m.Body,
  md5: m.MD5OfBody,
  receiveCount: m.Attributes?.ApproximateReceiveCount,
  attributes: Object.keys(m.Attributes ?? {}).sort(),
});
const byBody = (a: { body?: string | undefined }, b: { body?: string | undefined }) =>
  String(a.body).localeCompare(String(b.body));

/** Receives until something arrives or `timeoutMs` passes (visibility timeouts run in real time). */
async function receiveWithin(side: Side, url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await receive(side, url);
    if (got.length || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!motoEndpoint)('SQS: local queues against moto', () => {
  let backbone: LocalBackbone;
  let sides: Side[];
  let n = 0;
  /** A fresh moto mirror and a fresh local backbone per test: every scenario starts empty. */
  const fresh = async () => {
    await backbone?.stop();
    sides?.forEach((s) => {
      s.destroy();
    });
    backbone = new LocalBackbone({ topology, region: LOCAL_REGION, visibilityTimeoutSeconds: 1 });
    await backbone.listen();
    n += 1;
    sides = [
      await ourSide(backbone, topology),
      await motoSide(motoEndpoint, topology, { prefix: `sqs${n}`, visibilityTimeoutSeconds: 1 }),
    ];
  };
  /** Runs the scenario on both sides and returns [ours, moto]. */
  const both = async <T>(scenario: (side: Side) => Promise<T>): Promise<[T, T]> => {
    await fresh();
    const [ours, moto] = await Promise.all(sides.map(scenario));
    return [ours as T, moto as T];
  };

  afterAll(async () => {
    sides?.forEach((s) => {
      s.destroy();
    });
    await backbone?.stop();
  });

  it('sends and receives a batch: ids, MD5s, system attributes, in-flight counts', async () => {
    const [ours, moto] = await both(async (side) => {
      const { queueUrl } = queuesOf(side, CONSUMER);
      const sent = await side.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: `body-${id} ✓` })),
        }),
      );
      const received = await receive(side, queueUrl);
      const again = await receive(side, queueUrl);
      return {
        sent: (sent.Successful ?? []).map((s) => ({
          id: s.Id,
          md5: s.MD5OfMessageBody,
          hasId: !!s.MessageId,
        })),
        failed: sent.Failed ?? [],
        received: received.map(view).sort(byBody),
        idsMatchSent: received
          .map((m) => m.MessageId)
          .every((id) => sent.Successful?.some((s) => s.MessageId === id)),
        whileInFlight: again.length,
        counts: await counts(side, queueUrl),
      };
    });
    expect(ours).toEqual(moto);
  });

  it('refuses an empty batch, more than 10 entries, and repeated entry ids', async () => {
    const [ours, moto] = await both(async (side) => {
      const { queueUrl } = queuesOf(side, CONSUMER);
      const send = (ids: string[]) =>
        outcome(
          side.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: ids.map((id) => ({ Id: id, MessageBody: id })),
            }),
          ),
        ).then((r) => ('error' in r ? r.error : 'accepted'));
      return {
        empty: await send([]),
        eleven: await send(Array.from({ length: 11 }, (_, i) => `m${i}`)),
        repeated: await send(['x', 'x']),
      };
    });
    expect(ours).toEqual(moto);
  });

  it('hides a received message for the visibility timeout; ChangeMessageVisibility(0) shows it at once', async () => {
    const [ours, moto] = await both(async (side) => {
      const { queueUrl } = queuesOf(side, CONSUMER);
      await side.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '1', MessageBody: 'v' }] }),
      );
      const [first] = await receive(side, queueUrl);
      const hidden = await receive(side, queueUrl);
      await side.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: first?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      const [second] = await receive(side, queueUrl);
      // The queue's own 1 s timeout, then a receive's own VisibilityTimeout (1 s): both expire.
      const [third] = await receiveWithin(side, queueUrl, 3_000);
      const [fourth] = await (async () => {
        await receiveWithin(side, queueUrl, 0);
        return receiveWithin(side, queueUrl, 3_000);
      })();
      const bogus = await outcome(
        side.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: 'bogus',
            VisibilityTimeout: 0,
          }),
        ),
      );
      return {
        hidden: hidden.length,
        counts: [first, second, third, fourth].map((m) => m?.Attributes?.ApproximateReceiveCount),
        newHandleEachReceive: new Set([first, second, third, fourth].map((m) => m?.ReceiptHandle)).size,
        bogus: 'error' in bogus ? bogus.error : 'accepted',
      };
    });
    expect(ours).toEqual(moto);
    expect(ours.counts).toEqual(['1', '2', '3', '4']);
  });

  it('deletes a batch with some bad receipt handles: the good ones go, the bad ones are reported', async () => {
    const [ours, moto] = await both(async (side) => {
      const { queueUrl } = queuesOf(side, CONSUMER);
      await side.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ['1', '2', '3'].map((id) => ({ Id: id, MessageBody: id })),
        }),
      );
      const received = (await receive(side, queueUrl)).sort((a, b) =>
        String(a.Body).localeCompare(String(b.Body)),
      );
      const result = await side.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [
            { Id: 'good-1', ReceiptHandle: received[0]?.ReceiptHandle },
            { Id: 'bad', ReceiptHandle: 'not-a-receipt-handle' },
            { Id: 'good-2', ReceiptHandle: received[1]?.ReceiptHandle },
          ],
        }),
      );
      const single = await outcome(
        side.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'bogus' })),
      );
      await side.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: received[2]?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      return {
        successful: (result.Successful ?? []).map((s) => s.Id),
        failed: result.Failed ?? [],
        single: 'error' in single ? single.error : 'accepted',
        left: (await receive(side, queueUrl)).map(view),
      };
    });
    expect(ours).toEqual(moto);
  });

  it(`moves a message to the DLQ instead of a receive past maxReceiveCount (${maxReceiveCount})`, async () => {
    const [ours, moto] = await both(async (side) => {
      const { queueUrl, dlqUrl } = queuesOf(side, CONSUMER);
      await side.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '1', MessageBody: 'poison' }] }),
      );
      const seen: (string | undefined)[] = [];
      for (let i = 0; i <= maxReceiveCount; i += 1) {
        const [m] = await receive(side, queueUrl);
        seen.push(m?.Attributes?.ApproximateReceiveCount);
        // As a failing consumer would, but without waiting out the visibility timeout.
        if (m) {
          await side.sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
      }
      return {
        seen,
        queue: await counts(side, queueUrl),
        dlq: (await receive(side, dlqUrl)).map(view),
      };
    });
    expect(ours).toEqual(moto);
    expect(ours.dlq.map((m) => m.body)).toEqual(['poison']);
  });
});

/**
 * Where the local queues and moto knowingly differ (docs/local-runtime.md, "Emulators checked
 * against moto"): both sides' behaviour is pinned, so a change on either side shows here.
 */
describe.skipIf(!motoEndpoint)('SQS: documented differences from moto', () => {
  let backbone: LocalBackbone;
  let ours: Side;
  let moto: Side;
  beforeAll(async () => {
    backbone = new LocalBackbone({ topology, region: LOCAL_REGION, visibilityTimeoutSeconds: 1 });
    await backbone.listen();
    ours = await ourSide(backbone, topology);
    moto = await motoSide(motoEndpoint, topology, {
      prefix: `sqsdiff${Date.now()}`,
      visibilityTimeoutSeconds: 1,
    });
  });
  afterAll(async () => {
    ours?.destroy();
    moto?.destroy();
    await backbone?.stop();
  });

  /** Deletes with the handle of an earlier receive; returns what is left in the queue. */
  const deleteWithStaleHandle = async (side: Side) => {
    const { queueUrl } = queuesOf(side, CONSUMER);
    await side.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '1', MessageBody: 'stale' }] }),
    );
    const [first] = await receive(side, queueUrl);
    await side.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [second] = await receive(side, queueUrl);
    const deleted = await outcome(
      side.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle })),
    );
    // Fails where the message is gone (moto); shows it again where it is not (ours).
    await outcome(
      side.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: second?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      ),
    );
    return {
      deleted: 'error' in deleted ? deleted.error : 'accepted',
      left: (await receive(side, queueUrl)).map((m) => m.Body),
    };
  };

  it('a stale receipt handle: the delete succeeds and, as SQS documents, we keep the message; moto deletes it', async () => {
    expect(await deleteWithStaleHandle(ours)).toEqual({ deleted: 'accepted', left: ['stale'] });
    expect(await deleteWithStaleHandle(moto)).toEqual({ deleted: 'accepted', left: [] });
  });

  it('redrive back (StartMessageMoveTask): we move the DLQ back with fresh receive counts; moto does not implement it', async () => {
    const { queueUrl, dlqUrl } = queuesOf(ours, CONSUMER);
    await ours.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '1', MessageBody: 'back' }] }),
    );
    for (let i = 0; i <= maxReceiveCount; i += 1) {
      const [m] = await receive(ours, queueUrl);
      if (m) {
        await ours.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      }
    }
    const dlqArn = (
      await ours.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const task = await ours.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    expect(task.TaskHandle).toBeTruthy();
    expect(await counts(ours, dlqUrl)).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect((await receive(ours, queueUrl)).map(view)).toEqual([
      { body: 'back', md5: expect.any(String), receiveCount: '1', attributes: expect.any(Array) },
    ]);

    const motoDlqArn = (
      await moto.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queuesOf(moto, CONSUMER).dlqUrl,
          AttributeNames: ['QueueArn'],
        }),
      )
    ).Attributes?.QueueArn;
    const motoTask = await outcome(moto.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: motoDlqArn })));
    expect('error' in motoTask).toBe(true);
  });
});
