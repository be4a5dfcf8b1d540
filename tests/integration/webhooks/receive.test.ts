/**
 * Integration tier (DynamoDB Local): receiving marketing events once per id. The claim of an id
 * commits with the event's effect, so replays and racing copies change nothing.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { getCoupon } from '#functions/coupons/coupons.ts';
import type { WebhookEnvelope } from '#functions/webhooks/contract.ts';
import { type Delivery, receiveWebhook } from '#functions/webhooks/receive.ts';
import { signedHeaders } from '#functions/webhooks/signature.ts';
import {
  DEDUPE_DAYS,
  getWebhookEvent,
  listRecordedEvents,
  webhookEventKey,
} from '#functions/webhooks/webhook-events.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { lambdaContext } from '../../support/backbone.ts';

const SECRET = 'integration-webhook-secret-0123456789';
type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;

beforeAll(async () => {
  process.env.WEBHOOK_SECRET = SECRET;
  handler = (await import('#functions/webhooks/handler.ts')).handler as unknown as Handler;
});

const newId = () => `evt_${randomUUID()}`;

function delivery(event: WebhookEnvelope, rawBody = JSON.stringify(event)): Delivery {
  return {
    event,
    rawBody,
    signedAt: Math.floor(Date.now() / 1000),
    receivedAt: new Date().toISOString(),
    requestId: `req-${randomUUID()}`,
  };
}

/** The stored item itself, keys and all. */
const rawItem = async (id: string) =>
  (await ddb.send(new GetCommand({ TableName: tableName, Key: webhookEventKey(id), ConsistentRead: true })))
    .Item;

function signedPost(body: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/marketing',
    rawPath: '/webhooks/marketing',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      ...signedHeaders(SECRET, Math.floor(Date.now() / 1000), body),
    },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: `req-${randomUUID()}`,
      http: { method: 'POST', path: '/webhooks/marketing' },
    },
  } as unknown as APIGatewayProxyEventV2;
}

describe('Module: webhooks/receive (DynamoDB Local)', () => {
  it(`records an unknown type (202), listable by type, and remembers its id for ${DEDUPE_DAYS} days (≥ 7)`, async () => {
    // Prepare
    const type = `survey.answered.${randomUUID().slice(0, 8)}`;
    const event = { id: newId(), type, data: { score: 9, nested: { free: ['form'] } } };
    const d = delivery(event);

    // Act
    const receipt = await receiveWebhook(d);

    // Assess
    expect(receipt).toEqual({ id: event.id, type, outcome: 'recorded', reason: 'unknown-type' });
    const stored = await getWebhookEvent(event.id);
    expect(stored).toMatchObject({ type, outcome: 'recorded', requestId: d.requestId });
    expect(JSON.parse(stored!.data)).toEqual(event.data);
    expect(stored!.expiresAt - Date.parse(d.receivedAt) / 1000).toBeGreaterThanOrEqual(7 * 24 * 3600);
    expect(await rawItem(event.id)).toMatchObject({ gsi2pk: `WEBHOOK#RECORDED#${type}` });
    expect((await listRecordedEvents(type)).map((e) => e.id)).toEqual([event.id]);
  });

  it.each(['__proto__', 'constructor', 'toString'])(
    'records a type named like an Object member (%s) as unknown, not a 500 (found by fuzzing)',
    async (type) => {
      const event = { id: newId(), type, data: { JM: {} } };
      expect(await receiveWebhook(delivery(event))).toEqual({
        id: event.id,
        type,
        outcome: 'recorded',
        reason: 'unknown-type',
      });
    },
  );

  it('applies a valid coupon.issued as PUT /coupons/{code} would (200): the coupon exists, its id is claimed', async () => {
    const code = `Spring-${randomUUID().slice(0, 8)}`;
    const event = {
      id: newId(),
      type: 'coupon.issued',
      data: { code, kind: 'percent', value: 10, maxRedemptions: 100 },
    };
    expect(await receiveWebhook(delivery(event))).toEqual({
      id: event.id,
      type: 'coupon.issued',
      outcome: 'applied',
      couponCode: code,
    });
    expect(await getCoupon(code.toLowerCase())).toMatchObject({
      code,
      kind: 'percent',
      value: 10,
      maxRedemptions: 100,
      active: true,
      source: 'webhook',
      redemptions: 0,
      version: 1,
    });
    expect(await getWebhookEvent(event.id)).toMatchObject({ outcome: 'applied', couponCode: code });
    expect((await listRecordedEvents('coupon.issued')).map((e) => e.id)).not.toContain(event.id);
  });

  it('refuses a known type with invalid data without claiming the id, so the corrected event is accepted', async () => {
    // Prepare
    const id = newId();
    const bad = { id, type: 'coupon.issued', data: { code: 'X', kind: 'half-off', value: 0, extra: 1 } };

    // Act
    const refusal = await receiveWebhook(delivery(bad)).catch((error: unknown) => error);

    // Assess
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe('VALIDATION_FAILED');
    expect(((refusal as AppError).extra.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
      'body.data.extra',
      'body.data.kind',
      'body.data.value',
    ]);
    expect(await getWebhookEvent(id)).toBeUndefined();
    const fixed = {
      id,
      type: 'coupon.issued',
      data: { code: 'X', kind: 'fixed', value: 500, currency: 'EUR' },
    };
    expect((await receiveWebhook(delivery(fixed))).outcome).toBe('applied');
  });

  it('answers a replay as a duplicate and changes nothing, even with another body under the same id', async () => {
    // Prepare
    const event = { id: newId(), type: 'newsletter.opened', data: { campaign: 'a' } };
    await receiveWebhook(delivery(event));
    const before = await rawItem(event.id);

    // Act
    const replay = await receiveWebhook(delivery(event));
    const reused = await receiveWebhook(delivery({ ...event, data: { campaign: 'b' } }));

    // Assess
    expect(replay).toEqual({ id: event.id, type: event.type, outcome: 'duplicate' });
    expect(reused).toEqual({ id: event.id, type: event.type, outcome: 'duplicate' });
    expect(await rawItem(event.id)).toEqual(before);
  });

  it('ten copies of one event through the handler at once: one is received, nine are duplicates (200)', async () => {
    // Prepare
    const event = { id: newId(), type: 'contact.tagged', data: { email: 'ada@example.com', tag: 'vip' } };
    const body = JSON.stringify(event);

    // Act
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => handler(signedPost(body), lambdaContext(`webhooks-${i}`))),
    );

    // Assess
    const outcomes = responses.map((r) => ({
      status: r.statusCode,
      outcome: JSON.parse(r.body ?? '{}').outcome,
    }));
    expect(outcomes.filter((o) => o.outcome === 'recorded')).toEqual([{ status: 202, outcome: 'recorded' }]);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(9);
    expect(outcomes.filter((o) => o.outcome === 'duplicate').every((o) => o.status === 200)).toBe(true);
    const stored = await getWebhookEvent(event.id);
    const winner = responses.find((r) => r.statusCode === 202);
    expect(stored?.outcome).toBe('recorded');
    expect(winner).toBeDefined();
  });
});
