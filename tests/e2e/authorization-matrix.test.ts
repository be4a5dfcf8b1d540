/**
 * The authorisation matrix (`functions/authorization.ts`) walked route by route against the shared
 * local runtime: every route without a token, every staff route with a customer's token, every
 * customer-self route with another customer's token on customer A's resources, with the owner's and
 * with staff's. One request table covers every operationId (the type and a test make a missing
 * route fail). Requests run 8 at a time, one per function at a time.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type authorizationMatrix,
  authorizationOf,
  type RouteAuthorization,
} from '#functions/authorization.ts';
import { routeContracts } from '#functions/routes.ts';
import { type ApiResponse, apiClient, uniqueId } from '#infra/local/client.ts';
import { allRoutes } from '#infra/topology.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
const functionOf = new Map(allRoutes().map(({ functionName, route }) => [route.operationId, functionName]));
type OperationId = keyof typeof authorizationMatrix;

/** Customer A's resources (and a few of staff's), made once. */
interface Fixtures {
  readonly a: string;
  readonly sku: string;
  readonly order: string;
  readonly invoice: string;
  readonly ret: string;
  readonly ticket: string;
  readonly coupon: string;
  readonly lead: string;
  readonly opportunity: string;
  readonly purchaseOrder: string;
  readonly campaign: string;
}

