/** Coupons API: thin handler over the coupon service. */
import { httpApi, json } from '#shared/http/handler.ts';
import { recordBusinessMetric, recordCouponRejection } from '#shared/observability.ts';
import { couponRoutes } from './contract.ts';
import {
  couponView,
  getCouponOr404,
  listCouponRedemptions,
  redeemDirect,
  redemptionView,
  saveCoupon,
} from './service.ts';

export const handler = httpApi(
  couponRoutes,
  {
    putCoupon: async ({ params, body }) => {
      const saved = await saveCoupon(params.code, body, { source: 'staff', at: new Date().toISOString() });
      if (saved.kind === 'extra-failed') throw new Error('A staff coupon save carries no extra writes');
      return json(couponView(saved.coupon), saved.kind === 'created' ? 201 : 200);
    },
    getCoupon: async ({ params }) => json(couponView(await getCouponOr404(params.code))),
    listCouponRedemptions: async ({ params, query }) => json(await listCouponRedemptions(params.code, query)),
    redeemCoupon: async ({ params, body, principal, idempotencyKey, requestId }) => {
      // A retry with the same key answers the first redemption, status included.
      const { redemption, created } = await redeemDirect({
        code: params.code,
        principal,
        input: body,
        idempotencyKey,
        correlationId: requestId,
      });
      if (!created) recordBusinessMetric('IdempotentReplays', 1);
      return json(redemptionView(redemption), 201);
    },
  },
  {
    // An unknown code (404) or a refusal of a direct redemption counts as a coupon rejection.
    onOutcome: ({ route, code }) => {
      if (route.operationId === 'redeemCoupon') recordCouponRejection(code);
    },
  },
);
