/**
 * A SKU's replenishment state and the suggestions it raises. This module owns their keys; every
 * access pattern is a named function, and every write carries a condition.
 *
 * | item          | pk                  | sk            | gsi2pk                    | gsi2sk             |
 * |---------------|---------------------|---------------|---------------------------|--------------------|
 * | reorder state | REORDER#<sku>       | STATE         | —                         | —                  |
 * | suggestion    | REPLENISHMENT#<id>  | REPLENISHMENT | REPLENISHMENTS#<status>   | <createdAt>#<id>   |
 *
 * The state is the latch that makes `StockLow` fire once per crossing: it moves OK → LOW only with
 * the condition that it is not LOW yet, in the transaction that writes the suggestion and the
 * event, and back LOW → OK when the stock is above the reorder point again. It lives in its own
 * partition, not under `PRODUCT#<sku>`: the catalogue's product read is the range
 * `PRODUCT`..`STOCK`, which a `REPLENISHMENT` sort key would fall into.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { stockKey } from '#functions/catalog/products.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { queryPage } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { ReplenishmentStatus, type ReplenishmentView } from './contract.ts';

export const reorderStateKey = (sku: string) => ({ pk: `REORDER#${sku}`, sk: 'STATE' }) as const;
export const replenishmentKey = (id: string) => ({ pk: `REPLENISHMENT#${id}`, sk: 'REPLENISHMENT' }) as const;
export const replenishmentsByStatusPk = (status: ReplenishmentStatus): string => `REPLENISHMENTS#${status}`;
export const replenishmentStatusSk = (createdAt: string, id: string): string => `${createdAt}#${id}`;

export const ReorderState = z.object({
  sku: z.string(),
  status: z.enum(['OK', 'LOW']),
  /** The suggestion raised by the current LOW period. */
  replenishmentId: z.string().optional(),
  updatedAt: z.string(),
});
export type ReorderState = z.infer<typeof ReorderState>;

export const ReplenishmentRecord = z.object({
  id: z.string(),
  sku: z.string(),
  status: ReplenishmentStatus,
  suggestedQuantity: z.int(),
  reorderPoint: z.int(),
  available: z.int(),
  purchaseOrderId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The staff member who ordered or dismissed it. */
  updatedBy: z.string().optional(),
});
export type Replenishment = z.infer<typeof ReplenishmentRecord>;

export function replenishmentToItem(r: Replenishment) {
  return {
    ...replenishmentKey(r.id),
    entity: 'Replenishment',
    gsi2pk: replenishmentsByStatusPk(r.status),
    gsi2sk: replenishmentStatusSk(r.createdAt, r.id),
    ...r,
  };
}

export function replenishmentView(r: Replenishment): ReplenishmentView {
  const {
    id,
    sku,
    status,
    suggestedQuantity,
    reorderPoint,
    available,
    purchaseOrderId,
    createdAt,
    updatedAt,
  } = r;
  return {
    id,
    sku,
    status,
    suggestedQuantity,
    reorderPoint,
    available,
    ...(purchaseOrderId === undefined ? {} : { purchaseOrderId }),
    createdAt,
    updatedAt,
  };
}

/**
 * The OK → LOW transition of a SKU, for the monitor's transaction: the state (condition: not LOW),
 * a check that `available` is still at or below the reorder point when it commits (an order or a
 * receipt may have moved it since it was read), and the new suggestion.
 */
export function markLowWrites(suggestion: Replenishment, now: string): TransactWrite[] {
  return [
    {
      Update: {
        TableName: tableName,
        Key: reorderStateKey(suggestion.sku),
        UpdateExpression:
          'SET entity = :entity, sku = :sku, #status = :low, replenishmentId = :id, updatedAt = :now',
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :ok',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':entity': 'ReorderState',
          ':sku': suggestion.sku,
          ':low': 'LOW',
          ':ok': 'OK',
          ':id': suggestion.id,
          ':now': now,
        },
      },
    },
    {
      ConditionCheck: {
        TableName: tableName,
        Key: stockKey(suggestion.sku),
        ConditionExpression: 'attribute_not_exists(pk) OR available <= :point',
        ExpressionAttributeValues: { ':point': suggestion.reorderPoint },
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: replenishmentToItem(suggestion),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

/**
 * The LOW → OK transition: the state (condition: LOW) and, while the product has a reorder point, a
 * check that `available` is still above it when this commits.
 */
export function clearLowWrites(sku: string, reorderPoint: number | undefined, now: string): TransactWrite[] {
  return [
    {
      Update: {
        TableName: tableName,
        Key: reorderStateKey(sku),
        UpdateExpression: 'SET #status = :ok, updatedAt = :now REMOVE replenishmentId',
        ConditionExpression: '#status = :low',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':ok': 'OK', ':low': 'LOW', ':now': now },
      },
    },
    ...(reorderPoint === undefined
      ? []
      : [
          {
            ConditionCheck: {
              TableName: tableName,
              Key: stockKey(sku),
              ConditionExpression: 'available > :point',
              ExpressionAttributeValues: { ':point': reorderPoint },
            },
          },
        ]),
  ];
}

/** A SKU's replenishment state (OK when it never went low), strongly consistent. */
export async function getReorderState(sku: string): Promise<ReorderState | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: reorderStateKey(sku), ConsistentRead: true }),
  );
  return result.Item ? ReorderState.parse(result.Item) : undefined;
}

