/**
 * Return (RMA) items. This module owns their keys, their GSI keys and their stored shapes; every
 * access pattern is a named function, and every write carries a condition.
 *
 * | item                | pk                 | sk        | gsi1pk          | gsi1sk         |
 * |---------------------|--------------------|-----------|-----------------|----------------|
 * | return              | RETURN#<id>        | RETURN    | ORDER#<orderId> | RETURN#<id>    |
 * | returned-so-far     | ORDER#<orderId>    | RETURNED  | —               | —              |
 * | idempotency record  | IDEMPOTENCY#<id>   | RETURN    | —               | —              |
 *
 * The return id is a ULID, so `gsi1sk` orders an order's returns by time. The returned-so-far
 * item ("tally") holds, per SKU of the order, the units that requested, approved and received
 * returns hold (`returning#<sku>`); rejected returns give theirs back. Opening a return adds to it
 * in the same transaction that writes the return, conditioned per SKU on
 * `returning + q <= delivered`, which is what keeps concurrent requests from ever exceeding what
 * the order delivered. It shares the order's partition (it is per order) but is owned here.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ReturnDisposition } from '#events/returns.ts';
import { orderPk } from '#functions/orders/orders.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { idempotencyRecordPut } from '#shared/idempotency.ts';
import { visibleTo } from '#shared/ownership.ts';
import { queryPage } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { ReturnStatus, type ReturnView } from './contract.ts';
import type { ReturnLine } from './rules.ts';

export const RETURN_PK_PREFIX = 'RETURN#';
export const returnKey = (id: string) => ({ pk: `${RETURN_PK_PREFIX}${id}`, sk: 'RETURN' }) as const;
export const orderReturnsPk = (orderId: string): string => orderPk(orderId);
export const ORDER_RETURN_SK_PREFIX = 'RETURN#';
export const orderReturnSk = (id: string): string => `${ORDER_RETURN_SK_PREFIX}${id}`;
export const tallyKey = (orderId: string) => ({ pk: orderPk(orderId), sk: 'RETURNED' }) as const;
export const returnIdempotencyKey = (id: string) => ({ pk: `IDEMPOTENCY#${id}`, sk: 'RETURN' }) as const;

/** The tally's attribute for one SKU. */
export const TALLY_ATTRIBUTE_PREFIX = 'returning#';
const tallyAttribute = (sku: string): string => `${TALLY_ATTRIBUTE_PREFIX}${sku}`;

const HistoryEntry = z.object({
  status: ReturnStatus,
  at: z.string(),
  /** Who moved it (a `sub`). */
  by: z.string(),
});
export type ReturnHistoryEntry = z.infer<typeof HistoryEntry>;

const StoredReceivedLine = z.object({ sku: z.string(), quantity: z.int(), disposition: ReturnDisposition });

/** A return as stored (without its key attributes). */
export const ReturnRecord = z.object({
  id: z.string(),
  orderId: z.string(),
  customerId: z.string(),
  status: ReturnStatus,
  lines: z.array(z.object({ sku: z.string(), quantity: z.int() })),
  reason: z.string(),
  history: z.array(HistoryEntry),
  receivedLines: z.array(StoredReceivedLine).optional(),
  requestedAt: z.string(),
  updatedAt: z.string(),
  /** The `sub` of whoever opened it (the customer, or staff for them). */
  requestedBy: z.string(),
});
export type ReturnRecord = z.infer<typeof ReturnRecord>;

export function returnToItem(ret: ReturnRecord) {
  return {
    ...returnKey(ret.id),
    entity: 'Return',
    gsi1pk: orderReturnsPk(ret.orderId),
    gsi1sk: orderReturnSk(ret.id),
    ...ret,
  };
}

export function returnFromItem(item: unknown): ReturnRecord {
  return ReturnRecord.parse(item);
}

/** What clients see: no principals. */
export function returnView(ret: ReturnRecord): ReturnView {
  return {
    id: ret.id,
    orderId: ret.orderId,
    customerId: ret.customerId,
    status: ret.status,
    lines: ret.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    reason: ret.reason,
    history: ret.history.map(({ status, at }) => ({ status, at })),
    ...(ret.receivedLines
      ? {
          receivedLines: ret.receivedLines.map(({ sku, quantity, disposition }) => ({
            sku,
            quantity,
            disposition,
          })),
        }
      : {}),
    requestedAt: ret.requestedAt,
    updatedAt: ret.updatedAt,
  };
}

/** One return by id, strongly consistent. */
export async function getReturn(id: string): Promise<ReturnRecord | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: returnKey(id), ConsistentRead: true }),
  );
  return result.Item ? returnFromItem(result.Item) : undefined;
}

/** A return the principal may see (its customer or staff); 404 `NOT_FOUND` otherwise. */
export async function getReturnFor(principal: Principal, id: string): Promise<ReturnRecord> {
  return visibleTo(principal, await getReturn(id), (ret) => ret.customerId, `Return ${id}`);
}

/** An order's returns, newest first, from `gsi1`; the cursor is pinned to the order. */
export async function listReturnsForOrder(
  orderId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: ReturnRecord[]; nextCursor: string | null }> {
  return queryPage({
    index: 'gsi1',
    partition: orderReturnsPk(orderId),
    sortKeyPrefix: ORDER_RETURN_SK_PREFIX,
    order: 'newest-first',
    page,
    parse: returnFromItem,
  });
}

