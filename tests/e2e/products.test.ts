import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let customer: string;

beforeAll(async () => {
  staff = await api.token('staff-e2e', ['staff']);
  customer = await api.token('customer-e2e');
});

describe('Local runtime: products', () => {
  it('staff create (201) then update (200) a product; anyone signed in reads it with stock', async () => {
    const sku = uniqueId('SKU');
    const created = await api.request('PUT', `/products/${sku}`, {
      token: staff,
      body: { name: 'Red shirt', price: 1999, currency: 'EUR' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      sku,
      name: 'Red shirt',
      price: 1999,
      currency: 'EUR',
      active: true,
      version: 1,
    });

    const updated = await api.request('PUT', `/products/${sku}`, {
      token: staff,
      body: { name: 'Red shirt v2', price: 2499, currency: 'EUR', active: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: 2, active: false, price: 2499 });

    const read = await api.request('GET', `/products/${sku}`, { token: customer });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      sku,
      name: 'Red shirt v2',
      stock: { available: 0, reserved: 0, shipped: 0 },
    });
  });

  it('answers 404 problem+json for an unknown SKU', async () => {
    const res = await api.request('GET', `/products/${uniqueId('NONE')}`, { token: customer });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it.each([
    [
      'malformed JSON',
      { rawBody: '{"name": "x",', headers: { 'content-type': 'application/json' } },
      'MALFORMED_JSON',
    ],
    [
      'an unknown field',
      { body: { name: 'x', price: 1, currency: 'EUR', colour: 'red' } },
      'VALIDATION_FAILED',
    ],
    ['a wrong type', { body: { name: 'x', price: '12.00', currency: 'EUR' } }, 'VALIDATION_FAILED'],
    ['a fractional price', { body: { name: 'x', price: 12.5, currency: 'EUR' } }, 'VALIDATION_FAILED'],
    ['an unknown currency', { body: { name: 'x', price: 1, currency: 'XYZ' } }, 'VALIDATION_FAILED'],
    ['a missing field', { body: { name: 'x', currency: 'EUR' } }, 'VALIDATION_FAILED'],
  ])('refuses %s with 400 %s and writes nothing', async (_what, options, code) => {
    const sku = uniqueId('BAD');
    const res = await api.request('PUT', `/products/${sku}`, { token: staff, ...options });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({
      code,
      status: 400,
      type: expect.any(String),
      title: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.ts:\d+/);
    expect((await api.request('GET', `/products/${sku}`, { token: staff })).status).toBe(404);
  });

  it('names each invalid field in `errors`', async () => {
    const res = await api.request('PUT', `/products/${uniqueId('BAD')}`, {
      token: staff,
      body: { name: '', price: -1, currency: 'EUR', extra: 1 },
    });
    expect(res.body).toMatchObject({
      errors: expect.arrayContaining([
        { path: 'body.name', message: expect.any(String) },
        { path: 'body.price', message: expect.any(String) },
        { path: 'body.extra', message: 'Unknown field' },
      ]),
    });
  });

  it('refuses an invalid SKU in the path', async () => {
    const res = await api.request('PUT', '/products/has%20space', {
      token: staff,
      body: { name: 'x', price: 1, currency: 'EUR' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'params.sku' }] });
  });

  it('answers 401 without a token or with a forged one, and 403 when a customer writes', async () => {
    const sku = uniqueId('AUTH');
    const body = { name: 'x', price: 1, currency: 'EUR' };
    const anonymous = await api.request('PUT', `/products/${sku}`, { body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'UNAUTHORIZED' });
    const forged = await api.request('GET', `/products/${sku}`, { token: `${customer.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);
    const asCustomer = await api.request('PUT', `/products/${sku}`, { token: customer, body });
    expect(asCustomer.status).toBe(403);
    expect(asCustomer.body).toMatchObject({ code: 'FORBIDDEN' });
  });
});
