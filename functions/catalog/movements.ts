/**
 * Stock movements: the ledger every stock level is accountable to. This module owns the movement
 * item and the movement's idempotency record; the stock item itself belongs to products.ts.
 *
 * | item                 | pk                   | sk               |
 * |----------------------|----------------------|------------------|
 * | movement             | PRODUCT#<sku>        | MOVEMENT#<ulid>  |
 * | idempotency record   | IDEMPOTENCY#<id>     | STOCK_MOVEMENT   |
 *
 * A movement commits in one `TransactWriteItems`: the product exists, the stock item moves by the
 * quantity (refused below zero), the movement item, the idempotency record when the caller sent a
 * key, and the `StockChanged` outbox item. Every refusal is read from the cancellation reasons, so
 * the happy path is that one write plus a read of the resulting levels for the response.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import * as z from 'zod';
import { emit } from '#events/emit.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { idempotencyRecordPut, idempotentId, requestHash } from '#shared/idempotency.ts';
import { queryPage } from '#shared/query-page.ts';
import { type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import {
  MovementReason,
  type StockMovement,
  type StockMovementInput,
  type StockMovementResult,
} from './contract.ts';
import {
  getStockLevels,
  moveStockWrite,
  productKey,
  productPk,
  StockItem,
  type StockRecord,
  stockKey,
} from './products.ts';

export const MOVEMENT_SK_PREFIX = 'MOVEMENT#';
export const movementKey = (sku: string, id: string) =>
  ({ pk: productPk(sku), sk: `${MOVEMENT_SK_PREFIX}${id}` }) as const;

/** Idempotency records live in their own partition, so one key cannot be reused across SKUs. */
export const movementIdempotencyKey = (id: string) =>
  ({ pk: `IDEMPOTENCY#${id}`, sk: 'STOCK_MOVEMENT' }) as const;

/** Optimistic attempts before a movement gives up to concurrent writers (429). */
const nextId = monotonicFactory();

const MovementItem = z.object({
  id: z.string(),
  sku: z.string(),
  quantity: z.int(),
  reason: MovementReason,
  note: z.string().optional(),
  by: z.string(),
  at: z.string(),
  purchaseOrderId: z.string().optional(),
});

const IdempotencyItem = z.object({
  requestHash: z.string(),
  movement: MovementItem,
});

export function movementToItem(movement: StockMovement) {
  return { ...movementKey(movement.sku, movement.id), entity: 'StockMovement', ...movement };
}

export function movementFromItem(item: unknown): StockMovement {
  const { id, sku, quantity, reason, note, by, at, purchaseOrderId } = MovementItem.parse(item);
  return {
    id,
    sku,
    quantity,
    reason,
    ...(note === undefined ? {} : { note }),
    by,
    at,
    ...(purchaseOrderId === undefined ? {} : { purchaseOrderId }),
  };
}

export interface MovementRequest {
  readonly sku: string;
  readonly input: StockMovementInput;
  /** The staff member's `sub`. */
  readonly by: string;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
}

export interface MovementOutcome {
  /** False when an Idempotency-Key retry was answered from the first response. */
  readonly created: boolean;
  readonly result: StockMovementResult;
}

type MovementTag = 'product' | 'stock' | 'movement' | 'idempotency' | 'outbox';

/** The first movement made with this key, or 422 when the key came with another request. */
function replayed(record: unknown, hash: string): StockMovement {
  const stored = IdempotencyItem.parse(record);
  if (stored.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request',
    );
  }
  return movementFromItem(stored.movement);
}

/** The result for a committed movement: the movement and the SKU's levels as they are now. */
async function resultOf(movement: StockMovement): Promise<StockMovementResult> {
  const { available, reserved, shipped, returned, scrapped } = await getStockLevels(movement.sku);
  return { sku: movement.sku, stock: { available, reserved, shipped, returned, scrapped }, movement };
}

/**
 * Records a stock movement. Refused with 409 `OUT_OF_STOCK` when `available` would go below zero,
 * 404 for an unknown SKU; a retry with the same Idempotency-Key answers the first movement (with
 * the current levels), the same key with another request 422.
 */
