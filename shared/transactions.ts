/**
 * Multi-item requests against the single table: `TransactWriteItems` with bounded, jittered
 * retries of transaction conflicts and cancellation reasons mapped back to the caller's own tags,
 * and `BatchGetItem` with its unprocessed keys retried.
 *
 * Why tags: DynamoDB answers a cancelled transaction with one reason per item, in request order.
 * Callers build their transaction as a list of `{ write, tag }` and get back the tags whose
 * condition failed (`{ kind: 'stock', sku }`, `{ kind: 'order' }` …), so no caller does index
 * arithmetic and every business error is derived from the reasons, never from a racy re-read.
 *
 * Why retry here: under contention DynamoDB cancels a transaction with `TransactionConflict` when
 * another request holds one of its items; that says nothing about the data, so the same writes are
 * sent again, a bounded number of times, with full jitter (AWS Architecture Blog, "Exponential
 * Backoff and Jitter"). A `ConditionalCheckFailed` is never retried: it is an answer.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { AppError } from './errors.ts';

import { MAX_TRANSACT_ITEMS } from './limits.ts';

export { MAX_TRANSACT_ITEMS };

/** One `TransactWriteItems` entry, as the document client takes it. */
export type TransactWrite = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction entry with the caller's name for it. */
export interface TaggedWrite<T> {
  readonly write: TransactWrite;
  readonly tag: T;
}

/** Committed, or cancelled by the conditions of the items tagged `failed` (in request order). */
export type TransactionOutcome<T> = { readonly ok: true } | { readonly ok: false; readonly failed: T[] };

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number;
  /** First backoff ceiling; doubles per attempt up to `maxDelayMs`. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected for tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 500 } as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full jitter: a uniformly random wait in [0, min(max, base * 2^attempt)). `attempt` counts from 0. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const random = options.random ?? Math.random;
  return Math.floor(random() * Math.min(max, base * 2 ** attempt));
}

/** Waits a full-jitter backoff before retry number `attempt` (from 0). */
export async function backoff(attempt: number, options: RetryOptions = {}): Promise<void> {
  await (options.sleep ?? defaultSleep)(backoffDelay(attempt, options));
}

/** The per-item reason codes of a cancelled transaction, or undefined for any other error. */
export function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

/** Tags of the items whose condition failed, in request order. */
export function failedTags<T>(
  codes: readonly (string | undefined)[],
  writes: readonly TaggedWrite<T>[],
): T[] {
  return writes.filter((_, i) => codes[i] === 'ConditionalCheckFailed').map((w) => w.tag);
}

/**
 * Runs the writes as one `TransactWriteItems`. A cancellation with any `TransactionConflict` is
 * retried with full jitter up to `maxAttempts`; a cancellation by conditions comes back as the
 * failed tags; conflicts beyond the budget throw 429 `RATE_LIMITED` (the request may be resent,
 * with the same Idempotency-Key); cancellations for throttling are retried alike and, beyond the
 * budget, thrown as is (503 at the edge, see `#shared/faults.ts`); anything else (validation,
 * throttling the SDK already retried) is thrown as is.
 *
 * Each attempt carries a fresh `ClientRequestToken`, so the SDK's own retry of a request whose
 * response was lost cannot apply the same writes twice (DynamoDB answers the replay as success).
 */
export async function transactWrite<T>(
  client: DynamoDBDocumentClient,
  writes: readonly TaggedWrite<T>[],
  options: RetryOptions = {},
): Promise<TransactionOutcome<T>> {
  if (writes.length === 0 || writes.length > MAX_TRANSACT_ITEMS) {
    throw new Error(`A transaction holds 1 to ${MAX_TRANSACT_ITEMS} items, not ${writes.length}`);
  }
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: writes.map((w) => w.write),
          ClientRequestToken: randomUUID(),
        }),
      );
      return { ok: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      // A conflict anywhere means the conditions were not all judged on one snapshot (an item
      // held by an in-flight transaction may be about to change), so the answer is not final yet.
      // A cancellation for throttling (`ThrottlingError` reasons) says as little about the data:
      // the same writes are sent again within the same budget, then surface as 503 at the edge.
      const conflicted = codes.includes('TransactionConflict') || codes.includes('ThrottlingError');
      if (conflicted && attempt + 1 < maxAttempts) {
        await backoff(attempt, options);
        continue;
      }
      const failed = failedTags(codes, writes);
      if (failed.length > 0) return { ok: false, failed };
      if (codes.includes('ThrottlingError')) throw error;
      if (conflicted) throw contention('An item of this request');
      throw error;
    }
  }
}

/**
 * The error for an optimistic write that lost to concurrent writers on every attempt. 429 tells
 * the client the request was fine and may be sent again shortly.
 */
export function contention(what: string): AppError {
  return new AppError('RATE_LIMITED', `${what} is being changed by many requests at once; retry shortly`);
}

/** DynamoDB's limit on keys in one `BatchGetItem`. */
export const MAX_BATCH_GET_KEYS = 100;

/**
 * Reads up to 100 keys with `BatchGetItem` (strongly consistent), retrying unprocessed keys with
 * jitter. Items come back in no particular order; absent keys are simply missing.
 */
export async function batchGetItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, string>[],
  options: RetryOptions = {},
): Promise<Record<string, unknown>[]> {
  if (keys.length > MAX_BATCH_GET_KEYS) {
    throw new Error(`BatchGetItem takes at most ${MAX_BATCH_GET_KEYS} keys, not ${keys.length}`);
  }
  const items: Record<string, unknown>[] = [];
  let pending: Record<string, unknown>[] = [...keys];
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= maxAttempts) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
    if (attempt > 0) await backoff(attempt - 1, options);
    const result = await client.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    items.push(...(result.Responses?.[tableName] ?? []));
    pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return items;
}
