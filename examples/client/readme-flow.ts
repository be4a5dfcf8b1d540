/**
 * The README's walk-through (a product, its stock, an order with an Idempotency-Key, the retry,
 * reading, listing and cancelling it, the sales report) written against a client generated from
 * `GET /openapi.json` with openapi-typescript's default flags and called through openapi-fetch.
 *
 * `storeline-api` is the generated module: tests/e2e/generated-client.test.ts generates it from
 * the live document, type-checks this file against it with the project's tsc (this file is outside
 * the project's tsconfig on purpose, since the types do not exist until then), and runs it. To try
 * it by hand: `npx openapi-typescript http://localhost:3000/openapi.json -o storeline-api.d.ts`.
 *
 * Every response, success or error, is recorded with the path template it answered, so the test
 * can validate each body against the document's own schema.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from 'storeline-api';

export interface Exchange {
  readonly method: string;
  /** The path template (`/orders/{id}`), as in the document. */
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

export interface FlowOptions {
  readonly baseUrl: string;
  readonly staffToken: string;
  readonly customerToken: string;
  /** A SKU no other test uses. */
  readonly sku: string;
  readonly idempotencyKey: string;
}

type Order = components['schemas']['Order'];

export interface FlowResult {
  readonly exchanges: readonly Exchange[];
  readonly placed: Order;
  readonly retried: Order;
  readonly listed: readonly string[];
  readonly cancelled: Order;
  /** Read from typed problem members: a client needs no cast for them. */
  readonly outOfStockSkus: readonly string[];
  readonly reusedKeyOrderId: string | undefined;
  readonly invalidStateCode: string;
  readonly validationPaths: readonly string[];
  readonly reportOrders: number;
}

function fail(what: string, result: { error?: unknown; response: Response }): never {
  throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
}

export async function readmeFlow(options: FlowOptions): Promise<FlowResult> {
  const exchanges: Exchange[] = [];
  const recorder: Middleware = {
    async onResponse({ request, response, schemaPath }) {
      const text = await response.clone().text();
      exchanges.push({
        method: request.method.toLowerCase(),
        path: schemaPath,
        status: response.status,
        contentType: (response.headers.get('content-type') ?? '').split(';')[0] ?? '',
        body: text === '' ? undefined : JSON.parse(text),
      });
    },
  };
  const staff = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.staffToken}` },
  });
  const customer = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.customerToken}` },
  });
  staff.use(recorder);
  customer.use(recorder);
  const sku = { path: { sku: options.sku } };

  // README: the product, as staff.
  const product = await staff.PUT('/products/{sku}', {
    params: sku,
    body: { name: 'Red T-shirt (M)', price: 1999, currency: 'EUR' },
  });
  if (!product.data) fail('PUT product', product);

  // README: 50 received.
  const stock = await staff.POST('/products/{sku}/stock-movements', {
    params: sku,
    body: { quantity: 50, reason: 'receipt' },
  });
  if (!stock.data) fail('stock movement', stock);

  // README: the first order, exactly the README's body (no `channel`: it defaults to web).
  const body = {
    lines: [{ sku: options.sku, quantity: 2 }],
    shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'London', postalCode: 'N1', country: 'GB' },
  };
  const key = { header: { 'Idempotency-Key': options.idempotencyKey } };
  const placed = await customer.POST('/orders', { params: key, body });
  if (!placed.data) fail('place order', placed);
  const retried = await customer.POST('/orders', { params: key, body });
  if (!retried.data) fail('retry order', retried);

  // The same key with another body: refused, naming the order the key made.
  const reused = await customer.POST('/orders', {
    params: key,
    body: { ...body, lines: [{ sku: options.sku, quantity: 3 }] },
  });
  const reusedProblem = reused.error && 'code' in reused.error ? reused.error : undefined;
  const reusedKeyOrderId =
    reusedProblem?.code === 'IDEMPOTENCY_KEY_REUSED' ? reusedProblem.orderId : undefined;

  // More than there is: 409 naming the SKU.
  const short = await customer.POST('/orders', {
    params: { header: { 'Idempotency-Key': `${options.idempotencyKey}-short` } },
    body: { ...body, lines: [{ sku: options.sku, quantity: 1000 }] },
  });
  const shortProblem = short.error && 'code' in short.error ? short.error : undefined;
  const outOfStockSkus = shortProblem?.code === 'OUT_OF_STOCK' ? shortProblem.skus : [];

  const read = await customer.GET('/orders/{id}', { params: { path: { id: placed.data.id } } });
  if (!read.data) fail('read order', read);

  const list = await customer.GET('/orders', { params: { query: { limit: 10 } } });
  if (!list.data) fail('list orders', list);

  // A limit out of range: 400 with one entry per field.
  const badList = await customer.GET('/orders', { params: { query: { limit: 0 } } });
  const badProblem = badList.error && 'code' in badList.error ? badList.error : undefined;
  const validationPaths =
    badProblem?.code === 'VALIDATION_FAILED' ? badProblem.errors.map((e) => e.path) : [];

  const cancelled = await customer.POST('/orders/{id}/cancel', { params: { path: { id: placed.data.id } } });
  if (!cancelled.data) fail('cancel order', cancelled);
  const again = await customer.POST('/orders/{id}/cancel', { params: { path: { id: placed.data.id } } });
  const invalidStateCode = again.error && 'code' in again.error ? again.error.code : '';

  // README: the sales report, as staff, for the day the order was placed.
  const day = placed.data.placedAt.slice(0, 10);
  const report = await staff.GET('/reports/sales', { params: { query: { from: day, to: day } } });
  if (!report.data) fail('sales report', report);

  return {
    exchanges,
    placed: placed.data,
    retried: retried.data,
    listed: list.data.items.map((o) => o.id),
    cancelled: cancelled.data,
    outOfStockSkus,
    reusedKeyOrderId,
    invalidStateCode,
    validationPaths,
    reportOrders: report.data.totals.orders,
  };
}
