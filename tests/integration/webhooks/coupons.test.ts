/**
 * Integration tier (DynamoDB Local): `coupon.issued` webhooks make coupons exactly like staff ones
 * — once per event id (replays and racing copies change nothing), replacing only coupons the
 * marketing system issued — and the events recorded before coupons existed are applied once.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getCoupon } from '#functions/coupons/coupons.ts';
import { saveCoupon } from '#functions/coupons/service.ts';
import { type Delivery, receiveWebhook } from '#functions/webhooks/receive.ts';
import { applyRecordedCoupons } from '#functions/webhooks/recorded-coupons.ts';
import {
  bodyHash,
  claimWebhookEvent,
  expiryOf,
  getWebhookEvent,
  listRecordedEvents,
} from '#functions/webhooks/webhook-events.ts';
import { ddb } from '#shared/ddb.ts';
import { transactWrite } from '#shared/transactions.ts';

const newCode = () => `W${randomUUID().slice(0, 8)}`;
const issued = (data: Record<string, unknown>, id = `evt_${randomUUID()}`) => {
  const event = { id, type: 'coupon.issued', data };
  const d: Delivery = {
    event,
    rawBody: JSON.stringify(event),
    signedAt: Math.floor(Date.now() / 1000),
    receivedAt: new Date().toISOString(),
    requestId: `req-${randomUUID()}`,
  };
  return d;
};

describe('Module: webhooks/coupon.issued (DynamoDB Local)', () => {
  it('ten concurrent copies of one event create the coupon once; a replay changes nothing', async () => {
    const code = newCode();
    const d = issued({ code, kind: 'fixed', value: 500, currency: 'EUR', perCustomerLimit: 1 });
    const receipts = await Promise.all(Array.from({ length: 10 }, () => receiveWebhook(d)));
    expect(receipts.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(receipts.filter((r) => r.outcome === 'duplicate')).toHaveLength(9);
    const coupon = await getCoupon(code);
    expect(coupon).toMatchObject({
      kind: 'fixed',
      value: 500,
      currency: 'EUR',
      version: 1,
      source: 'webhook',
    });
    expect(await receiveWebhook(d)).toMatchObject({ outcome: 'duplicate' });
    expect(await getCoupon(code)).toEqual(coupon);
  });

  it('a new event for a code it issued replaces the terms like a PUT and keeps the counts', async () => {
    const code = newCode();
    await receiveWebhook(issued({ code, kind: 'percent', value: 10, maxRedemptions: 5 }));
    const receipt = await receiveWebhook(issued({ code, kind: 'percent', value: 15 }));
    expect(receipt).toMatchObject({ outcome: 'applied', couponCode: code });
    const coupon = await getCoupon(code);
    expect(coupon).toMatchObject({ value: 15, version: 2, redemptions: 0 });
    expect(coupon?.maxRedemptions).toBeUndefined();
  });

  it('leaves a staff coupon alone: recorded with reason coupon-exists', async () => {
    const code = newCode();
    await saveCoupon(code, { kind: 'percent', value: 50 }, { source: 'staff', at: new Date().toISOString() });
    const receipt = await receiveWebhook(issued({ code: code.toLowerCase(), kind: 'percent', value: 90 }));
    expect(receipt).toMatchObject({ outcome: 'recorded', reason: 'coupon-exists' });
    expect(await getCoupon(code)).toMatchObject({ value: 50, source: 'staff', version: 1 });
  });

  it('refuses terms the coupon rules refuse (a percentage over 100) without claiming the id', async () => {
    const d = issued({ code: newCode(), kind: 'percent', value: 150 });
    await expect(receiveWebhook(d)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await getWebhookEvent(d.event.id)).toBeUndefined();
  });

  it('applies the events recorded before coupons existed, once, however often it runs', async () => {
    // Prepare: records as the handler wrote them before coupons existed.
    const old = async (data: Record<string, unknown>) => {
      const d = issued(data);
      await transactWrite(ddb, [
        {
          tag: 'claim',
          write: claimWebhookEvent({
            id: d.event.id,
            type: 'coupon.issued',
            outcome: 'recorded',
            reason: 'coupons-not-available',
            data: JSON.stringify(data),
            bodyHash: bodyHash(d.rawBody),
            signedAt: new Date(d.signedAt * 1000).toISOString(),
            receivedAt: '2020-01-01T00:00:00.000Z',
            requestId: d.requestId,
            expiresAt: expiryOf(d.receivedAt),
          }),
        },
      ]);
      return d.event.id;
    };
    const [fresh, staffCode, bad] = [newCode(), newCode(), newCode()];
    await saveCoupon(
      staffCode,
      { kind: 'percent', value: 5 },
      { source: 'staff', at: new Date().toISOString() },
    );
    const ids = [
      await old({ code: fresh, kind: 'percent', value: 20, maxRedemptions: 3 }),
      await old({ code: staffCode, kind: 'percent', value: 99 }),
      await old({ code: bad, kind: 'fixed', value: 100 }),
    ];
    // Act: twice at once, then once more.
    const reports = await Promise.all([applyRecordedCoupons(), applyRecordedCoupons()]);
    const again = await applyRecordedCoupons();
    // Assess
    expect(reports.flatMap((r) => r.applied).filter((c) => c === fresh)).toHaveLength(1);
    expect(again).toEqual({ applied: [], kept: [], invalid: [] });
    expect(await getCoupon(fresh)).toMatchObject({
      value: 20,
      maxRedemptions: 3,
      source: 'webhook',
      version: 1,
    });
    expect(await getCoupon(staffCode)).toMatchObject({ value: 5, source: 'staff' });
    expect(await getCoupon(bad)).toBeUndefined();
    expect(await getWebhookEvent(ids[0]!)).toMatchObject({ outcome: 'applied', couponCode: fresh });
    expect(await getWebhookEvent(ids[1]!)).toMatchObject({ outcome: 'recorded', reason: 'coupon-exists' });
    expect(await getWebhookEvent(ids[2]!)).toMatchObject({ outcome: 'recorded', reason: 'invalid-coupon' });
    const listed = (await listRecordedEvents('coupon.issued')).map((e) => e.id);
    for (const id of ids) expect(listed).not.toContain(id);
  });
});
