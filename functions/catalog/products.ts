/**
 * Product and stock-level items. This module owns their keys; every access pattern is a named
 * function. A product and its stock share a partition, so one Query reads both; the partition
 * also holds the SKU's stock movements (`MOVEMENT#…`, see movements.ts), which sort before
 * `PRODUCT`, so the product read is a range `PRODUCT`..`STOCK` that never touches them.
 *
 * | item    | pk             | sk        |
 * |---------|----------------|-----------|
 * | product | PRODUCT#<sku>  | PRODUCT   |
 * | stock   | PRODUCT#<sku>  | STOCK     |
 *
 * Stock levels move only through the write builders below, each a `TransactWriteItems` entry for
 * the caller's own transaction, each conditioned so no level can go negative:
 * `available + reserved + shipped` always equals `received`, the sum of the SKU's movements.
 * Returns (RMA) add two counters: `returned` (units that came back from customers) and `scrapped`
 * (returned units written off), so the invariant reads
 * `available + reserved + (shipped − returned) + scrapped = received`, with
 * `0 ≤ scrapped ≤ returned ≤ shipped` (`shipped − returned` is what customers still hold).
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import type { Product } from './contract.ts';

export const productPk = (sku: string): string => `PRODUCT#${sku}`;
export const productKey = (sku: string) => ({ pk: productPk(sku), sk: 'PRODUCT' }) as const;
export const stockKey = (sku: string) => ({ pk: productPk(sku), sk: 'STOCK' }) as const;

/** A product item as stored. */
export const ProductItem = z.object({
  sku: z.string(),
  name: z.string(),
  price: z.int(),
  currency: z.string(),
  active: z.boolean(),
  version: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Replenishment settings (functions/replenishment): set together or not at all. */
  reorderPoint: z.int().optional(),
  reorderQuantity: z.int().optional(),
});
export type ProductRecord = z.infer<typeof ProductItem>;

export const StockItem = z.object({
  available: z.int().default(0),
  reserved: z.int().default(0),
  shipped: z.int().default(0),
  /** Sum of every stock movement ever recorded; the conservation invariant's right-hand side. */
  received: z.int().default(0),
  /** Units received back from customers by returns, restocked or scrapped. */
  returned: z.int().default(0),
  /** Returned units written off instead of restocked (a subset of `returned`). */
  scrapped: z.int().default(0),
});
export type StockRecord = z.infer<typeof StockItem>;

export interface ProductChange {
  name: string;
  price: number;
  currency: string;
  active?: boolean | undefined;
  /** Undefined: unchanged; null: removed. Set together with `reorderQuantity`. */
  reorderPoint?: number | null | undefined;
  reorderQuantity?: number | null | undefined;
}

/** The SET and REMOVE parts for the reorder settings of a product change. */
function reorderExpression(change: ProductChange): { sets: string[]; removes: string[]; values: object } {
  const sets: string[] = [];
  const removes: string[] = [];
  const values: Record<string, number> = {};
  for (const name of ['reorderPoint', 'reorderQuantity'] as const) {
    const value = change[name];
    if (value === null) removes.push(name);
    else if (value !== undefined) {
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
  }
  return { sets, removes, values };
}

/** Creates or updates a product; `created` tells which. Stock is never touched here. */
export async function upsertProduct(
  sku: string,
  change: ProductChange,
  now: string,
): Promise<{ product: ProductRecord; created: boolean }> {
  const activeExpression = change.active === undefined ? 'if_not_exists(active, :true)' : ':active';
  const reorder = reorderExpression(change);
  const result = await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: productKey(sku),
      UpdateExpression:
        [
          'SET entity = :entity, sku = :sku, #name = :name, price = :price, currency = :currency',
          `active = ${activeExpression}`,
          'createdAt = if_not_exists(createdAt, :now), updatedAt = :now',
          'version = if_not_exists(version, :zero) + :one',
          ...reorder.sets,
        ].join(', ') + (reorder.removes.length > 0 ? ` REMOVE ${reorder.removes.join(', ')}` : ''),
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
        ...reorder.values,
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
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :product AND :stock',
      ExpressionAttributeValues: { ':pk': productPk(sku), ':product': 'PRODUCT', ':stock': 'STOCK' },
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
    stock: {
      available: stock.available,
      reserved: stock.reserved,
      shipped: stock.shipped,
      returned: stock.returned,
      scrapped: stock.scrapped,
    },
  };
}

