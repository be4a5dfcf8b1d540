/**
 * End-to-end tier: the marketing webhook over HTTP against the local runtime, signed with the local
 * secret (`WEBHOOK_SECRET`, default `local-webhook-secret`): refusals, recording, replays, ten
 * concurrent copies of one event, and consent changes visible through `GET /customers/{id}`.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRET } from '#functions/webhooks/settings.ts';
import { signedHeaders } from '#functions/webhooks/signature.ts';
import { apiClient, uniqueId } from '#infra/local/client.ts';

const api = apiClient(inject('baseUrl'));
// The runtime inherits this process's environment: the secret it uses is the same one.
const SECRET = process.env.WEBHOOK_SECRET?.split(',')[0]?.trim() || LOCAL_WEBHOOK_SECRET;
let staff: string;

interface Receipt {
  id: string;
  type: string;
  outcome: 'applied' | 'recorded' | 'duplicate';
  reason?: string;
  customerId?: string;
  code?: string;
  detail?: string;
}
interface Customer {
  id: string;
  email: string;
  name: string;
  version: number;
  origin: string;
  marketingConsent: Record<'email' | 'sms', { granted: boolean; source?: string; changedAt?: string }>;
}

const now = () => Math.floor(Date.now() / 1000);
const newId = () => `evt_${randomUUID()}`;

/** POSTs `event` as JSON, signed with `secret` at `timestamp` unless headers are given. */
function send(
  event: unknown,
  options: { secret?: string; timestamp?: number; headers?: Record<string, string>; rawBody?: string } = {},
) {
  const rawBody = options.rawBody ?? JSON.stringify(event);
  const headers =
    options.headers ?? signedHeaders(options.secret ?? SECRET, options.timestamp ?? now(), rawBody);
  return api.request<Receipt>('POST', '/webhooks/marketing', {
    rawBody,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

const getCustomer = async (id: string) =>
  (await api.request<Customer>('GET', `/customers/${id}`, { token: staff })).body;

beforeAll(async () => {
  staff = await api.token('staff-webhooks-e2e', ['staff']);
});

describe('Local runtime: marketing webhooks', () => {
  it('refuses unsigned, wrongly signed, stale and future requests with the same 401, without a token', async () => {
    // Prepare
    const event = { id: newId(), type: 'contact.unsubscribed', data: { email: 'nobody@example.com' } };
    const raw = JSON.stringify(event);

    // Act
    const refusals = await Promise.all([
      send(event, { headers: {} }),
      send(event, { secret: 'not-the-local-secret-at-all' }),
      // A minute beyond the 300 s window: a cold start may take seconds between signing and checking
      // (the exact boundary is the unit tier's).
      send(event, { timestamp: now() - 360 }),
      send(event, { timestamp: now() + 360 }),
      send(event, { headers: { ...signedHeaders(SECRET, now(), raw), 'x-webhook-signature': 'v1=00' } }),
      send(event, { headers: signedHeaders(SECRET, now(), raw), rawBody: raw.replace('nobody', 'somebody') }),
      send(event, { headers: {}, rawBody: '{"not": json' }),
    ]);

    // Assess
    for (const response of refusals) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body).toMatchObject({
        code: 'UNAUTHORIZED',
        detail: 'The webhook signature is missing, invalid or expired',
      });
    }
    // None of them was recorded: the same id, correctly signed, is received for the first time.
    expect((await send(event)).body.outcome).toBe('recorded');
  });

  it('records an unknown type with 202 and answers its replay with 200, changing nothing', async () => {
    // Prepare
    const event = { id: newId(), type: 'newsletter.bounced', data: { email: 'x@example.com' } };

    // Act
    const first = await send(event);
    const replay = await send(event);

    // Assess
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      id: event.id,
      type: event.type,
      outcome: 'recorded',
      reason: 'unknown-type',
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ id: event.id, type: event.type, outcome: 'duplicate' });
  });

  it('answers a signed but invalid body with 400 problem+json', async () => {
    const bad = await send({ id: newId(), type: 'contact.updated', data: { email: 'nope' }, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('contact events change the customer as GET /customers/{id} shows; ten concurrent copies apply once', async () => {
    // Prepare: a customer created by the marketing system, then subscribed
    const email = `${uniqueId('hooked').toLowerCase()}@example.com`;
    const created = await send({
      id: newId(),
      type: 'contact.updated',
      data: { email, name: 'Hedy Lamarr' },
    });
    expect(created.status).toBe(200);
    const customerId = created.body.customerId!;
    const subscribed = await send({ id: newId(), type: 'contact.subscribed', data: { email } });
    expect(subscribed.body).toEqual(expect.objectContaining({ outcome: 'applied', customerId }));
    const before = await getCustomer(customerId);
    expect(before).toMatchObject({
      email,
      name: 'Hedy Lamarr',
      origin: 'webhook',
      marketingConsent: { email: { granted: true, source: 'webhook' } },
    });

    // Act: one unsubscribe, sent ten times at once
    const unsubscribe = { id: newId(), type: 'contact.unsubscribed', data: { email } };
    const responses = await Promise.all(Array.from({ length: 10 }, () => send(unsubscribe)));

    // Assess
    const outcomes = responses.map((r) => `${r.status} ${r.body.outcome}`).sort();
    expect(outcomes).toEqual(['200 applied', ...Array.from({ length: 9 }, () => '200 duplicate')]);
    const after = await getCustomer(customerId);
    expect(after.version).toBe(before.version + 1);
    expect(after.marketingConsent.email).toMatchObject({ granted: false, source: 'webhook' });

    // A replay later changes nothing either.
    expect((await send(unsubscribe)).body.outcome).toBe('duplicate');
    expect(await getCustomer(customerId)).toEqual(after);
  });

  it('records a consent change for an email no customer has (202) without creating one', async () => {
    const email = `${uniqueId('stranger').toLowerCase()}@example.com`;
    const response = await send({ id: newId(), type: 'contact.subscribed', data: { email } });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: 'recorded', reason: 'unknown-customer' });
    const lookup = await api.request<{ items: unknown[]; nextCursor: string | null }>(
      'GET',
      `/customers?email=${encodeURIComponent(email)}`,
      { token: staff },
    );
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual({ items: [], nextCursor: null });
  });
});
