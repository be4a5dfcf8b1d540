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
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { ConsumerSpec } from '../topology/types.ts';

export const LOCAL_ACCOUNT = '000000000000';

/** SQS's MD5OfBody: the hex MD5 of the body's UTF-8 bytes (the SDK checks it on receive). */
export const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * A receipt handle names the message and the receive that produced it, so a handle from an
 * earlier receive is recognised as stale (SQS: the request succeeds, the message stays) rather
 * than as garbage (SQS: ReceiptHandleIsInvalid).
 */
function newReceiptHandle(messageId: string): string {
  return Buffer.from(`${messageId}/${randomUUID()}`, 'utf8').toString('base64url');
}

/** The message id inside a receipt handle this emulator issued; undefined for anything else. */
export function receiptHandleMessageId(handle: string): string | undefined {
  const [messageId, nonce, ...rest] = Buffer.from(handle, 'base64url').toString('utf8').split('/');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  return rest.length === 0 && messageId && nonce && uuid.test(messageId) && uuid.test(nonce)
    ? messageId
    : undefined;
}

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
  /**
   * Called when a message arrives (sent, or moved here as a dead letter) while the queue is empty:
   * the moment a CloudWatch alarm on `ApproximateNumberOfMessagesVisible > 0` goes OK → ALARM.
   */
  readonly onFirstMessage?: (queue: LocalQueue) => void;
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

  /** The queue's default visibility timeout. */
  get visibilityTimeoutMs(): number {
    return this.options.visibilityTimeoutMs;
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
    const wasEmpty = this.messages.length === 0;
    this.messages.push(message);
    this.changed();
    if (wasEmpty) this.options.onFirstMessage?.(this);
    return message;
  }

  /**
   * Receives up to `max` visible messages, oldest first, making them invisible for the visibility
   * timeout. Messages already received `maxReceiveCount` times move to the DLQ instead.
   */
  receive(max: number, visibilityTimeoutMs = this.options.visibilityTimeoutMs): StoredMessage[] {
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
      message.visibleAt = now + visibilityTimeoutMs;
      message.receiptHandle = newReceiptHandle(message.messageId);
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

  /**
   * Sets a received message's remaining invisibility from now (SQS's ChangeMessageVisibility; 0
   * makes it receivable at once). False when the handle is not the message's latest one.
   */
  changeVisibility(receiptHandle: string, timeoutMs: number): boolean {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) return false;
    message.visibleAt = this.now() + timeoutMs;
    this.changed();
    return true;
  }

  /** Deletes every message (SQS's PurgeQueue). */
  purge(): void {
    this.messages = [];
    this.changed();
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
    const wasEmpty = this.messages.length === 0;
    this.messages.push({ ...message, visibleAt: 0, receiptHandle: undefined });
    this.changed();
    if (wasEmpty) this.options.onFirstMessage?.(this);
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
    md5OfBody: md5Hex(message.body),
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
  readonly spec: Pick<ConsumerSpec, 'batchSize' | 'maxBatchingWindowSeconds' | 'maxConcurrency'>;
  readonly region: string;
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  readonly log?: (line: string) => void;
  /** How often an idle queue is looked at. */
  readonly pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The event source mapping from one queue to one function: `maxConcurrency` pollers (one without
 * it), each delivering one batch at a time, as Lambda's maximum concurrency bounds the batches in
 * flight.
 */
export class SqsEventSource {
  private readonly options: SqsEventSourceOptions;
  private running = false;
  private loops: Promise<void>[] = [];
  /** Batches delivered, for tests and the admin endpoint. */
  invocations = 0;

  constructor(options: SqsEventSourceOptions) {
    this.options = options;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.spec.maxConcurrency ?? 1 }, () => this.run());
  }

  /** Stops polling after the batch in flight, if any, is settled. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
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

/**
 * The local queues' SQS endpoint, speaking the AWS JSON 1.0 protocol the SDK v3 client uses
 * (`X-Amz-Target: AmazonSQS.<Operation>`), so the unchanged client (and the conformance tier)
 * reach them through `AWS_ENDPOINT_URL_SQS`. The queues are the topology's: there is no
 * CreateQueue. Implemented: GetQueueUrl, ListQueues, GetQueueAttributes, SendMessage,
 * SendMessageBatch, ReceiveMessage (with long polling), DeleteMessage, DeleteMessageBatch,
 * ChangeMessageVisibility, PurgeQueue and StartMessageMoveTask (DLQ redrive, done at once).
 * Signatures are not checked.
 */
