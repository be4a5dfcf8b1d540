/**
 * Local stand-ins for each consumer's SQS queue, its dead-letter queue and the Lambda event source
 * mapping between queue and function, following SQS's and Lambda's rules:
 *
 * - a received message is invisible for the visibility timeout and comes back unless deleted;
 * - each receive counts; a message about to be received more than `maxReceiveCount` times is
 *   moved to the DLQ instead (SQS's redrive policy);
 * - the event source receives up to `batchSize` messages (waiting up to the batching window for a
 *   full batch), invokes the function with an SQS event, and deletes the messages that succeeded:
 *   all of them, or all but the `batchItemFailures` of a partial batch response. A function error,
 *   or a response naming an unknown message, leaves the whole batch to come back;
 * - a DLQ can be redriven: its messages go back to the source queue with a fresh receive count.
 *
 * One batch per consumer is in flight at a time: a local function container serves one batch
 * at a time, as a Lambda container does.
 */
import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { ConsumerSpec } from '../topology/types.ts';

export const LOCAL_ACCOUNT = '000000000000';

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number | undefined;
  /** Epoch ms from which the message may be received again. */
  visibleAt: number;
  receiptHandle?: string | undefined;
}

export const StoredMessageSchema = z.object({
  messageId: z.string(),
  body: z.string(),
  sentTimestamp: z.number(),
  receiveCount: z.int().min(0),
  firstReceiveTimestamp: z.number().optional(),
  visibleAt: z.number(),
  receiptHandle: z.string().optional(),
});

export interface LocalQueueOptions {
  readonly name: string;
  readonly region: string;
  readonly visibilityTimeoutMs: number;
  /** With `deadLetterQueue`: receives after which a message moves there. */
  readonly maxReceiveCount?: number;
  readonly deadLetterQueue?: LocalQueue;
  /** Called after every change, to persist the queue. */
  readonly onChange?: () => void;
  readonly now?: () => number;
}

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  readonly deadLetterQueue: LocalQueue | undefined;
  readonly maxReceiveCount: number | undefined;
  private readonly options: LocalQueueOptions;
  private messages: StoredMessage[] = [];

  constructor(options: LocalQueueOptions) {
    this.options = options;
    this.name = options.name;
    this.arn = `arn:aws:sqs:${options.region}:${LOCAL_ACCOUNT}:${options.name}`;
    this.deadLetterQueue = options.deadLetterQueue;
    this.maxReceiveCount = options.maxReceiveCount;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private changed(): void {
    this.options.onChange?.();
  }

  send(body: string): StoredMessage {
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      sentTimestamp: this.now(),
      receiveCount: 0,
      visibleAt: 0,
    };
    this.messages.push(message);
    this.changed();
    return message;
  }

  /**
   * Receives up to `max` visible messages, oldest first, making them invisible for the visibility
   * timeout. Messages already received `maxReceiveCount` times move to the DLQ instead.
   */
  receive(max: number): StoredMessage[] {
    const now = this.now();
    const received: StoredMessage[] = [];
    let changed = false;
    for (const message of [...this.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      changed = true;
      if (
        this.deadLetterQueue &&
        this.maxReceiveCount !== undefined &&
        message.receiveCount >= this.maxReceiveCount
      ) {
        this.remove(message);
        this.deadLetterQueue.adopt(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + this.options.visibilityTimeoutMs;
      message.receiptHandle = randomUUID();
      received.push(message);
    }
    if (changed) this.changed();
    return received;
  }

  /** Deletes a received message; false when the receipt handle is stale or unknown. */
  delete(receiptHandle: string): boolean {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) return false;
    this.remove(message);
    this.changed();
    return true;
  }

  /** Messages that can be received now. */
  visibleCount(): number {
    const now = this.now();
    return this.messages.filter((m) => m.visibleAt <= now).length;
  }

  /** When the next invisible message becomes visible, if any is invisible. */
  nextVisibleAt(): number | undefined {
    const now = this.now();
    const waiting = this.messages.filter((m) => m.visibleAt > now).map((m) => m.visibleAt);
    return waiting.length ? Math.min(...waiting) : undefined;
  }

  get size(): number {
    return this.messages.length;
  }

  /** A copy of every message, for inspection. */
  peek(): StoredMessage[] {
    return this.messages.map((m) => ({ ...m }));
  }

  /**
   * Moves every message back to `target` (SQS's DLQ redrive): visible at once, receive count
   * reset. Returns how many moved.
   */
  redriveTo(target: LocalQueue): number {
    const moved = this.messages;
    this.messages = [];
    for (const m of moved) {
      target.adopt({ ...m, receiveCount: 0, firstReceiveTimestamp: undefined, receiptHandle: undefined });
    }
    this.changed();
    return moved.length;
  }

  /** Replaces the contents (restoring persisted state): in-flight messages become visible. */
  restore(messages: readonly StoredMessage[]): void {
    this.messages = messages.map((m) => ({ ...m, visibleAt: 0, receiptHandle: undefined }));
  }

  private adopt(message: StoredMessage): void {
    this.messages.push({ ...message, visibleAt: 0, receiptHandle: undefined });
    this.changed();
  }

  private remove(message: StoredMessage): void {
    this.messages = this.messages.filter((m) => m !== message);
  }
}

/** The SQS record Lambda's event source mapping hands a function. */
export function toSqsRecord(queue: LocalQueue, message: StoredMessage, region: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? '',
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentTimestamp),
      SenderId: 'AIDAEVENTBRIDGELOCAL',
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
}