interface Call {
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

const key = () => ({ 'idempotency-key': crypto.randomUUID() });
const address = { name: 'Ada', line1: '1 Main St', city: 'London', postalCode: 'N1', country: 'GB' };
const FAR = '2099-01-01T00:00:00Z';
const SEGMENT = 'authz-matrix';

/** One request per route, on customer A's resources where the route has an owner. */
const calls: Readonly<Record<OperationId, (f: Fixtures) => Call>> = {
  getHealth: () => ({ path: '/health' }),
  getOpenApi: () => ({ path: '/openapi.json' }),
  putProduct: (f) => ({ path: `/products/${f.sku}`, body: { name: 'Matrix', price: 1000, currency: 'EUR' } }),
  getProduct: (f) => ({ path: `/products/${f.sku}` }),
  recordStockMovement: (f) => ({
    path: `/products/${f.sku}/stock-movements`,
    body: { quantity: 1, reason: 'receipt' },
  }),
  listStockMovements: (f) => ({ path: `/products/${f.sku}/stock-movements` }),
  placeOrder: (f) => ({
    path: '/orders',
    headers: key(),
    body: { lines: [{ sku: f.sku, quantity: 1 }], shippingAddress: address, customerId: f.a },
  }),
  getOrder: (f) => ({ path: `/orders/${f.order}` }),
  listOrders: (f) => ({ path: `/orders?customerId=${f.a}` }),
  cancelOrder: (f) => ({ path: `/orders/${f.order}/cancel` }),
  shipOrder: (f) => ({ path: `/orders/${f.order}/ship`, body: { carrier: 'DHL', trackingNumber: '123' } }),
  deliverOrder: (f) => ({ path: `/orders/${f.order}/deliver` }),
  getSalesReport: () => ({ path: '/reports/sales?from=2026-01-01&to=2026-01-02' }),
  getServiceDeskReport: () => ({ path: '/reports/service-desk' }),
  getCustomerReport: () => ({ path: '/reports/customers' }),
  getCustomerTimeline: (f) => ({ path: `/customers/${f.a}/timeline` }),
  createCustomer: () => ({
    path: '/customers',
    body: { email: `${uniqueId('m').toLowerCase()}@example.com`, name: 'Matrix' },
  }),
  getCustomer: (f) => ({ path: `/customers/${f.a}` }),
  listCustomers: () => ({ path: '/customers?email=nobody@example.com' }),
  updateCustomer: (f) => ({
    path: `/customers/${f.a}`,
    body: { name: 'Ada L' },
    headers: { 'if-match': '"1"' },
  }),
  logInteraction: (f) => ({ path: `/customers/${f.a}/interactions`, body: { kind: 'call', body: 'Hi' } }),
  addCustomerNote: (f) => ({ path: `/customers/${f.a}/notes`, body: { kind: 'note', body: 'Hi' } }),
  listInteractions: (f) => ({ path: `/customers/${f.a}/interactions` }),
  exportCustomer: (f) => ({ path: `/customers/${f.a}/export` }),
  // Staff may erase anyone: a customer nobody has, so the walk erases nothing it needs (404 is fine).
  eraseCustomer: () => ({ path: `/customers/matrix-erase-${crypto.randomUUID()}/erase`, headers: key() }),
  openReturn: (f) => ({
    path: `/orders/${f.order}/returns`,
    body: { lines: [{ sku: f.sku, quantity: 1 }], reason: 'Too small' },
  }),
  listOrderReturns: (f) => ({ path: `/orders/${f.order}/returns` }),
  getReturn: (f) => ({ path: `/returns/${f.ret}` }),
  approveReturn: (f) => ({ path: `/returns/${f.ret}/approve` }),
  rejectReturn: (f) => ({ path: `/returns/${f.ret}/reject` }),
  receiveReturn: (f) => ({
    path: `/returns/${f.ret}/receive`,
    body: { lines: [{ sku: f.sku, quantity: 1, disposition: 'restock' }] },
  }),
  createLead: () => ({ path: '/leads', body: { name: 'Grace', company: 'Cobol', source: 'matrix' } }),
  getLead: (f) => ({ path: `/leads/${f.lead}` }),
  listLeads: () => ({ path: '/leads' }),
  convertLead: (f) => ({
    path: `/leads/${f.lead}/convert`,
    body: { name: 'Again', amount: 100, currency: 'EUR', expectedCloseDate: '2099-06-30' },
  }),
  getOpportunity: (f) => ({ path: `/opportunities/${f.opportunity}` }),
  updateOpportunity: (f) => ({
    path: `/opportunities/${f.opportunity}`,
    body: { stage: 'proposal' },
    headers: { 'if-match': '"1"' },
  }),
  listOpportunities: () => ({ path: '/opportunities' }),
  logLeadActivity: (f) => ({ path: `/leads/${f.lead}/activities`, body: { kind: 'note', body: 'Hi' } }),
  listLeadActivities: (f) => ({ path: `/leads/${f.lead}/activities` }),
  logOpportunityActivity: (f) => ({
    path: `/opportunities/${f.opportunity}/activities`,
    body: { kind: 'note', body: 'Hi' },
  }),
  listOpportunityActivities: (f) => ({ path: `/opportunities/${f.opportunity}/activities` }),
  getPipelineReport: () => ({ path: '/reports/pipeline' }),
  receiveMarketingWebhook: () => ({
    path: '/webhooks/marketing',
    body: { id: 'evt_matrix', type: 'contact.unsubscribed', data: { email: 'ada@example.com' } },
  }),
  getInvoice: (f) => ({ path: `/invoices/${f.invoice}` }),
  listInvoices: (f) => ({ path: `/invoices?orderId=${f.order}` }),
  listReplenishments: () => ({ path: '/replenishments' }),
  dismissReplenishment: () => ({ path: '/replenishments/01ARZ3NDEKTSV4RRFFQ69G5FAV/dismiss' }),
  createPurchaseOrder: (f) => ({
    path: '/purchase-orders',
    body: { supplier: 'Acme', currency: 'EUR', lines: [{ sku: f.sku, quantity: 5, unitCost: 100 }] },
  }),
  getPurchaseOrder: (f) => ({ path: `/purchase-orders/${f.purchaseOrder}` }),
  listPurchaseOrders: () => ({ path: '/purchase-orders' }),
  sendPurchaseOrder: (f) => ({ path: `/purchase-orders/${f.purchaseOrder}/send` }),
  cancelPurchaseOrder: (f) => ({ path: `/purchase-orders/${f.purchaseOrder}/cancel` }),
  receivePurchaseOrder: (f) => ({
    path: `/purchase-orders/${f.purchaseOrder}/receipts`,
    body: { lines: [{ sku: f.sku, quantity: 1 }] },
  }),
  sendReceipt: (f) => ({ path: `/invoices/${f.invoice}/send` }),
  getCustomerLoyalty: (f) => ({ path: `/customers/${f.a}/loyalty` }),
  // An invalid rule: staff get 400, never a segment (their number is capped for the whole runtime).
  putSegment: () => ({ path: `/segments/${SEGMENT}`, body: { name: 'Matrix' } }),
  getSegment: () => ({ path: `/segments/${SEGMENT}` }),
  listSegments: () => ({ path: '/segments' }),
  listSegmentMembers: () => ({ path: `/segments/${SEGMENT}/members` }),
  putCoupon: (f) => ({ path: `/coupons/${f.coupon}`, body: { kind: 'percent', value: 10 } }),
  getCoupon: (f) => ({ path: `/coupons/${f.coupon}` }),
  listCouponRedemptions: (f) => ({ path: `/coupons/${f.coupon}/redemptions` }),
  redeemCoupon: (f) => ({
    path: `/coupons/${f.coupon}/redemptions`,
    headers: key(),
    body: { subtotal: 5000, currency: 'EUR', customerId: f.a },
  }),
  createTicket: (f) => ({
    path: '/tickets',
    body: {
      type: 'incident',
      subject: 'Where is it',
      description: 'Nothing here',
      priority: 'normal',
      customerId: f.a,
    },
  }),
  listMyTickets: () => ({ path: '/tickets/mine' }),
  listTickets: () => ({ path: '/tickets' }),
  getTicket: (f) => ({ path: `/tickets/${f.ticket}` }),
  updateTicket: (f) => ({ path: `/tickets/${f.ticket}`, body: { priority: 'high' } }),
  commentOnTicket: (f) => ({ path: `/tickets/${f.ticket}/comments`, body: { body: 'Any news?' } }),
  addChecklistItem: (f) => ({ path: `/tickets/${f.ticket}/checklist`, body: { text: 'Back up' } }),
  tickChecklistItem: (f) => ({ path: `/tickets/${f.ticket}/checklist/item-1`, body: { done: true } }),
  approveChange: (f) => ({ path: `/tickets/${f.ticket}/approval` }),
  createCampaign: () => ({
    path: '/campaigns',
    body: {
      name: 'Matrix',
      channel: 'email',
      segmentId: SEGMENT,
      subject: 'Hi',
      template: 'Hello {{name}}',
      sendAt: FAR,
    },
  }),
  getCampaign: (f) => ({ path: `/campaigns/${f.campaign}` }),
  listCampaigns: () => ({ path: '/campaigns' }),
  cancelCampaign: (f) => ({ path: `/campaigns/${f.campaign}/cancel` }),
};

const routes = routeContracts.map((route) => ({
  route,
  auth: authorizationOf(route.operationId) as RouteAuthorization,
  // Undefined for a route this file does not know yet: the first test names it.
  call: calls[route.operationId as OperationId] as (f: Fixtures) => Call,
}));

let fx: Fixtures;
let staff: string;
let tokenA: string;
let tokenB: string;
const b = uniqueId('matrix-b').toLowerCase();

async function ok<T>(res: Promise<ApiResponse<T>>, status: number, what: string): Promise<T> {
  const r = await res;
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(status);
  return r.body;
}

/**
 * Runs `work` over `items`, `limit` at a time, keeping order, and one item per function at a time:
 * each function then needs one warm container, not one per concurrent request (cold starts pile up
 * on a loaded 2-core machine until the gateway's 30 s integration timeout answers 503).
 */
async function pool<T extends { route: { operationId: string } }, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  const byFunction = new Map<string, number[]>();
  items.forEach((item, i) => {
    const name = functionOf.get(item.route.operationId) ?? item.route.operationId;
    byFunction.set(name, [...(byFunction.get(name) ?? []), i]);
  });
  const queues = [...byFunction.values()].sort((a, b) => b.length - a.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, queues.length) }, async () => {
    for (let q = next++; q < queues.length; q = next++)
      for (const i of queues[q] ?? []) out[i] = await work(items[i] as T);
  });
  await Promise.all(lanes);
  return out;
}