/**
 * Order intake's guard on the catalogue: the product is still active and unchanged since its price
 * and name were read (every product write bumps `version`).
 */
export function productUnchangedCheck(sku: string, version: number): TransactWrite {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: productKey(sku),
      ConditionExpression: 'version = :version AND active = :true',
      ExpressionAttributeValues: { ':version': version, ':true': true },
    },
  };
}

/** Reserves `quantity` for an order: available → reserved, refused when fewer are available. */
export function reserveStockWrite(sku: string, quantity: number, now: string): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(sku),
      UpdateExpression: 'SET available = available - :q, reserved = reserved + :q, updatedAt = :now',
      ConditionExpression: 'available >= :q',
      ExpressionAttributeValues: { ':q': quantity, ':now': now },
    },
  };
}

/** Releases a reservation (cancellation): reserved → available. */
export function releaseStockWrite(sku: string, quantity: number, now: string): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(sku),
      UpdateExpression: 'SET available = available + :q, reserved = reserved - :q, updatedAt = :now',
      ConditionExpression: 'reserved >= :q',
      ExpressionAttributeValues: { ':q': quantity, ':now': now },
    },
  };
}

/** Ships a reservation: reserved → shipped. */
export function shipStockWrite(sku: string, quantity: number, now: string): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(sku),
      UpdateExpression: 'SET reserved = reserved - :q, shipped = shipped + :q, updatedAt = :now',
      ConditionExpression: 'reserved >= :q',
      ExpressionAttributeValues: { ':q': quantity, ':now': now },
    },
  };
}

/**
 * A stock movement's change to the levels: `available` and `received` move by `quantity`, and a
 * removal is refused when fewer are available. No other condition: a movement must never lose a
 * race against orders reserving the same SKU (a receipt during a flash sale has to land).
 */
export function moveStockWrite(sku: string, quantity: number, now: string): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(sku),
      UpdateExpression:
        'SET entity = :entity, sku = :sku, updatedAt = :now, ' +
        'reserved = if_not_exists(reserved, :zero), shipped = if_not_exists(shipped, :zero) ' +
        'ADD available :q, received :q',
      ...(quantity < 0 ? { ConditionExpression: 'available >= :needed' } : {}),
      ExpressionAttributeValues: {
        ':entity': 'Stock',
        ':sku': sku,
        ':now': now,
        ':zero': 0,
        ':q': quantity,
        ...(quantity < 0 ? { ':needed': -quantity } : {}),
      },
    },
  };
}

/**
 * Receives a return's units of one SKU (one write per SKU: a transaction may touch an item once):
 * `restock` units go back to `available`, `scrap` units are written off; both count in `returned`,
 * the scrapped ones in `scrapped` too. `available + reserved + (shipped − returned) + scrapped`
 * does not move, so the invariant holds. `returned ≤ shipped` cannot be a condition (no arithmetic
 * in conditions); it holds by construction: the returns context never lets an order's returns
 * exceed what that order delivered, and delivered units were shipped. The item must exist (a SKU
 * that shipped has one).
 */
export function receiveReturnStockWrite(
  sku: string,
  units: { readonly restock: number; readonly scrap: number },
  now: string,
): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: stockKey(sku),
      UpdateExpression: 'SET updatedAt = :now ADD available :restock, returned :back, scrapped :scrap',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':now': now,
        ':restock': units.restock,
        ':scrap': units.scrap,
        ':back': units.restock + units.scrap,
      },
    },
  };
}

/** The stock levels of a SKU (zero when nothing was ever received), strongly consistent. */
export async function getStockLevels(sku: string): Promise<StockRecord> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: stockKey(sku), ConsistentRead: true }),
  );
  return StockItem.parse(result.Item ?? {});
}