const ItemFailures = z.array(z.object({ itemIdentifier: z.string().min(1) }));

/**
 * Which messages of a batch failed, from the function's response, as Lambda reads a partial batch
 * response: no response, or no/empty `batchItemFailures`, is complete success; a malformed list or
 * an identifier that is empty or not in the batch is complete failure.
 */
export function failedItemIds(response: unknown, ids: readonly string[]): Set<string> {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') return new Set(ids);
  const failures = 'batchItemFailures' in response ? response.batchItemFailures : undefined;
  if (failures === undefined || failures === null) return new Set();
  const parsed = ItemFailures.safeParse(failures);
  const known = new Set(ids);
  if (!parsed.success || parsed.data.some((f) => !known.has(f.itemIdentifier))) return known;
  return new Set(parsed.data.map((f) => f.itemIdentifier));
}

export interface SqsEventSourceOptions {
  readonly functionName: string;
  readonly queue: LocalQueue;
  readonly spec: Pick<ConsumerSpec, 'batchSize' | 'maxBatchingWindowSeconds'>;
  readonly region: string;
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  readonly log?: (line: string) => void;
  /** How often an idle queue is looked at. */
  readonly pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The event source mapping from one queue to one function. */
export class SqsEventSource {
  private readonly options: SqsEventSourceOptions;
  private running = false;
  private loop: Promise<void> | undefined;
  /** Batches delivered, for tests and the admin endpoint. */
  invocations = 0;

  constructor(options: SqsEventSourceOptions) {
    this.options = options;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling after the batch in flight, if any, is settled. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    const { queue, spec } = this.options;
    const pollMs = this.options.pollIntervalMs ?? 50;
    const windowMs = spec.maxBatchingWindowSeconds * 1000;
    while (this.running) {
      if (queue.visibleCount() === 0) {
        await sleep(pollMs);
        continue;
      }
      // The batching window: wait for a full batch, at most the window, once something is there.
      const windowEnds = Date.now() + windowMs;
      while (this.running && queue.visibleCount() < spec.batchSize && Date.now() < windowEnds) {
        await sleep(Math.min(pollMs, windowEnds - Date.now()));
      }
      const messages = queue.receive(spec.batchSize);
      if (messages.length === 0) continue;
      await this.deliver(messages);
    }
  }

  /** Invokes the function with one batch and deletes what succeeded. */
  async deliver(messages: readonly StoredMessage[]): Promise<void> {
    const { queue, region, functionName, log = () => undefined } = this.options;
    this.invocations += 1;
    const records = messages.map((m) => toSqsRecord(queue, m, region));
    let failed: Set<string>;
    try {
      const response = await this.options.invoke({ Records: records });
      failed = failedItemIds(
        response,
        records.map((r) => r.messageId),
      );
    } catch (error) {
      log(`${functionName}: batch of ${records.length} failed: ${(error as Error).message}`);
      failed = new Set(records.map((r) => r.messageId));
    }
    for (const record of records) {
      if (!failed.has(record.messageId)) queue.delete(record.receiptHandle);
    }
    if (failed.size > 0) {
      log(
        `${functionName}: ${failed.size} of ${records.length} messages failed; they return after the visibility timeout`,
      );
    }
  }
}