type Row = (typeof routes)[number];
const send = (row: Row, token: string | undefined) => {
  const c = row.call(fx);
  return api.request<{ code?: string; items?: { id: string }[] }>(row.route.method, c.path, {
    ...(token ? { token } : {}),
    ...(c.body === undefined ? {} : { body: c.body }),
    ...(c.headers ? { headers: c.headers } : {}),
  });
};

/** Every row's answer as `operationId status code`, so a failure lists every wrong route at once. */
async function walk(rows: readonly Row[], token: string | undefined) {
  const answers = await pool(rows, 8, (row) => send(row, token));
  return rows.map((row, i) => ({ row, res: answers[i] as Awaited<ReturnType<typeof send>> }));
}

/** A 5xx names its body too: the problem's `detail` quotes the request id to find in the runtime's log. */
const line = ({ row, res }: { row: Row; res: { status: number; body: { code?: string } } }) =>
  `${row.route.operationId} ${res.status} ${res.body?.code ?? ''}${res.status >= 500 ? ` ${JSON.stringify(res.body)}` : ''}`.trim();

beforeAll(async () => {
  const customerA = uniqueId('matrix-a').toLowerCase();
  staff = await api.token('staff-matrix-e2e', ['staff']);
  const created = await ok(
    api.request<{ id: string }>('POST', '/customers', {
      token: staff,
      body: { email: `${customerA}@example.com`, name: 'Ada Matrix' },
    }),
    201,
    'customer A',
  );
  const a = created.id;
  [tokenA, tokenB] = await Promise.all([api.token(a), api.token(b)]);

  const sku = uniqueId('MATRIX');
  await ok(
    api.request('PUT', `/products/${sku}`, {
      token: staff,
      body: { name: 'M', price: 1000, currency: 'EUR', reorderPoint: 1, reorderQuantity: 10 },
    }),
    201,
    'product',
  );
  await ok(
    api.request('POST', `/products/${sku}/stock-movements`, {
      token: staff,
      body: { quantity: 100, reason: 'receipt' },
    }),
    201,
    'stock',
  );
  const order = await ok(
    api.request<{ id: string }>('POST', '/orders', {
      token: tokenA,
      headers: key(),
      body: { lines: [{ sku, quantity: 3 }], shippingAddress: address },
    }),
    201,
    'order',
  );
  await ok(
    api.request('POST', `/orders/${order.id}/ship`, {
      token: staff,
      body: { carrier: 'DHL', trackingNumber: '1' },
    }),
    200,
    'ship',
  );
  await ok(api.request('POST', `/orders/${order.id}/deliver`, { token: staff }), 200, 'deliver');
  const coupon = uniqueId('MATRIX');
  // One segment for the campaign, always the same id: segments are capped for the whole runtime.
  const segment = await api.request('PUT', `/segments/${SEGMENT}`, {
    token: staff,
    body: { name: 'Matrix', rule: { all: [{ fact: 'consent', channel: 'email', granted: true }] } },
  });
  expect([200, 201], JSON.stringify(segment.body)).toContain(segment.status);
  const [ret, ticket, lead, purchaseOrder, campaign] = await Promise.all([
    ok(
      api.request<{ id: string }>('POST', `/orders/${order.id}/returns`, {
        token: tokenA,
        body: { lines: [{ sku, quantity: 1 }], reason: 'Too small' },
      }),
      201,
      'return',
    ),
    ok(
      api.request<{ id: string }>('POST', '/tickets', {
        token: tokenA,
        body: {
          type: 'incident',
          subject: 'Late',
          description: 'Where is it',
          priority: 'normal',
          orderId: order.id,
        },
      }),
      201,
      'ticket',
    ),
    ok(
      api.request<{ id: string }>('POST', '/leads', {
        token: staff,
        body: { name: 'Grace', company: 'Cobol', source: 'matrix' },
      }),
      201,
      'lead',
    ),
    ok(
      api.request<{ id: string }>('POST', '/purchase-orders', {
        token: staff,
        body: { supplier: 'Acme', currency: 'EUR', lines: [{ sku, quantity: 5, unitCost: 100 }] },
      }),
      201,
      'purchase order',
    ),
    ok(
      api.request<{ id: string }>('POST', '/campaigns', {
        token: staff,
        body: calls.createCampaign?.({} as Fixtures).body,
      }),
      201,
      'campaign',
    ),
    ok(
      api.request('PUT', `/coupons/${coupon}`, { token: staff, body: { kind: 'percent', value: 10 } }),
      201,
      'coupon',
    ),
  ]);
  const converted = await ok(
    api.request<{ opportunity: { id: string } }>('POST', `/leads/${lead.id}/convert`, {
      token: staff,
      body: { name: 'Deal', amount: 100, currency: 'EUR', expectedCloseDate: '2099-06-30' },
    }),
    201,
    'convert',
  );
  const invoice = await eventually(
    async () =>
      (await api.request<{ invoiceId?: string }>('GET', `/orders/${order.id}`, { token: staff })).body
        .invoiceId,
    { timeoutMs: 30_000, what: 'the order’s invoice' },
  );
  fx = {
    a,
    sku,
    order: order.id,
    invoice,
    ret: ret.id,
    ticket: ticket.id,
    coupon,
    lead: lead.id,
    opportunity: converted.opportunity.id,
    purchaseOrder: purchaseOrder.id,
    campaign: campaign.id,
  };
});