/** One suggestion, strongly consistent, or undefined. */
export async function getReplenishment(id: string): Promise<Replenishment | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: replenishmentKey(id), ConsistentRead: true }),
  );
  return result.Item ? ReplenishmentRecord.parse(result.Item) : undefined;
}

/** Suggestions in one status, newest first, from `gsi2`; the cursor is pinned to the status. */
export async function listReplenishments(
  status: ReplenishmentStatus,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: Replenishment[]; nextCursor: string | null }> {
  return queryPage({
    index: 'gsi2',
    partition: replenishmentsByStatusPk(status),
    order: 'newest-first',
    page,
    parse: (item) => ReplenishmentRecord.parse(item),
  });
}

/** open → ordered on a purchase order, for the order's creating transaction. */
export function orderReplenishmentWrite(
  suggestion: Replenishment,
  purchaseOrderId: string,
  by: string,
  now: string,
): TransactWrite {
  return statusUpdate(suggestion, 'open', 'ordered', now, by, purchaseOrderId);
}

/** ordered → open again when its purchase order is cancelled, for the cancelling transaction. */
export function reopenReplenishmentWrite(
  suggestion: Pick<Replenishment, 'id' | 'createdAt'>,
  purchaseOrderId: string,
  by: string,
  now: string,
): TransactWrite {
  const write = statusUpdate(suggestion, 'ordered', 'open', now, by);
  const update = write.Update!;
  return {
    Update: {
      ...update,
      UpdateExpression: `${update.UpdateExpression} REMOVE purchaseOrderId`,
      ConditionExpression: `${update.ConditionExpression} AND purchaseOrderId = :po`,
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':po': purchaseOrderId },
    },
  };
}

function statusUpdate(
  suggestion: Pick<Replenishment, 'id' | 'createdAt'>,
  from: ReplenishmentStatus,
  to: ReplenishmentStatus,
  now: string,
  by: string,
  purchaseOrderId?: string,
): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: replenishmentKey(suggestion.id),
      UpdateExpression: [
        'SET #status = :to',
        'gsi2pk = :gsi2pk',
        'gsi2sk = :gsi2sk',
        'updatedAt = :now',
        'updatedBy = :by',
        ...(purchaseOrderId === undefined ? [] : ['purchaseOrderId = :poId']),
      ].join(', '),
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':to': to,
        ':from': from,
        ':gsi2pk': replenishmentsByStatusPk(to),
        ':gsi2sk': replenishmentStatusSk(suggestion.createdAt, suggestion.id),
        ':now': now,
        ':by': by,
        ...(purchaseOrderId === undefined ? {} : { ':poId': purchaseOrderId }),
      },
    },
  };
}

/** open → dismissed by staff: 404 for an unknown id, 409 `INVALID_STATE` unless open. */
export async function dismissReplenishment(id: string, by: string, now: string): Promise<Replenishment> {
  const suggestion = await getReplenishment(id);
  if (!suggestion) throw notFound(`Replenishment ${id}`);
  const update = statusUpdate(suggestion, 'open', 'dismissed', now, by).Update!;
  try {
    const result = await ddb.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
    return ReplenishmentRecord.parse(result.Attributes);
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const current = await getReplenishment(id);
    throw new AppError(
      'INVALID_STATE',
      `A suggestion that is ${current?.status ?? 'gone'} cannot be dismissed`,
      {
        currentStatus: current?.status,
      },
    );
  }
}
