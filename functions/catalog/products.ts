/**
 * Product and stock-level items. This module owns their keys; every access pattern is a named
 * function. A product and its stock share a partition, so one Query reads both.
 *
 * | item    | pk             | sk        |
 * |---------|----------------|-----------|
 * | product | PRODUCT#<sku>  | PRODUCT   |
 * | stock   | PRODUCT#<sku>  | STOCK     |
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import type { Product } from './contract.ts';

export const productPk = (sku: string): string => `PRODUCT#${sku}`;
export const productKey = (sku: string) => ({ pk: productPk(sku), sk: 'PRODUCT' }) as const;
export const stockKey = (sku: string) => ({ pk: productPk(sku), sk: 'STOCK' }) as const;

const ProductItem = z.object({
  sku: z.string(),
  name: z.string(),
  price: z.int(),
  currency: z.string(),
  active: z.boolean(),
  version: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProductRecord = z.infer<typeof ProductItem>;

export const StockItem = z.object({
  available: z.int().default(0),
  reserved: z.int().default(0),
  shipped: z.int().default(0),
  /** Sum of every stock movement ever recorded; the conservation invariant's right-hand side. */
  received: z.int().default(0),
});
export type StockRecord = z.infer<typeof StockItem>;

export interface ProductChange {
  name: string;
  price: number;
  currency: string;
  active?: boolean | undefined;
}

/** Creates or updates a product; `created` tells which. Stock is never touched here. */
export async function upsertProduct(
  sku: string,
  change: ProductChange,
  now: string,
): Promise<{ product: ProductRecord; created: boolean }> {
  const activeExpression = change.active === undefined ? 'if_not_exists(active, :true)' : ':active';
  const result = await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: productKey(sku),
      UpdateExpression: [
        'SET entity = :entity, sku = :sku, #name = :name, price = :price, currency = :currency',
        `active = ${activeExpression}`,
        'createdAt = if_not_exists(createdAt, :now), updatedAt = :now',
        'version = if_not_exists(version, :zero) + :one',
      ].join(', '),
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: {
        ':entity': 'Product',
        ':sku': sku,
        ':name': change.name,
        ':price': change.price,
        ':currency': change.currency,
        ':now': now,
        ':zero': 0,
        ':one': 1,
        ...(change.active === undefined ? { ':true': true } : { ':active': change.active }),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const product = ProductItem.parse(result.Attributes);
  return { product, created: product.version === 1 };
}

/** The product with its stock levels in one Query, or undefined. */
export async function getProductWithStock(sku: string): Promise<Product | undefined> {
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': productPk(sku) },
      ConsistentRead: true,
    }),
  );
  const items = result.Items ?? [];
  const productItem = items.find((i) => i.sk === 'PRODUCT');
  if (!productItem) return undefined;
  const product = ProductItem.parse(productItem);
  const stock = StockItem.parse(items.find((i) => i.sk === 'STOCK') ?? {});
  return {
    ...product,
    stock: { available: stock.available, reserved: stock.reserved, shipped: stock.shipped },
  };
}