export async function recordStockMovement(request: MovementRequest): Promise<MovementOutcome> {
  const { sku, input, by, idempotencyKey, correlationId } = request;
  const hash = requestHash({ sku, ...input });
  const idemKey = idempotencyKey
    ? movementIdempotencyKey(idempotentId('stock-movement', by, idempotencyKey))
    : undefined;

  const at = new Date().toISOString();
  const movement: StockMovement = {
    id: nextId(),
    sku,
    quantity: input.quantity,
    reason: input.reason,
    ...(input.note === undefined ? {} : { note: input.note }),
    by,
    at,
  };
  const stockChanged = emit(
    'StockChanged',
    {
      sku,
      cause: input.reason,
      movementId: movement.id,
      quantity: input.quantity,
      ...(input.note === undefined ? {} : { note: input.note }),
      occurredAt: at,
      by,
    },
    { correlationId, occurredAt: at },
  );
  const writes: TaggedWrite<MovementTag>[] = [
    // First, so an idempotent retry is recognised whatever else has changed since.
    ...(idemKey
      ? [
          {
            tag: 'idempotency' as const,
            write: idempotencyRecordPut(tableName, idemKey, { requestHash: hash, at, first: { movement } }),
          },
        ]
      : []),
    {
      tag: 'product',
      write: {
        ConditionCheck: {
          TableName: tableName,
          Key: productKey(sku),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    },
    { tag: 'stock', write: moveStockWrite(sku, input.quantity, at) },
    {
      tag: 'movement',
      write: {
        Put: {
          TableName: tableName,
          Item: movementToItem(movement),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    { tag: 'outbox', write: stockChanged },
  ];

  const outcome = await transactWrite(ddb, writes);
  if (outcome.ok) return { created: true, result: await resultOf(movement) };
  if (outcome.failed.includes('idempotency') && idemKey) {
    const stored = await ddb.send(
      new GetCommand({ TableName: tableName, Key: idemKey, ConsistentRead: true }),
    );
    return { created: false, result: await resultOf(replayed(stored.Item, hash)) };
  }
  if (outcome.failed.includes('product')) throw notFound(`Product ${sku}`);
  if (outcome.failed.includes('stock')) {
    throw new AppError('OUT_OF_STOCK', `Fewer than ${-input.quantity} of ${sku} available`, { skus: [sku] });
  }
  throw new Error(`Stock movement cancelled by ${outcome.failed.join(', ')}`);
}

/** One page of a SKU's movements, newest first (ULIDs sort by time). Undefined for an unknown SKU. */
export async function listStockMovements(
  sku: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: StockMovement[]; nextCursor: string | null } | undefined> {
  const [product, movements] = await Promise.all([
    ddb.send(new GetCommand({ TableName: tableName, Key: productKey(sku), ProjectionExpression: 'pk' })),
    queryPage({
      partition: productPk(sku),
      sortKeyPrefix: MOVEMENT_SK_PREFIX,
      order: 'newest-first',
      page,
      parse: movementFromItem,
    }),
  ]);
  return product.Item ? movements : undefined;
}

/**
 * A SKU's stock levels and every movement quantity, read consistently: the two sides of the
 * conservation invariant (`available + reserved + (shipped − returned) + scrapped = received =
 * Σ movements`; `returned` and `scrapped` are the returns' counters, 0 until a return). For tests
 * and reconciliation; it reads the whole ledger, so never call it on a request path.
 */
export async function readStockLedger(
  sku: string,
): Promise<StockRecord & { sku: string; movements: number[] }> {
  const stock = await ddb.send(
    new GetCommand({ TableName: tableName, Key: stockKey(sku), ConsistentRead: true }),
  );
  const movements: number[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': productPk(sku), ':prefix': MOVEMENT_SK_PREFIX },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) movements.push(movementFromItem(item).quantity);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { sku, ...StockItem.parse(stock.Item ?? {}), movements };
}
