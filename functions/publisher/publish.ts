/**
 * Putting envelopes on the bus within PutEvents' limits: at most 10 entries and 256 KB per
 * request, entry sizes computed the way EventBridge computes them. Entries PutEvents reports as
 * failed (throttling, internal errors) are resent, exactly those, with backoff; whatever still
 * fails is returned to the caller so the stream retries it.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventEnvelope } from '#shared/events/envelope.ts';

export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

/** An envelope to publish, identified by the stream record that carried it. */
export interface PendingEntry {
  readonly sequenceNumber: string;
  readonly entry: PutEventsRequestEntry;
}

export interface FailedEntry {
  readonly sequenceNumber: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface PublishResult {
  readonly published: number;
  /** Entries still unpublished after every attempt, in stream order. */
  readonly failed: readonly FailedEntry[];
  /** Entries resent after PutEvents reported them failed. */
  readonly resent: number;
}

export interface PublishOptions {
  /** Sends of one request's entries, the first included. */
  readonly maxAttempts?: number;
  /** First backoff between attempts; doubles each time, with full jitter. */
  readonly baseDelayMs?: number;
}

const utf8 = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/**
 * An entry's size as EventBridge counts it against the 256 KB request limit: 14 bytes for `Time`,
 * plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  size += utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8(resource);
  return size;
}

/** The bus entry for an envelope: `detail` is the whole envelope. */
export function toEntry(envelope: EventEnvelope, busName: string): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: envelope.source,
    DetailType: envelope.type,
    Detail: JSON.stringify(envelope),
    Time: new Date(envelope.occurredAt),
  };
}

/**
 * Splits entries, in order, into requests of at most 10 entries and 256 KB. An entry larger than
 * a whole request cannot be sent; callers check `entrySize` first.
 */
export function chunkEntries<T extends PendingEntry>(pending: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of pending) {
    const size = entrySize(item.entry);
    if (size > MAX_REQUEST_BYTES) throw new RangeError(`entry ${item.sequenceNumber} is ${size} bytes`);
    if (current.length === MAX_ENTRIES_PER_REQUEST || bytes + size > MAX_REQUEST_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one request's entries, resending the failed ones; returns those that never made it. */
async function sendChunk(
  client: EventBridgeClient,
  chunk: readonly PendingEntry[],
  maxAttempts: number,
  baseDelayMs: number,
): Promise<{ failed: FailedEntry[]; resent: number }> {
  let outstanding = chunk.map((item) => ({ ...item, errorCode: '', errorMessage: '' }));
  let resent = 0;
  for (let attempt = 1; attempt <= maxAttempts && outstanding.length > 0; attempt++) {
    if (attempt > 1) {
      resent += outstanding.length;
      await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 2));
    }
    try {
      const response = await client.send(new PutEventsCommand({ Entries: outstanding.map((o) => o.entry) }));
      const results = response.Entries ?? [];
      outstanding = outstanding.flatMap((o, i) => {
        const result = results[i];
        // Success is an EventId; a missing result is not one.
        if (result?.EventId && !result.ErrorCode) return [];
        return [
          {
            ...o,
            errorCode: result?.ErrorCode ?? 'MissingResult',
            errorMessage: result?.ErrorMessage ?? 'PutEvents returned no result for this entry',
          },
        ];
      });
    } catch (error) {
      // The SDK already retried throttling and 5xx; the whole request counts as one failed attempt.
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      outstanding = outstanding.map((o) => ({ ...o, errorCode: name, errorMessage: message }));
    }
  }
  return {
    failed: outstanding.map(({ sequenceNumber, errorCode, errorMessage }) => ({
      sequenceNumber,
      errorCode,
      errorMessage,
    })),
    resent,
  };
}

/**
 * Publishes entries in stream order, one request at a time. Stops at the first request that still
 * has failed entries after every attempt: the stream will retry from there, so sending later
 * requests now would only publish them twice.
 */
export async function publishEntries(
  client: EventBridgeClient,
  pending: readonly PendingEntry[],
  options: PublishOptions = {},
): Promise<PublishResult> {
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  let published = 0;
  let resent = 0;
  for (const chunk of chunkEntries(pending)) {
    const result = await sendChunk(client, chunk, maxAttempts, baseDelayMs);
    resent += result.resent;
    published += chunk.length - result.failed.length;
    if (result.failed.length > 0) return { published, failed: result.failed, resent };
  }
  return { published, failed: [], resent };
}
