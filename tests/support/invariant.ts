/**
 * The conservation invariant (issue 3): for every SKU, `available + reserved + shipped` equals the
 * sum of its stock movements, and no level is ever negative, whatever happened. Returns (issue 10)
 * add `returned` (units back from customers) and `scrapped` (returned units written off):
 * `available + reserved + (shipped − returned) + scrapped = Σ movements`, with
 * `0 ≤ scrapped ≤ returned ≤ shipped`; both are 0 for a SKU never returned. Integration tests
 * read the ledger from the table (`readStockLedger`, which also checks the stored `received`
 * counter against the movement items); end-to-end tests read it over HTTP (`httpStockLedger`).
 */
import { expect } from 'vitest';
import type { ApiClient } from '#infra/local/client.ts';

export interface StockLedger {
  readonly sku: string;
  readonly available: number;
  readonly reserved: number;
  readonly shipped: number;
  /** Units received back by returns (absent: 0). */
  readonly returned?: number;
  /** Returned units written off (absent: 0). */
  readonly scrapped?: number;
  /** The stock item's running total of movements, when the reader can see it. */
  readonly received?: number;
  /** Every movement's signed quantity. */
  readonly movements: readonly number[];
}

/** Asserts the invariant and returns the ledger's totals for further checks. */
export function expectStockConserved(ledger: StockLedger): { onHand: number; movedIn: number } {
  const { sku, available, reserved, shipped, received, movements } = ledger;
  const returned = ledger.returned ?? 0;
  const scrapped = ledger.scrapped ?? 0;
  const movedIn = movements.reduce((sum, q) => sum + q, 0);
  const onHand = available + reserved + (shipped - returned) + scrapped;
  expect(available, `${sku}: available`).toBeGreaterThanOrEqual(0);
  expect(reserved, `${sku}: reserved`).toBeGreaterThanOrEqual(0);
  expect(shipped, `${sku}: shipped`).toBeGreaterThanOrEqual(0);
  expect(scrapped, `${sku}: scrapped`).toBeGreaterThanOrEqual(0);
  expect(returned, `${sku}: returned ≥ scrapped`).toBeGreaterThanOrEqual(scrapped);
  expect(returned, `${sku}: returned ≤ shipped`).toBeLessThanOrEqual(shipped);
  expect(onHand, `${sku}: available + reserved + (shipped − returned) + scrapped = Σ movements`).toBe(
    movedIn,
  );
  if (received !== undefined) expect(received, `${sku}: received counter = Σ movements`).toBe(movedIn);
  return { onHand, movedIn };
}

/** The ledger over HTTP, as staff: the product's levels and every movement, page by page. */
export async function httpStockLedger(api: ApiClient, staffToken: string, sku: string): Promise<StockLedger> {
  const product = await api.request<{
    stock: { available: number; reserved: number; shipped: number; returned: number; scrapped: number };
  }>('GET', `/products/${sku}`, { token: staffToken });
  expect(product.status, `GET /products/${sku}`).toBe(200);
  const movements: number[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page = await api.request<{ items: { quantity: number }[]; nextCursor: string | null }>(
      'GET',
      `/products/${sku}/stock-movements${query}`,
      { token: staffToken },
    );
    expect(page.status, `GET /products/${sku}/stock-movements`).toBe(200);
    movements.push(...page.body.items.map((m) => m.quantity));
    cursor = page.body.nextCursor;
  } while (cursor);
  return { sku, ...product.body.stock, movements };
}