export function createSqsServer(queues: () => Iterable<LocalQueue>): Server {
  return createServer((req, res) => {
    void handleSqs(req, res, queues).catch((error: unknown) =>
      sqsReply(res, 500, { __type: 'InternalError', message: (error as Error).message }),
    );
  });
}

const MAX_BATCH = 10;
const MAX_WAIT_SECONDS = 20;
/** SQS's limit on VisibilityTimeout: 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

class SqsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** SQS's error codes as its JSON protocol names them, with the query-protocol code the SDK reads. */
const ERROR_TYPES: Readonly<Record<string, { type: string; query: string }>> = {
  QueueDoesNotExist: { type: 'QueueDoesNotExist', query: 'AWS.SimpleQueueService.NonExistentQueue' },
  ReceiptHandleIsInvalid: { type: 'ReceiptHandleIsInvalid', query: 'ReceiptHandleIsInvalid' },
  InvalidParameterValue: { type: 'InvalidParameterValueException', query: 'InvalidParameterValue' },
  EmptyBatchRequest: { type: 'EmptyBatchRequest', query: 'AWS.SimpleQueueService.EmptyBatchRequest' },
  TooManyEntriesInBatchRequest: {
    type: 'TooManyEntriesInBatchRequest',
    query: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  },
  BatchEntryIdsNotDistinct: {
    type: 'BatchEntryIdsNotDistinct',
    query: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  },
  ResourceNotFoundException: { type: 'ResourceNotFoundException', query: 'ResourceNotFoundException' },
  UnsupportedOperation: {
    type: 'UnsupportedOperation',
    query: 'AWS.SimpleQueueService.UnsupportedOperation',
  },
};

function sqsReply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

const Json = z.record(z.string(), z.unknown());
const QueueRequest = z.object({ QueueUrl: z.string() });
const int = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) ? value : undefined;

function invalidParameter(name: string, value: unknown, reason: string): SqsError {
  return new SqsError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}.`,
  );
}

async function handleSqs(req: IncomingMessage, res: ServerResponse, queues: () => Iterable<LocalQueue>) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
  let body: Record<string, unknown>;
  try {
    body = Json.parse(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
  } catch {
    return sqsReply(res, 400, { __type: 'com.amazon.coral.service#SerializationException' });
  }
  const all = () => [...queues()];
  const base = `http://${req.headers.host ?? '127.0.0.1'}/${LOCAL_ACCOUNT}`;
  const queueOf = (): LocalQueue => {
    const url = QueueRequest.safeParse(body);
    const name = url.success ? url.data.QueueUrl.split('/').at(-1) : undefined;
    const queue = all().find((q) => q.name === name);
    if (!queue) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  };
  try {
    const result = sqsOperation(operation, body, { all, base, queueOf });
    return sqsReply(res, 200, result instanceof Promise ? await result : result);
  } catch (error) {
    if (!(error instanceof SqsError)) throw error;
    const known = ERROR_TYPES[error.code] ?? { type: error.code, query: error.code };
    return sqsReply(
      res,
      400,
      { __type: `com.amazonaws.sqs#${known.type}`, message: error.message },
      { 'x-amzn-query-error': `${known.query};Sender` },
    );
  }
}

