/** Catalogue set-up shared by e2e files: a product created and stocked over HTTP, each step checked. */
import { expect } from 'vitest';
import type { ApiClient } from '#infra/local/client.ts';

export interface StockedProduct {
  readonly sku: string;
  readonly name: string;
  /** Minor units. */
  readonly price: number;
  readonly currency?: string;
  /** Units received into stock. */
  readonly quantity: number;
}

/** `PUT /products/{sku}` then a `receipt` stock movement, as staff; fails the test on any other answer. */
export async function stockedProduct(
  api: ApiClient,
  staffToken: string,
  product: StockedProduct,
): Promise<void> {
  const { sku, name, price, currency = 'EUR', quantity } = product;
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staffToken,
    body: { name, price, currency },
  });
  expect(put.status).toBe(201);
  const received = await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staffToken,
    body: { quantity, reason: 'receipt' },
  });
  expect(received.status).toBe(201);
}
