import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { expectStockConserved, httpStockLedger } from '../support/invariant.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let customer: string;

beforeAll(async () => {
  staff = await api.token('staff-stock-e2e', ['staff']);
  customer = await api.token('customer-stock-e2e');
});

const move = (sku: string, body: unknown, options: { token?: string; key?: string } = {}) =>
  api.request<Record<string, unknown>>('POST', `/products/${sku}/stock-movements`, {
    token: options.token ?? staff,
    body,
    ...(options.key ? { headers: { 'idempotency-key': options.key } } : {}),
  });

async function newProduct(): Promise<string> {
  const sku = uniqueId('MOVE');
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staff,
    body: { name: 'Shelf', price: 4500, currency: 'EUR' },
  });
  expect(put.status).toBe(201);
  return sku;
}

describe('Local runtime: stock movements', () => {
  it('records receipts, adjustments and counts with reason, who and when; refuses going below zero', async () => {
    const sku = await newProduct();

    const receipt = await move(sku, { quantity: 20, reason: 'receipt', note: 'PO 17' });
    expect(receipt.status).toBe(201);
    expect(receipt.body).toMatchObject({
      sku,
      stock: { available: 20, reserved: 0, shipped: 0 },
      movement: { sku, quantity: 20, reason: 'receipt', note: 'PO 17', by: 'staff-stock-e2e' },
    });

    expect((await move(sku, { quantity: -3, reason: 'adjustment' })).body).toMatchObject({
      stock: { available: 17 },
    });
    expect((await move(sku, { quantity: -2, reason: 'count' })).body).toMatchObject({
      stock: { available: 15 },
    });

    const overdraw = await move(sku, { quantity: -16, reason: 'adjustment' });
    expect(overdraw.status).toBe(409);
    expect(overdraw.body).toMatchObject({ code: 'OUT_OF_STOCK', skus: [sku] });

    const product = await api.request('GET', `/products/${sku}`, { token: customer });
    expect(product.body).toMatchObject({ stock: { available: 15, reserved: 0, shipped: 0 } });

    const list = await api.request<{ items: { quantity: number; reason: string }[] }>(
      'GET',
      `/products/${sku}/stock-movements`,
      { token: staff },
    );
    expect(list.status).toBe(200);
    expect(list.body.items.map((m) => [m.quantity, m.reason])).toEqual([
      [-2, 'count'],
      [-3, 'adjustment'],
      [20, 'receipt'],
    ]);
    expectStockConserved(await httpStockLedger(api, staff, sku));
  });

  it('answers a retry with the same Idempotency-Key with the first movement; another body gets 422', async () => {
    const sku = await newProduct();
    const key = crypto.randomUUID();
    const first = await move(sku, { quantity: 5, reason: 'receipt' }, { key });
    const retry = await move(sku, { quantity: 5, reason: 'receipt' }, { key });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const reused = await move(sku, { quantity: 6, reason: 'receipt' }, { key });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expectStockConserved(await httpStockLedger(api, staff, sku));
  });

  it('refuses bad input (400), customers (403) and unknown SKUs (404)', async () => {
    const sku = await newProduct();
    const zero = await move(sku, { quantity: 0, reason: 'count' });
    expect(zero.status).toBe(400);
    const negativeReceipt = await move(sku, { quantity: -1, reason: 'receipt' });
    expect(negativeReceipt.status).toBe(400);
    expect(negativeReceipt.body).toMatchObject({ errors: [{ path: 'body.quantity' }] });
    expect((await move(sku, { quantity: 1, reason: 'receipt' }, { token: customer })).status).toBe(403);
    const ghost = await move(uniqueId('GHOST'), { quantity: 1, reason: 'receipt' });
    expect(ghost.status).toBe(404);
    expect(
      (await api.request('GET', `/products/${uniqueId('GHOST')}/stock-movements`, { token: staff })).status,
    ).toBe(404);
  });
});