interface SqsContext {
  all(): LocalQueue[];
  /** `http://host:port/<account>`: queue URLs point back at this endpoint. */
  base: string;
  queueOf(): LocalQueue;
}

const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
] as const;

function messageAttributes(message: StoredMessage, requested: readonly string[]): Record<string, string> {
  const values: Record<(typeof SYSTEM_ATTRIBUTES)[number], string> = {
    SenderId: 'AIDAEVENTBRIDGELOCAL',
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
  };
  const all = requested.includes('All');
  return Object.fromEntries(
    SYSTEM_ATTRIBUTES.filter((a) => all || requested.includes(a)).map((a) => [a, values[a]]),
  );
}

function batchEntries(body: Record<string, unknown>): Record<string, unknown>[] {
  const entries = z.array(Json).safeParse(body.Entries ?? []);
  const list = entries.success ? entries.data : [];
  if (list.length === 0) {
    throw new SqsError(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  }
  if (list.length > MAX_BATCH) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${list.length}.`,
    );
  }
  const ids = list.map((e) => String(e.Id));
  if (new Set(ids).size !== ids.length) {
    throw new SqsError(
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
    );
  }
  return list;
}

function sendOne(queue: LocalQueue, body: unknown) {
  if (typeof body !== 'string' || body.length === 0) {
    throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  const message = queue.send(body);
  return { MessageId: message.messageId, MD5OfMessageBody: md5Hex(body) };
}

function invalidHandle(handle: unknown): SqsError {
  return new SqsError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
  );
}

/** Deletes by receipt handle as SQS does: a stale handle of ours succeeds and deletes nothing. */
function deleteByHandle(queue: LocalQueue, handle: unknown): void {
  if (typeof handle !== 'string' || receiptHandleMessageId(handle) === undefined) throw invalidHandle(handle);
  queue.delete(handle);
}

function visibilityMs(value: unknown): number {
  const seconds = int(value);
  if (seconds === undefined || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) {
    throw invalidParameter('VisibilityTimeout', value, `Must be between 0 and ${MAX_VISIBILITY_SECONDS}`);
  }
  return seconds * 1000;
}

function sqsOperation(operation: string, body: Record<string, unknown>, ctx: SqsContext): unknown {
  switch (operation) {
    case 'GetQueueUrl': {
      const queue = ctx.all().find((q) => q.name === body.QueueName);
      if (!queue) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { QueueUrl: `${ctx.base}/${queue.name}` };
    }
    case 'ListQueues': {
      const prefix = typeof body.QueueNamePrefix === 'string' ? body.QueueNamePrefix : '';
      return {
        QueueUrls: ctx
          .all()
          .filter((q) => q.name.startsWith(prefix))
          .map((q) => `${ctx.base}/${q.name}`),
      };
    }
    case 'GetQueueAttributes': {
      const queue = ctx.queueOf();
      const requested = z.array(z.string()).catch([]).parse(body.AttributeNames);
      const messages = queue.peek();
      const notVisible = messages.length - queue.visibleCount();
      const values: Record<string, string> = {
        QueueArn: queue.arn,
        ApproximateNumberOfMessages: String(messages.length - notVisible),
        ApproximateNumberOfMessagesNotVisible: String(notVisible),
        VisibilityTimeout: String(queue.visibilityTimeoutMs / 1000),
        ...(queue.deadLetterQueue && queue.maxReceiveCount !== undefined
          ? {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: queue.deadLetterQueue.arn,
                maxReceiveCount: queue.maxReceiveCount,
              }),
            }
          : {}),
      };
      const all = requested.includes('All');
      return {
        Attributes: Object.fromEntries(Object.entries(values).filter(([k]) => all || requested.includes(k))),
      };
    }
    case 'SendMessage':
      return sendOne(ctx.queueOf(), body.MessageBody);
    case 'SendMessageBatch': {
      const queue = ctx.queueOf();
      const entries = batchEntries(body);
      return {
        Successful: entries.map((e) => ({ Id: e.Id, ...sendOne(queue, e.MessageBody) })),
        Failed: [],
      };
    }
    case 'ReceiveMessage':
      return receiveMessages(ctx.queueOf(), body);
    case 'DeleteMessage':
      deleteByHandle(ctx.queueOf(), body.ReceiptHandle);
      return {};
    case 'DeleteMessageBatch': {
      const queue = ctx.queueOf();
      const entries = batchEntries(body);
      const successful: { Id: unknown }[] = [];
      const failed: { Id: unknown; SenderFault: boolean; Code: string; Message: string }[] = [];
      for (const entry of entries) {
        try {
          deleteByHandle(queue, entry.ReceiptHandle);
          successful.push({ Id: entry.Id });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
        }
      }
      return { Successful: successful, Failed: failed };
    }
    case 'ChangeMessageVisibility': {
      const queue = ctx.queueOf();
      const timeoutMs = visibilityMs(body.VisibilityTimeout);
      const handle = body.ReceiptHandle;
      if (typeof handle !== 'string' || !queue.changeVisibility(handle, timeoutMs)) {
        throw new SqsError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
      }
      return {};
    }
    case 'PurgeQueue':
      ctx.queueOf().purge();
      return {};
    case 'StartMessageMoveTask': {
      const dlq = ctx.all().find((q) => q.arn === body.SourceArn);
      const sources = ctx.all().filter((q) => q.deadLetterQueue !== undefined && q.deadLetterQueue === dlq);
      if (!dlq || sources.length === 0) {
        throw new SqsError(
          'ResourceNotFoundException',
          'The resource that you specified for the SourceArn parameter is not a dead-letter queue.',
        );
      }
      const destination =
        body.DestinationArn === undefined ? sources[0] : ctx.all().find((q) => q.arn === body.DestinationArn);
      if (!destination) {
        throw new SqsError(
          'ResourceNotFoundException',
          'The resource that you specified for the DestinationArn parameter does not exist.',
        );
      }
      dlq.redriveTo(destination);
      return {
        TaskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: dlq.arn })).toString(
          'base64',
        ),
      };
    }
    default:
      throw new SqsError(
        'UnsupportedOperation',
        `The local SQS endpoint does not implement ${operation || 'this operation'}.`,
      );
  }
}

async function receiveMessages(queue: LocalQueue, body: Record<string, unknown>) {
  const max = body.MaxNumberOfMessages === undefined ? 1 : int(body.MaxNumberOfMessages);
  if (max === undefined || max < 1 || max > MAX_BATCH) {
    throw invalidParameter(
      'MaxNumberOfMessages',
      body.MaxNumberOfMessages,
      `Must be between 1 and ${MAX_BATCH}, if provided`,
    );
  }
  const wait = body.WaitTimeSeconds === undefined ? 0 : int(body.WaitTimeSeconds);
  if (wait === undefined || wait < 0 || wait > MAX_WAIT_SECONDS) {
    throw invalidParameter(
      'WaitTimeSeconds',
      body.WaitTimeSeconds,
      `Must be >= 0 and <= ${MAX_WAIT_SECONDS}, if provided`,
    );
  }
  const visibility = body.VisibilityTimeout === undefined ? undefined : visibilityMs(body.VisibilityTimeout);
  const requested = [
    ...z.array(z.string()).catch([]).parse(body.AttributeNames),
    ...z.array(z.string()).catch([]).parse(body.MessageSystemAttributeNames),
  ];
  // Long polling: answer as soon as something can be received, or empty at the end of the wait.
  const deadline = Date.now() + wait * 1000;
  let received = queue.receive(max, visibility);
  while (received.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    received = queue.receive(max, visibility);
  }
  return {
    Messages: received.map((m) => ({
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      MD5OfBody: md5Hex(m.body),
      Body: m.body,
      ...(requested.length ? { Attributes: messageAttributes(m, requested) } : {}),
    })),
  };
}
