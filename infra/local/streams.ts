/**
 * The local stand-in for a Lambda event source mapping on the table's stream: reads DynamoDB
 * Local's stream (DescribeStream → shards, parents before children → GetShardIterator from the
 * checkpoint, or TRIM_HORIZON the first time → GetRecords), keeps the records the topology's
 * filter accepts, batches them by `batchSize` and `maxBatchingWindowSeconds`, and invokes the
 * function with Lambda-format DynamoDB stream records. As Lambda does with
 * `ReportBatchItemFailures`:
 *
 * - success checkpoints the batch; a partial batch response checkpoints the records before the
 *   first failed one and retries from it;
 * - a function error (exception, timeout, crash) retries the batch, split in two first when
 *   `bisectBatchOnError` is set;
 * - after `retryAttempts` retries the records are given up on: kept as a failure record (the
 *   on-failure destination) and logged, and the shard moves on.
 *
 * Nothing is checkpointed before the function has succeeded for it, so a publisher that crashes
 * (or a runtime stopped mid-batch) sees the same records again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as SdkAttributeValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import type { StreamSubscription } from '../topology/types.ts';
import { failedItemIds } from './sqs.ts';
import type { StreamFailure } from './state.ts';

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function toLambdaValue(value: SdkAttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  // DynamoDB Local's stream hands an empty map (`{ M: {} }` in the table) over as an AttributeValue
  // with no member at all; every other type is either non-empty or named. AWS names it `M`.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new Error(`unsupported AttributeValue in stream record: ${Object.keys(value).join(', ')}`);
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));
}

/** A DynamoDB Streams record in the shape Lambda hands a function. */
export function toLambdaRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(d.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
      ...(d.Keys ? { Keys: toLambdaImage(d.Keys) } : {}),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    eventSourceARN: streamArn,
  };
}

/** The event-source filter: `eventName` and a `pk` prefix, as the CDK filter criteria say. */
export function matchesFilter(record: DynamoDBRecord, filter: StreamSubscription['filter']): boolean {
  const pk = record.dynamodb?.Keys?.pk?.S;
  return record.eventName === filter.eventName && pk !== undefined && pk.startsWith(filter.pkPrefix);
}

const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? '';

export interface StreamEventSourceOptions {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly functionName: string;
  readonly spec: StreamSubscription;
  readonly region: string;
  readonly invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** Checkpoints to resume from: shard id → last handled sequence number. */
  readonly checkpoints?: Readonly<Record<string, string>>;
  /** Called when a checkpoint moves or records are given up on (to persist them). */
  readonly onChange?: () => void;
  readonly onFailure?: (failure: StreamFailure) => void;
  readonly log?: (line: string) => void;
  /** Pause between reads of a stream with nothing new. */
  readonly pollIntervalMs?: number;
  /** How often new shards are looked for. */
  readonly describeIntervalMs?: number;
  /** First wait before a retry; doubles per retry up to `maxRetryDelayMs`. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
}

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator: string | undefined;
  /** GetRecords returned no next iterator: the shard is closed and read to its end. */
  ended: boolean;
  /** Ended and every record handled. */
  finished: boolean;
  buffer: DynamoDBRecord[];
  bufferSince: number | undefined;
  lastRead: string | undefined;
}

type Outcome = { kind: 'ok' } | { kind: 'partial'; from: number } | { kind: 'error'; message: string };

export class StreamEventSource {
  private readonly options: StreamEventSourceOptions;
  private readonly shards = new Map<string, ShardState>();
  private readonly checkpointMap: Map<string, string>;
  private stopper = new AbortController();
  private loop: Promise<void> | undefined;
  /**
   * When the latest pass that found nothing to read and nothing buffered began: every record
   * written before that moment has been delivered (the bench drains the pipeline with it).
   */
  idleSince: number | undefined;
  private nextDescribe = 0;
  /** Invocations so far, for tests and the admin endpoint. */
  invocations = 0;
  /** Batches given up on. */
  readonly failures: StreamFailure[] = [];

  constructor(options: StreamEventSourceOptions) {
    this.options = options;
    this.checkpointMap = new Map(Object.entries(options.checkpoints ?? {}));
  }

  get functionName(): string {
    return this.options.functionName;
  }

