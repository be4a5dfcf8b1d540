/**
 * The sales pipeline over HTTP through the local runtime: lead → convert (customer created by
 * email) → stage changes with If-Match → the pipeline report's numbers once the pipelineForecast
 * consumer ran; activities; bad input as problem+json; a customer's token gets 403 everywhere.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;
let customer: string;
const owner = uniqueId('owner').toLowerCase();

interface Opportunity {
  id: string;
  stage: string;
  version: number;
  amount: number;
  customerId?: string;
  history: { version: number; stage: string; previousStage?: string }[];
}
interface Report {
  months: {
    month: string;
    stages: Record<string, { count: number; amount: Record<string, number> }>;
    weightedPipeline: Record<string, number>;
    forecast: Record<string, number>;
  }[];
  totals: { forecast: Record<string, number>; open: { count: number } };
}

beforeAll(async () => {
  [staff, customer] = await Promise.all([
    api.token('staff-pipeline-e2e', ['staff']),
    api.token(uniqueId('cust').toLowerCase()),
  ]);
});

const post = <T = Record<string, unknown>>(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) => api.request<T>('POST', path, { token: staff, body, headers });

async function convertedOpportunity(amount: number, expectedCloseDate: string, email?: string) {
  const lead = await post<{ id: string }>('/leads', {
    name: 'Grace Hopper',
    company: 'Cobol Works',
    source: 'trade fair',
    owner,
    ...(email ? { email } : {}),
  });
  expect(lead.status).toBe(201);
  const converted = await post<{
    opportunity: Opportunity;
    customer: { id: string; created: boolean } | null;
  }>(`/leads/${lead.body.id}/convert`, {
    name: 'Forty licences',
    amount,
    currency: 'EUR',
    expectedCloseDate,
  });
  expect(converted.status).toBe(201);
  return { leadId: lead.body.id, ...converted.body };
}

const patch = (id: string, body: unknown, version?: number) =>
  api.request<Opportunity & { code?: string }>('PATCH', `/opportunities/${id}`, {
    token: staff,
    body,
    headers: version === undefined ? {} : { 'if-match': `"${version}"` },
  });

describe('Local runtime: sales pipeline', () => {
  it('lead → convert → stage changes → the weighted forecast per month of expected close', async () => {
    const email = `${uniqueId('grace').toLowerCase()}@cobol.example`;
    const first = await convertedOpportunity(100_000, '2034-01-15', email);
    expect(first.customer).toMatchObject({ created: true });
    expect(first.opportunity).toMatchObject({
      stage: 'prospecting',
      version: 1,
      customerId: first.customer?.id,
    });

    // The customer exists in the customers context, found by email.
    const found = await api.request<{ items: { id: string }[] }>(
      'GET',
      `/customers?email=${encodeURIComponent(email)}`,
      {
        token: staff,
      },
    );
    expect(found.status).toBe(200);
    expect(JSON.stringify(found.body)).toContain(first.customer?.id ?? 'missing');

    // Converting again is refused.
    const again = await post(`/leads/${first.leadId}/convert`, {
      name: 'x',
      amount: 1,
      currency: 'EUR',
      expectedCloseDate: '2034-01-01',
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'converted' });

    const second = await convertedOpportunity(40_000, '2034-01-20');
    expect(second.customer).toBeNull();
    const third = await convertedOpportunity(25_000, '2034-02-03');

    // Stage changes, pinned to the version read; a stale version is 412 and changes nothing.
    const moved = await patch(first.opportunity.id, { stage: 'proposal' }, 1);
    expect(moved.status).toBe(200);
    expect(moved.headers.get('etag')).toBe('"2"');
    expect(await patch(first.opportunity.id, { stage: 'won' }, 1)).toMatchObject({
      status: 412,
      body: { code: 'VERSION_CONFLICT' },
    });
    expect((await patch(first.opportunity.id, { stage: 'negotiation', amount: 120_000 }, 2)).status).toBe(
      200,
    );
    expect((await patch(second.opportunity.id, { stage: 'won' })).status).toBe(200);
    expect((await patch(second.opportunity.id, { stage: 'proposal' })).body).toMatchObject({
      code: 'INVALID_STATE',
      currentStatus: 'won',
    });
    expect((await patch(third.opportunity.id, { stage: 'lost' })).status).toBe(200);

    const read = await api.request<Opportunity>('GET', `/opportunities/${first.opportunity.id}`, {
      token: staff,
    });
    expect(read.body).toMatchObject({ stage: 'negotiation', version: 3, amount: 120_000 });
    expect(read.body.history.map((h) => [h.version, h.previousStage ?? null, h.stage])).toEqual([
      [1, null, 'prospecting'],
      [2, 'prospecting', 'proposal'],
      [3, 'proposal', 'negotiation'],
    ]);

    const listed = await api.request<{ items: { id: string }[] }>(
      'GET',
      `/opportunities?owner=${owner}&stage=won`,
      {
        token: staff,
      },
    );
    expect(listed.body.items.map((o) => o.id)).toEqual([second.opportunity.id]);

    // The report: January has negotiation 120 000 × 75 % open and 40 000 won; February one lost.
    const report = await eventually(
      async () => {
        const res = await api.request<Report>(
          'GET',
          `/reports/pipeline?from=2034-01&to=2034-02&owner=${owner}`,
          {
            token: staff,
          },
        );
        expect(res.status).toBe(200);
        const [january, february] = res.body.months;
        const settled =
          january?.stages.negotiation?.count === 1 &&
          january.stages.won?.count === 1 &&
          january.stages.prospecting?.count === 0 &&
          february?.stages.lost?.count === 1;
        return settled ? res.body : undefined;
      },
      { timeoutMs: 20_000, what: 'the forecast consumer to count the changes' },
    );
    expect(report.months[0]).toMatchObject({
      month: '2034-01',
      stages: {
        negotiation: { amount: { EUR: 120_000 } },
        won: { amount: { EUR: 40_000 } },
        proposal: { count: 0 },
      },
      weightedPipeline: { EUR: 90_000 },
      forecast: { EUR: 130_000 },
    });
    expect(report.months[1]).toMatchObject({
      month: '2034-02',
      stages: { lost: { count: 1, amount: { EUR: 25_000 } } },
    });
    expect(report.totals).toMatchObject({ forecast: { EUR: 130_000 }, open: { count: 1 } });

    // Everyone's report includes this owner's figures (other test data may add to them).
    const everyone = await api.request<Report>('GET', '/reports/pipeline?from=2034-01&to=2034-01', {
      token: staff,
    });
    expect(everyone.body.months[0]?.stages.won?.count).toBeGreaterThanOrEqual(1);
  });

  it('logs activities on a lead and an opportunity and lists them', async () => {
    const { leadId, opportunity } = await convertedOpportunity(10_000, '2034-03-01');
    const call = await post(`/leads/${leadId}/activities`, {
      kind: 'call',
      body: 'Intro call',
      direction: 'outbound',
      durationSeconds: 120,
    });
    expect(call.status).toBe(201);
    const meeting = await post(`/opportunities/${opportunity.id}/activities`, {
      kind: 'meeting',
      body: 'Demo',
      durationSeconds: 3600,
    });
    expect(meeting.status).toBe(201);
    const onLead = await api.request<{ items: unknown[] }>('GET', `/leads/${leadId}/activities`, {
      token: staff,
    });
    expect(onLead.body.items).toEqual([call.body]);
    const onOpportunity = await api.request<{ items: unknown[] }>(
      'GET',
      `/opportunities/${opportunity.id}/activities`,
      {
        token: staff,
      },
    );
    expect(onOpportunity.body.items).toEqual([meeting.body]);
  });

  it('wins an opportunity with an order: the orders context places it for the customer, once', async () => {
    // Prepare: a product with stock, an opportunity whose lead had an email (so it has a customer)
    const sku = uniqueId('WON');
    expect(
      (
        await api.request('PUT', `/products/${sku}`, {
          token: staff,
          body: { name: 'Seat licence', price: 1200, currency: 'EUR' },
        })
      ).status,
    ).toBe(201);
    expect((await post(`/products/${sku}/stock-movements`, { quantity: 50, reason: 'receipt' })).status).toBe(
      201,
    );
    const { opportunity, customer: created } = await convertedOpportunity(
      48_000,
      '2034-03-31',
      `${uniqueId('won').toLowerCase()}@cobol.example`,
    );
    const customerId = created?.id ?? 'missing';
    const shippingAddress = {
      name: 'Cobol Works',
      line1: '1 Compiler Way',
      city: 'Arlington',
      postalCode: '22201',
      country: 'US',
    };
    const order = { lines: [{ sku, quantity: 40 }], shippingAddress };

    // An order goes only with a move to won.
    expect(await patch(opportunity.id, { stage: 'negotiation', order })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });

    // Act
    const won = await api.request<
      Opportunity & { order: { orderId: string; status: string; channel: string } }
    >('PATCH', `/opportunities/${opportunity.id}`, { token: staff, body: { stage: 'won', order } });

    // Assess: the request and the id the order gets are on the opportunity at once
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({ stage: 'won', order: { status: 'requested', channel: 'phone' } });
    const { orderId } = won.body.order;
    const read = await api.request<Opportunity>('GET', `/opportunities/${opportunity.id}`, { token: staff });
    expect(read.body).toMatchObject({ order: { orderId, idempotencyKey: `opportunity-${opportunity.id}` } });

    // The consumer placed it for the customer; staff list it by customer.
    const listed = await eventually(
      async () => {
        const res = await api.request<{
          items: { id: string; customerId: string; channel: string; total: number }[];
        }>('GET', `/orders?customerId=${encodeURIComponent(customerId)}`, { token: staff });
        expect(res.status).toBe(200);
        return res.body.items.length > 0 ? res.body.items : undefined;
      },
      { timeoutMs: 20_000, what: 'the opportunityOrders consumer to place the order' },
    );
    expect(listed).toEqual([
      expect.objectContaining({ id: orderId, customerId, channel: 'phone', total: 48_000 }),
    ]);

    // Sending the win again changes nothing; stock was reserved once.
    expect((await patch(opportunity.id, { stage: 'won', order })).body).toMatchObject({
      version: won.body.version,
    });
    const product = await api.request<{ stock: { available: number; reserved: number } }>(
      'GET',
      `/products/${sku}`,
      {
        token: staff,
      },
    );
    expect(product.body.stock).toMatchObject({ available: 10, reserved: 40 });
  });

  it('refuses an order for an opportunity without a customer, and shows a refused order on the opportunity', async () => {
    const shippingAddress = {
      name: 'Ada',
      line1: '1 Main St',
      city: 'London',
      postalCode: 'N1',
      country: 'GB',
    };
    const noCustomer = await convertedOpportunity(10_000, '2034-03-31');
    expect(
      await patch(noCustomer.opportunity.id, {
        stage: 'won',
        order: { lines: [{ sku: 'ANY-1', quantity: 1 }], shippingAddress },
      }),
    ).toMatchObject({ status: 409, body: { code: 'INVALID_STATE', currentStatus: 'prospecting' } });

    // An unknown SKU: the win stands, the order is refused and the opportunity says why.
    const ghost = uniqueId('GHOST');
    const { opportunity } = await convertedOpportunity(
      10_000,
      '2034-03-31',
      `${uniqueId('ghost').toLowerCase()}@cobol.example`,
    );
    expect(
      (
        await patch(opportunity.id, {
          stage: 'won',
          order: { lines: [{ sku: ghost, quantity: 1 }], shippingAddress },
        })
      ).status,
    ).toBe(200);
    const refused = await eventually(
      async () => {
        const res = await api.request<Opportunity & { order?: { status: string; refusal?: unknown } }>(
          'GET',
          `/opportunities/${opportunity.id}`,
          { token: staff },
        );
        return res.body.order?.status === 'refused' ? res.body.order : undefined;
      },
      { timeoutMs: 20_000, what: 'the refusal to be recorded on the opportunity' },
    );
    expect(refused.refusal).toMatchObject({ code: 'VALIDATION_FAILED', skus: [ghost] });
  });

  it('answers bad input with problem+json', async () => {
    const unknownField = await post('/leads', { name: 'x', source: 'y', colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.headers.get('content-type')).toContain('application/problem+json');
    expect((await post('/leads', { name: 'x', source: 'y', email: 'not-an-email' })).status).toBe(400);
    expect((await post('/leads', { name: 'x'.repeat(201), source: 'y' })).status).toBe(400);
    const { opportunity } = await convertedOpportunity(1_000, '2034-04-01');
    expect((await patch(opportunity.id, { stage: 'closing' })).status).toBe(400);
    expect((await patch(opportunity.id, {})).status).toBe(400);
    const badIfMatch = await api.request('PATCH', `/opportunities/${opportunity.id}`, {
      token: staff,
      body: { stage: 'won' },
      headers: { 'if-match': 'yesterday' },
    });
    expect(badIfMatch).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await api.request('GET', '/opportunities', { token: staff })).status).toBe(400);
    expect(
      (await api.request('GET', '/reports/pipeline?from=2034-05&to=2034-01', { token: staff })).status,
    ).toBe(400);
    expect((await api.request('GET', '/leads/01JQ7A0B2C3D4E5F6G7H8J9K0Z', { token: staff })).status).toBe(
      404,
    );
  });

  it('refuses every pipeline route to a customer token with 403', async () => {
    const { leadId, opportunity } = await convertedOpportunity(5_000, '2034-05-01');
    const calls: [string, string, unknown?][] = [
      ['POST', '/leads', { name: 'x', source: 'y' }],
      ['GET', `/leads/${leadId}`],
      ['GET', `/leads?owner=${owner}`],
      [
        'POST',
        `/leads/${leadId}/convert`,
        { name: 'x', amount: 1, currency: 'EUR', expectedCloseDate: '2034-01-01' },
      ],
      ['GET', `/opportunities/${opportunity.id}`],
      ['PATCH', `/opportunities/${opportunity.id}`, { stage: 'won' }],
      ['GET', `/opportunities?owner=${owner}`],
      ['POST', `/leads/${leadId}/activities`, { kind: 'note', body: 'x' }],
      ['GET', `/leads/${leadId}/activities`],
      ['POST', `/opportunities/${opportunity.id}/activities`, { kind: 'note', body: 'x' }],
      ['GET', `/opportunities/${opportunity.id}/activities`],
      ['GET', '/reports/pipeline?from=2034-01&to=2034-02'],
    ];
    for (const [method, path, body] of calls) {
      const res = await api.request(method, path, {
        token: customer,
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body, `${method} ${path}`).toMatchObject({ code: 'FORBIDDEN' });
    }
    // Nothing changed.
    const read = await api.request<Opportunity>('GET', `/opportunities/${opportunity.id}`, { token: staff });
    expect(read.body).toMatchObject({ stage: 'prospecting', version: 1 });
  });
});