/** Per SKU, the units the order's requested, approved and received returns hold (consistent read). */
export async function getReturning(orderId: string): Promise<Map<string, number>> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: tallyKey(orderId), ConsistentRead: true }),
  );
  const returning = new Map<string, number>();
  for (const [name, value] of Object.entries(result.Item ?? {})) {
    if (name.startsWith(TALLY_ATTRIBUTE_PREFIX)) {
      returning.set(name.slice(TALLY_ATTRIBUTE_PREFIX.length), z.int().min(0).parse(value));
    }
  }
  return returning;
}

/** Writes a new return; fails if the id is taken. */
export function openReturnPut(ret: ReturnRecord): TransactWrite {
  return {
    Put: { TableName: tableName, Item: returnToItem(ret), ConditionExpression: 'attribute_not_exists(pk)' },
  };
}

/**
 * Adds a new return's lines to the order's tally, each SKU conditioned on staying within what the
 * order delivered: `returning + q <= delivered`, written as `returning <= delivered − q` (or, on
 * the SKU's first return, `0 <= delivered − q`). Lines must be merged (one per SKU).
 */
export function addToTallyWrite(
  orderId: string,
  lines: readonly ReturnLine[],
  delivered: ReadonlyMap<string, number>,
  now: string,
): TransactWrite {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {
    ':entity': 'ReturnTally',
    ':orderId': orderId,
    ':now': now,
    ':zero': 0,
  };
  const sets = ['entity = :entity', 'orderId = :orderId', 'updatedAt = :now'];
  const conditions: string[] = [];
  lines.forEach(({ sku, quantity }, i) => {
    names[`#q${i}`] = tallyAttribute(sku);
    values[`:q${i}`] = quantity;
    values[`:max${i}`] = (delivered.get(sku) ?? 0) - quantity;
    sets.push(`#q${i} = if_not_exists(#q${i}, :zero) + :q${i}`);
    conditions.push(`((attribute_not_exists(#q${i}) AND :zero <= :max${i}) OR #q${i} <= :max${i})`);
  });
  return {
    Update: {
      TableName: tableName,
      Key: tallyKey(orderId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Gives a rejected return's lines back: `returning -= q` per SKU, never below 0. */
export function releaseFromTallyWrite(
  orderId: string,
  lines: readonly ReturnLine[],
  now: string,
): TransactWrite {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': now };
  const sets = ['updatedAt = :now'];
  const conditions: string[] = [];
  lines.forEach(({ sku, quantity }, i) => {
    names[`#q${i}`] = tallyAttribute(sku);
    values[`:q${i}`] = quantity;
    sets.push(`#q${i} = #q${i} - :q${i}`);
    conditions.push(`#q${i} >= :q${i}`);
  });
  return {
    Update: {
      TableName: tableName,
      Key: tallyKey(orderId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

export interface ReturnTransitionChange {
  readonly to: ReturnRecord['status'];
  readonly at: string;
  readonly entry: ReturnHistoryEntry;
  readonly receivedLines?: ReturnRecord['receivedLines'];
}

/**
 * Moves a return from the status it was read in to `change.to`, appending to `history`. The
 * condition on that status is the guard: every transition changes it, so two racing transitions
 * cannot both commit.
 */
export function returnTransitionUpdate(ret: ReturnRecord, change: ReturnTransitionChange): TransactWrite {
  const sets = ['#status = :to', 'updatedAt = :at', 'history = list_append(history, :entry)'];
  const values: Record<string, unknown> = {
    ':to': change.to,
    ':at': change.at,
    ':entry': [change.entry],
    ':from': ret.status,
  };
  if (change.receivedLines) {
    sets.push('receivedLines = :received');
    values[':received'] = change.receivedLines;
  }
  return {
    Update: {
      TableName: tableName,
      Key: returnKey(ret.id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    },
  };
}

/** The return after the change, as the committed transaction leaves it. */
export function appliedTransition(ret: ReturnRecord, change: ReturnTransitionChange): ReturnRecord {
  return {
    ...ret,
    status: change.to,
    updatedAt: change.at,
    history: [...ret.history, change.entry],
    ...(change.receivedLines ? { receivedLines: [...change.receivedLines] } : {}),
  };
}

const IdempotencyItem = z.object({ requestHash: z.string(), return: ReturnRecord });

/** The idempotency record of a keyed request: the fingerprint and the first response's return. */
export function returnIdempotencyPut(id: string, hash: string, ret: ReturnRecord): TransactWrite {
  return idempotencyRecordPut(tableName, returnIdempotencyKey(id), {
    requestHash: hash,
    at: ret.requestedAt,
    first: { return: ret },
  });
}

/** The stored record of a keyed request, or undefined. */
export async function getReturnIdempotencyRecord(
  id: string,
): Promise<{ requestHash: string; return: ReturnRecord } | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: returnIdempotencyKey(id), ConsistentRead: true }),
  );
  return result.Item ? IdempotencyItem.parse(result.Item) : undefined;
}
