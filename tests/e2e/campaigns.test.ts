/**
 * Campaigns over HTTP against the local runtime, end to end: staff define a segment, customers
 * enter it by ordering, a campaign is scheduled a few seconds ahead, the local scheduler fires it,
 * the sender consumer sends through the real event path (outbox → stream → publisher → bus →
 * queue), and the message shows up at /_local/messages for the consenting member only. Also:
 * cancelling, and the contract's refusals.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let staff: string;

interface Campaign {
  id: string;
  status: string;
  counts: {
    members: number;
    sent: number;
    failed: number;
    unconfirmed: number;
    suppressed: { noConsent: number; optedOut: number; noAddress: number };
  };
}
interface Message {
  to: string[];
  subject?: string;
  text: string;
  category?: string;
  tags: Record<string, string>;
}

// Only this file's customers ship to Iceland: the segment below holds them alone.
const address = { name: 'Jón', line1: 'Laugavegur 1', city: 'Reykjavík', postalCode: '101', country: 'IS' };

async function product(): Promise<string> {
  const sku = uniqueId('CMP');
  const put = await api.request('PUT', `/products/${sku}`, {
    token: staff,
    body: { name: sku, price: 1000, currency: 'EUR' },
  });
  expect(put.status).toBe(201);
  const moved = await api.request('POST', `/products/${sku}/stock-movements`, {
    token: staff,
    body: { quantity: 10, reason: 'receipt' },
  });
  expect(moved.status).toBe(201);
  return sku;
}

/** A customer who orders once (to Iceland), with or without email consent. */
async function orderingCustomer(sku: string, consent: boolean): Promise<{ id: string; email: string }> {
  const email = `${uniqueId('cmp').toLowerCase()}@example.com`;
  const created = await api.request<{ id: string }>('POST', '/customers', {
    token: staff,
    body: {
      email,
      name: consent ? 'Jón Consenting' : 'Gunnar Declined',
      marketingConsent: { email: consent },
    },
  });
  expect(created.status).toBe(201);
  const token = await api.token(created.body.id);
  const placed = await api.request('POST', '/orders', {
    token,
    headers: { 'idempotency-key': uniqueId('cmp-order') },
    body: { lines: [{ sku, quantity: 1 }], shippingAddress: address },
  });
  expect(placed.status).toBe(201);
  return { id: created.body.id, email };
}

const inbox = async (email: string) =>
  (
    await api.request<{ items: Message[] }>(
      'GET',
      `/_local/messages?channel=email&to=${encodeURIComponent(email)}`,
    )
  ).body.items;

beforeAll(async () => {
  staff = await api.token('staff-campaigns-e2e', ['staff']);
});

describe('Local runtime: campaigns', () => {
  it('sends a scheduled campaign to the consenting member only, once, at its time', async () => {
    // Prepare: a segment of customers who ordered to Iceland; one consenting, one who declined
    const segmentId = uniqueId('iceland')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-');
    const defined = await api.request('PUT', `/segments/${segmentId}`, {
      token: staff,
      body: {
        name: 'Ordered to Iceland',
        rule: {
          all: [
            { fact: 'orderCount', gte: 1 },
            { fact: 'country', in: ['IS'] },
          ],
        },
      },
    });
    expect(defined.status).toBe(201);
    const sku = await product();
    const yes = await orderingCustomer(sku, true);
    const no = await orderingCustomer(sku, false);
    await eventually(
      async () => {
        const page = await api.request<{ items: { customerId: string }[] }>(
          'GET',
          `/segments/${segmentId}/members?limit=100`,
          { token: staff },
        );
        const ids = page.body.items.map((m) => m.customerId);
        return ids.includes(yes.id) && ids.includes(no.id) ? ids : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'both customers to enter the segment' },
    );

    // Act: a campaign two seconds ahead
    const created = await api.request<Campaign>('POST', '/campaigns', {
      token: staff,
      headers: { 'idempotency-key': uniqueId('cmp-key') },
      body: {
        name: 'Iceland spring',
        channel: 'email',
        segmentId,
        subject: 'Hi {{firstName}}',
        template: 'Dear {{name}}, {{couponCode}} is yours.',
        couponCode: 'ICE10',
        sendAt: new Date(Date.now() + 2_000).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('SCHEDULED');
    const id = created.body.id;

    // Assess: sent, counted, one message to the consenting customer, none to the other
    const sent = await eventually(
      async () => {
        const c = await api.request<Campaign>('GET', `/campaigns/${id}`, { token: staff });
        return c.body.status === 'SENT' ? c.body : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'the campaign to be sent' },
    );
    expect(sent.counts).toEqual({
      members: 2,
      sent: 1,
      failed: 0,
      unconfirmed: 0,
      suppressed: { noConsent: 0, optedOut: 1, noAddress: 0 },
    });
    const mine = (await inbox(yes.email)).filter((m) => m.tags.campaignId === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      subject: 'Hi Jón',
      text: 'Dear Jón Consenting, ICE10 is yours.',
      category: 'marketing',
    });
    expect((await inbox(no.email)).filter((m) => m.tags.campaignId === id)).toHaveLength(0);
    const listed = await api.request<{ items: Campaign[] }>('GET', '/campaigns?limit=100', { token: staff });
    expect(listed.body.items.map((c) => c.id)).toContain(id);
    // A sent campaign cannot be cancelled
    const late = await api.request<{ code: string; currentStatus: string }>(
      'POST',
      `/campaigns/${id}/cancel`,
      {
        token: staff,
      },
    );
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'SENT' });
  }, 240_000);

  it('cancels a scheduled campaign, and refuses bad templates, unknown segments and customers', async () => {
    const segmentId = uniqueId('cmp-cancel')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-');
    expect(
      (
        await api.request('PUT', `/segments/${segmentId}`, {
          token: staff,
          body: { name: 'Never sent', rule: { all: [{ fact: 'orderCount', gte: 1000 }] } },
        })
      ).status,
    ).toBe(201);
    const body = {
      name: 'Later',
      channel: 'sms',
      segmentId,
      template: 'Hi {{name}}',
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const created = await api.request<Campaign>('POST', '/campaigns', { token: staff, body });
    expect(created.status).toBe(201);
    const cancelled = await api.request<Campaign>('POST', `/campaigns/${created.body.id}/cancel`, {
      token: staff,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect((await api.request('POST', `/campaigns/${created.body.id}/cancel`, { token: staff })).status).toBe(
      409,
    );

    const refused = async (over: Record<string, unknown>, path: string) => {
      const r = await api.request<{ code: string; errors: { path: string }[] }>('POST', '/campaigns', {
        token: staff,
        body: { ...body, ...over },
      });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(r.body.errors.map((e) => e.path)).toContain(path);
    };
    await refused({ template: 'Hi {{nickname}}' }, 'body.template');
    await refused({ template: 'Use {{couponCode}}' }, 'body.template');
    await refused({ channel: 'email' }, 'body.subject');
    await refused({ segmentId: 'no-such-segment-anywhere' }, 'body.segmentId');
    const shopper = await api.token(uniqueId('shopper'));
    expect((await api.request('POST', '/campaigns', { token: shopper, body })).status).toBe(403);
    expect((await api.request('GET', '/campaigns/01JS0C1A2B3C4D5E6F7G8H9J0K', { token: staff })).status).toBe(
      404,
    );
  }, 60_000);
});