describe('Authorisation matrix, route by route (functions/authorization.ts)', () => {
  it('has a request for every route of the topology', () => {
    for (const { route, auth, call } of routes) {
      expect(auth, `${route.operationId} is missing from the matrix`).toBeDefined();
      expect(call, `${route.operationId} has no request in this test`).toBeTypeOf('function');
    }
  });

  it('without a token: 401 everywhere but public routes, which answer', async () => {
    const answers = await walk(routes, undefined);
    const wrong = answers.filter(({ row, res }) =>
      row.auth.who === 'anyone' ? res.status !== 200 : res.status !== 401,
    );
    expect(wrong.map(line)).toEqual([]);
    // Refusals are problem+json with the code (the signed webhook's too: no signature, no entry).
    for (const { row, res } of answers)
      if (row.auth.who !== 'anyone') expect(res.body.code).toBe('UNAUTHORIZED');
  });

  it('a customer’s token on a staff route: 403; on the signed webhook: 401', async () => {
    const rows = routes.filter((r) => r.auth.who === 'staff' || r.auth.who === 'signed-webhook');
    const answers = await walk(rows, tokenB);
    const wrong = answers.filter(({ row, res }) => {
      const expected = row.auth.who === 'staff' ? ['FORBIDDEN', 403] : ['UNAUTHORIZED', 401];
      return res.status !== expected[1] || res.body.code !== expected[0];
    });
    expect(wrong.map(line)).toEqual([]);
  });

  it('customer B on customer A’s resources: 404 where a resource is named, 403 where a customer is', async () => {
    const rows = routes.filter((r) => r.auth.who === 'customer-self');
    const answers = await walk(rows, tokenB);
    const wrong = answers.filter(({ row, res }) => {
      const o = row.auth.ownership;
      switch (o?.kind) {
        case 'path':
        case 'resource':
          return res.status !== 404 || res.body.code !== 'NOT_FOUND';
        case 'query':
        case 'body':
          return res.status !== o.nonOwner;
        case 'caller':
          // The caller's own only: none of A's.
          return res.status !== 200 || (res.body.items ?? []).some((t) => t.id === fx.ticket);
        case 'shared':
          return res.status !== 200;
        default:
          return true;
      }
    });
    expect(wrong.map(line)).toEqual([]);
  });

  it('customer B naming A’s order in a body: 404 (createTicket’s orderId)', async () => {
    for (const row of routes) {
      const o = row.auth.ownership;
      if (o?.kind !== 'body' || !o.resourceMember) continue;
      const { customerId: _, ...body } = row.call(fx).body as Record<string, unknown>;
      const res = await api.request<{ code?: string }>(row.route.method, row.call(fx).path, {
        token: tokenB,
        body: { ...body, [o.resourceMember.member]: fx.order },
      });
      expect(res.status, `${row.route.operationId}: ${JSON.stringify(res.body)}`).toBe(
        o.resourceMember.nonOwner,
      );
    }
  });

  it('customer A on their own resources: through (neither 401, 403 nor 404), never a 5xx', async () => {
    const rows = routes.filter((r) => r.auth.who === 'customer-self');
    const answers = await walk(rows, tokenA);
    const wrong = answers.filter(({ res }) => [401, 403, 404].includes(res.status) || res.status >= 500);
    expect(wrong.map(line)).toEqual([]);
  });

  it('staff on every route with a token: through (not 401 or 403; not 404 on A’s resources), never a 5xx', async () => {
    const rows = routes.filter((r) => r.auth.who === 'staff' || r.auth.who === 'customer-self');
    const answers = await walk(rows, staff);
    const wrong = answers.filter(({ row, res }) => {
      if ([401, 403].includes(res.status) || res.status >= 500) return true;
      const o = row.auth.ownership;
      return (o?.kind === 'path' || o?.kind === 'resource') && res.status === 404;
    });
    expect(wrong.map(line)).toEqual([]);
  });

  it('shared resources: a product’s stock as the contract says; its replenishment settings for staff only', async () => {
    type Product = { stock: Record<string, number>; reorderPoint?: number; reorderQuantity?: number };
    const [asCustomer, asStaff] = await Promise.all(
      [tokenB, staff].map((token) => api.request<Product>('GET', `/products/${fx.sku}`, { token })),
    );
    // The frozen contract (shared/API.md): any caller gets available, reserved and shipped.
    expect(Object.keys(asCustomer?.body.stock ?? {})).toEqual(
      expect.arrayContaining(['available', 'reserved', 'shipped']),
    );
    expect(asCustomer?.body).not.toHaveProperty('reorderPoint');
    expect(asCustomer?.body).not.toHaveProperty('reorderQuantity');
    expect(asStaff?.body).toMatchObject({ reorderPoint: 1, reorderQuantity: 10 });
  });

  it('a ticket’s internal comment is staff’s: its customer never sees it', async () => {
    const note = uniqueId('internal');
    await ok(
      api.request('POST', `/tickets/${fx.ticket}/comments`, {
        token: staff,
        body: { body: note, internal: true },
      }),
      201,
      'internal comment',
    );
    type Ticket = { comments: { body: string }[] };
    const [own, staffs] = await Promise.all(
      [tokenA, staff].map((token) => api.request<Ticket>('GET', `/tickets/${fx.ticket}`, { token })),
    );
    expect(own?.status).toBe(200);
    expect(own?.body.comments.map((c) => c.body)).not.toContain(note);
    expect(staffs?.body.comments.map((c) => c.body)).toContain(note);
  });
});
