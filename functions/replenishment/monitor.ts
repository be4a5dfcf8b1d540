/**
 * The low-stock monitor: after any event that moves a SKU's `available` (an order placed or
 * cancelled, a stock movement, a return restocked), it reads the SKU's product, stock and
 * replenishment state and moves the state when the stock crossed the reorder point:
 *
 * - OK → LOW (`available <= reorderPoint`): the state, a suggestion for `reorderQuantity` and
 *   `StockLow`, in one transaction whose state condition (not LOW yet) lets exactly one of any
 *   number of concurrent deliveries win. The losers' transactions are cancelled; the consumer
 *   framework runs them again, they read LOW and write nothing but their marker.
 * - LOW → OK (`available > reorderPoint`, typically after a receipt): the state only, so that the
 *   next crossing raises a suggestion again.
 *
 * Each transition also checks the stock level in its transaction, so it only commits if the level
 * is still on the side it was read on.
 *
 * Why after the fact and not in the order's transaction: intake's conditions are on `available`, and
 * a transaction cannot read what it writes, so it cannot know whether it is the order that crosses
 * the reorder point without reading first and conditioning on the level read — which would make
 * every order of a flash sale conflict on the exact level and retry. Intake would also have to read
 * the reorder state, adding an item to every order's transaction for what happens once per
 * crossing. Detected here, the order path is unchanged and the cost is one read per SKU per event.
 */

import { monotonicFactory } from 'ulid';
import type { ConsumerTx } from '#events/consumer.ts';
import { ProductItem, productKey, StockItem, stockKey } from '#functions/catalog/products.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { logger } from '#shared/observability.ts';
import {
  batchGetItems,
  MAX_BATCH_GET_KEYS,
  MAX_TRANSACT_ITEMS,
  type TransactWrite,
  transactWrite,
} from '#shared/transactions.ts';
import {
  clearLowWrites,
  markLowWrites,
  ReorderState,
  type Replenishment,
  reorderStateKey,
} from './replenishments.ts';
import { levelDecision } from './rules.ts';

const nextId = monotonicFactory();

/** Keys read per SKU: product, stock and replenishment state. */
const KEYS_PER_SKU = 3;
/** Writes the framework's transaction may hold besides its marker. */
const MAX_HANDLER_WRITES = MAX_TRANSACT_ITEMS - 1;

interface SkuReading {
  readonly sku: string;
  readonly reorderPoint: number | undefined;
  readonly reorderQuantity: number | undefined;
  readonly available: number;
  readonly low: boolean;
}

/** Product, stock and state of each SKU, strongly consistent, in as few `BatchGetItem`s as fit. */
async function readSkus(skus: readonly string[]): Promise<SkuReading[]> {
  const perBatch = Math.floor(MAX_BATCH_GET_KEYS / KEYS_PER_SKU);
  const readings: SkuReading[] = [];
  for (let i = 0; i < skus.length; i += perBatch) {
    const batch = skus.slice(i, i + perBatch);
    const items = await batchGetItems(
      ddb,
      tableName,
      batch.flatMap((sku) => [productKey(sku), stockKey(sku), reorderStateKey(sku)]),
    );
    const find = (key: { pk: string; sk: string }) =>
      items.find((it) => it.pk === key.pk && it.sk === key.sk);
    for (const sku of batch) {
      const productItem = find(productKey(sku));
      const product = productItem ? ProductItem.parse(productItem) : undefined;
      const stock = StockItem.parse(find(stockKey(sku)) ?? {});
      const stateItem = find(reorderStateKey(sku));
      const state = stateItem ? ReorderState.parse(stateItem) : undefined;
      readings.push({
        sku,
        reorderPoint: product?.reorderPoint,
        reorderQuantity: product?.reorderQuantity,
        available: stock.available,
        low: state?.status === 'LOW',
      });
    }
  }
  return readings;
}

/** The writes of one SKU's transition, if it has one. */
function transitionWrites(reading: SkuReading, tx: ConsumerTx): TransactWrite[] {
  const decision = levelDecision(reading);
  if (decision === 'clear') {
    logger.info('stock back above the reorder point: replenishment state cleared', {
      sku: reading.sku,
      available: reading.available,
      reorderPoint: reading.reorderPoint,
    });
    return clearLowWrites(reading.sku, reading.reorderPoint, tx.now);
  }
  if (decision !== 'low' || reading.reorderPoint === undefined) return [];
  const suggestion: Replenishment = {
    id: nextId(),
    sku: reading.sku,
    status: 'open',
    // Both are set together (the product contract); 1 is the floor should an item lack it.
    suggestedQuantity: reading.reorderQuantity ?? 1,
    reorderPoint: reading.reorderPoint,
    available: reading.available,
    createdAt: tx.now,
    updatedAt: tx.now,
  };
  logger.info('stock at or below the reorder point: raising a replenishment suggestion', {
    sku: reading.sku,
    available: reading.available,
    reorderPoint: reading.reorderPoint,
    replenishmentId: suggestion.id,
  });
  return [
    ...markLowWrites(suggestion, tx.now),
    tx.emit('StockLow', {
      sku: suggestion.sku,
      replenishmentId: suggestion.id,
      available: suggestion.available,
      reorderPoint: suggestion.reorderPoint,
      suggestedQuantity: suggestion.suggestedQuantity,
      detectedAt: tx.now,
    }),
  ];
}

/**
 * Re-evaluates these SKUs and returns the writes of their transitions for the consumer's
 * transaction. Nearly always that is nothing or one SKU's few writes. When an event touches more
 * SKUs crossing at once than one transaction holds, the earlier groups commit here on their own:
 * safe, because every transition is conditioned on the state and level it was decided on, so a
 * redelivery re-evaluates rather than repeats (and a group cancelled here fails the delivery, which
 * is retried on fresh state).
 */
export async function evaluateSkus(
  skus: readonly string[],
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const readings = await readSkus([...new Set(skus)]);
  const groups: TransactWrite[][] = [[]];
  for (const reading of readings) {
    const writes = transitionWrites(reading, tx);
    if (writes.length === 0) continue;
    if (groups.at(-1)!.length + writes.length > MAX_HANDLER_WRITES) groups.push([]);
    groups.at(-1)!.push(...writes);
  }
  for (const group of groups.slice(0, -1)) {
    const outcome = await transactWrite(
      ddb,
      group.map((write, i) => ({ write, tag: i })),
    );
    if (!outcome.ok) throw new Error('Replenishment state moved while this event was applied; retrying');
  }
  return groups.at(-1)!;
}