  checkpoints(): Record<string, string> {
    return Object.fromEntries(this.checkpointMap);
  }

  start(): void {
    // Restartable after stop() (the bench pauses and resumes event sources): shards, iterators
    // and buffers are kept, so reading resumes where it stopped.
    if (this.stopper.signal.aborted) {
      this.stopper = new AbortController();
      this.loop = undefined;
      this.idleSince = undefined;
    }
    this.loop ??= this.run();
  }

  /** Stops reading; a batch in flight is finished, a retry wait is cut short (not checkpointed). */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private get running(): boolean {
    return !this.stopper.signal.aborted;
  }

  private log(line: string): void {
    this.options.log?.(`${this.options.functionName}: ${line}`);
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopper.signal }).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const idleMs = this.options.pollIntervalMs ?? 100;
    while (this.running) {
      let busy = false;
      const passStarted = Date.now();
      try {
        busy = await this.pass();
        if (!busy && [...this.shards.values()].every((shard) => shard.buffer.length === 0))
          this.idleSince = passStarted;
      } catch (error) {
        this.log(`stream read failed: ${(error as Error).message}`);
        await this.pause(Math.max(idleMs, 500));
      }
      if (!busy) await this.pause(idleMs);
    }
  }

  private async describe(): Promise<void> {
    const found: Shard[] = [];
    let exclusiveStart: string | undefined;
    do {
      const out = await this.options.client.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          ExclusiveStartShardId: exclusiveStart,
        }),
      );
      found.push(...(out.StreamDescription?.Shards ?? []));
      exclusiveStart = out.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStart);
    for (const shard of found) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        ended: false,
        finished: false,
        buffer: [],
        bufferSince: undefined,
        lastRead: undefined,
      });
    }
  }

  /** One read of every readable shard and delivery of what is due; true if anything was read. */
  private async pass(): Promise<boolean> {
    if (Date.now() >= this.nextDescribe) {
      await this.describe();
      this.nextDescribe = Date.now() + (this.options.describeIntervalMs ?? 2000);
    }
    let busy = false;
    for (const shard of this.shards.values()) {
      if (!this.running) break;
      if (shard.finished) continue;
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      // A child shard's records come after all of its parent's.
      if (parent && !parent.finished) continue;
      busy = (await this.poll(shard)) || busy;
    }
    return busy;
  }

  private async iteratorFor(shard: ShardState): Promise<string | undefined> {
    const { client, streamArn } = this.options;
    const checkpoint = this.checkpointMap.get(shard.id);
    if (checkpoint) {
      try {
        const out = await client.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.id,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: checkpoint,
          }),
        );
        return out.ShardIterator;
      } catch (error) {
        this.log(
          `checkpoint ${checkpoint} in ${shard.id} is gone (${(error as Error).name}); reading from the start`,
        );
      }
    }
    const out = await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    return out.ShardIterator;
  }

  private checkpoint(shard: ShardState, sequenceNumber: string | undefined): void {
    if (!sequenceNumber || this.checkpointMap.get(shard.id) === sequenceNumber) return;
    this.checkpointMap.set(shard.id, sequenceNumber);
    this.options.onChange?.();
  }

  private async poll(shard: ShardState): Promise<boolean> {
    const { spec, streamArn, region } = this.options;
    let read = 0;
    if (!shard.ended) {
      shard.iterator ??= await this.iteratorFor(shard);
      if (!shard.iterator) {
        shard.ended = true;
      } else {
        let out: Awaited<ReturnType<typeof this.getRecords>>;
        try {
          out = await this.getRecords(shard.iterator);
        } catch (error) {
          // An expired or invalid iterator: start again from the checkpoint, re-reading the buffer.
          this.log(`GetRecords failed in ${shard.id}: ${(error as Error).message}`);
          shard.iterator = undefined;
          shard.buffer = [];
          shard.bufferSince = undefined;
          return false;
        }
        shard.iterator = out.NextShardIterator;
        if (!out.NextShardIterator) shard.ended = true;
        for (const raw of out.Records ?? []) {
          const record = toLambdaRecord(raw, streamArn, region);
          read += 1;
          shard.lastRead = sequenceOf(record);
          if (!matchesFilter(record, spec.filter)) continue;
          shard.buffer.push(record);
          shard.bufferSince ??= Date.now();
        }
        // Records the filter dropped count as handled once nothing before them is pending.
        if (shard.buffer.length === 0) this.checkpoint(shard, shard.lastRead);
      }
    }
    const windowMs = spec.maxBatchingWindowSeconds * 1000;
    while (this.running && shard.buffer.length > 0) {
      const due =
        shard.buffer.length >= spec.batchSize ||
        shard.ended ||
        Date.now() - (shard.bufferSince ?? 0) >= windowMs;
      if (!due) break;
      const batch = shard.buffer.slice(0, spec.batchSize);
      const delivered = await this.deliver(shard, batch);
      if (!delivered) return true; // stopping: nothing past the checkpoint is assumed handled
      shard.buffer = shard.buffer.slice(batch.length);
      shard.bufferSince = shard.buffer.length ? Date.now() : undefined;
      this.checkpoint(
        shard,
        shard.buffer.length ? sequenceOf(batch[batch.length - 1] ?? {}) : shard.lastRead,
      );
    }
    if (shard.ended && shard.buffer.length === 0) shard.finished = true;
    return read > 0;
  }

  private async getRecords(iterator: string) {
    return this.options.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
  }

  private async invoke(records: DynamoDBRecord[]): Promise<Outcome> {
    this.invocations += 1;
    try {
      const response = await this.options.invoke({ Records: records });
      const sequenceNumbers = records.map(sequenceOf);
      const failed = failedItemIds(response, sequenceNumbers);
      if (failed.size === 0) return { kind: 'ok' };
      return { kind: 'partial', from: sequenceNumbers.findIndex((s) => failed.has(s)) };
    } catch (error) {
      return { kind: 'error', message: (error as Error).message };
    }
  }

  /**
   * Delivers one batch with Lambda's retry rules; resolves true once every record is handled
   * (succeeded or given up on), false when stopped first.
   */
  private async deliver(shard: ShardState, batch: DynamoDBRecord[]): Promise<boolean> {
    const { spec } = this.options;
    const base = this.options.retryDelayMs ?? 200;
    const max = this.options.maxRetryDelayMs ?? 5_000;
    const work: { records: DynamoDBRecord[]; attempts: number }[] = [{ records: batch, attempts: 0 }];
    while (work.length > 0) {
      if (!this.running) return false;
      const current = work.shift();
      if (!current) break;
      const outcome = await this.invoke(current.records);
      if (outcome.kind === 'ok') {
        this.checkpoint(shard, sequenceOf(current.records[current.records.length - 1] ?? {}));
        continue;
      }
      let remaining = current.records;
      if (outcome.kind === 'partial') {
        if (outcome.from > 0) this.checkpoint(shard, sequenceOf(current.records[outcome.from - 1] ?? {}));
        remaining = current.records.slice(outcome.from);
      }
      const attempts = current.attempts + 1;
      const reason =
        outcome.kind === 'error' ? `function error: ${outcome.message}` : 'reported as batch item failures';
      if (attempts > spec.retryAttempts) {
        this.giveUp(shard, remaining, reason);
        continue;
      }
      this.log(`${remaining.length} record(s) ${reason}; retry ${attempts} of ${spec.retryAttempts}`);
      await this.pause(Math.min(max, base * 2 ** (attempts - 1)));
      if (outcome.kind === 'error' && spec.bisectBatchOnError && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        work.unshift(
          { records: remaining.slice(0, half), attempts },
          { records: remaining.slice(half), attempts },
        );
      } else {
        work.unshift({ records: remaining, attempts });
      }
    }
    return true;
  }

  private giveUp(shard: ShardState, records: DynamoDBRecord[], reason: string): void {
    const failure: StreamFailure = {
      functionName: this.options.functionName,
      shardId: shard.id,
      firstSequenceNumber: sequenceOf(records[0] ?? {}),
      lastSequenceNumber: sequenceOf(records[records.length - 1] ?? {}),
      reason,
      at: new Date().toISOString(),
      records,
    };
    this.failures.push(failure);
    this.options.onFailure?.(failure);
    this.log(
      `gave up on ${records.length} record(s) ${failure.firstSequenceNumber}…${failure.lastSequenceNumber} after ${this.options.spec.retryAttempts} retries (${reason}); kept as a stream failure`,
    );
    this.checkpoint(shard, failure.lastSequenceNumber);
  }
}
