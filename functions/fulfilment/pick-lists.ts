/**
 * Pick lists: what the warehouse picks for an order. One per order, so the order id keys it and a
 * second pick list for the same order cannot be written, whatever delivers the event twice.
 *
 * | item      | pk                  | sk       |
 * |-----------|---------------------|----------|
 * | pick list | PICKLIST#<order id> | PICKLIST |
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import { IsoTimestamp, Sku } from '#shared/schemas.ts';
import type { TransactWrite } from '#shared/transactions.ts';

export const pickListKey = (orderId: string) => ({ pk: `PICKLIST#${orderId}`, sk: 'PICKLIST' }) as const;

export const PickListLine = z.object({ sku: Sku, name: z.string(), quantity: z.int().min(1) });

export const PickList = z.object({
  pickListId: z.string(),
  orderId: z.string(),
  status: z.enum(['OPEN']),
  lines: z.array(PickListLine).min(1),
  createdAt: IsoTimestamp,
});
export type PickList = z.infer<typeof PickList>;

/** The Put creating a pick list, for the caller's transaction; fails if the order has one. */
export function pickListPut(pickList: PickList): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: { ...pickListKey(pickList.orderId), entity: 'PickList', ...pickList },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The order's pick list, or undefined. */
export async function getPickListForOrder(orderId: string): Promise<PickList | undefined> {
  const result = await ddb.send(new GetCommand({ TableName: tableName, Key: pickListKey(orderId) }));
  return result.Item ? PickList.parse(result.Item) : undefined;
}
