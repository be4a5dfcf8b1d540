/**
 * Catalogue entries as order intake last read them, per container. Safe because intake never
 * trusts them: every line's transaction item checks that the product is still active at the
 * version that was priced, so a stale entry can only cancel the transaction ('catalogue-changed'),
 * after which intake forgets it and reads the table. Refusals are never based on the cache either
 * (see `placeOrder`). What it buys: the happy path of intake is a single `TransactWriteItems`.
 */
import { ProductItem, type ProductRecord, productKey } from '#functions/catalog/products.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { batchGetItems } from '#shared/transactions.ts';

/** How long an entry is used before it is read again. Correctness does not depend on it. */
export const PRICE_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

const entries = new Map<string, { product: ProductRecord; readAt: number }>();

export interface PricedProducts {
  readonly products: Map<string, ProductRecord>;
  /** True when every entry was read from the table just now. */
  readonly fresh: boolean;
}

/** The products for these SKUs: from the cache where possible unless `fresh`, else from the table. */
export async function productsFor(
  skus: readonly string[],
  options: { fresh: boolean },
): Promise<PricedProducts> {
  const now = Date.now();
  const products = new Map<string, ProductRecord>();
  const missing: string[] = [];
  for (const sku of skus) {
    const entry = options.fresh ? undefined : entries.get(sku);
    if (entry && now - entry.readAt < PRICE_CACHE_TTL_MS) products.set(sku, entry.product);
    else missing.push(sku);
  }
  if (missing.length > 0) {
    const items = await batchGetItems(ddb, tableName, missing.map(productKey));
    for (const item of items) {
      const product = ProductItem.parse(item);
      products.set(product.sku, product);
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(product.sku, { product, readAt: now });
    }
  }
  return { products, fresh: missing.length === skus.length };
}

/** Drops entries a transaction found stale. */
export function forget(skus: readonly string[]): void {
  for (const sku of skus) entries.delete(sku);
}
