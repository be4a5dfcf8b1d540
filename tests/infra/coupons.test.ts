/**
 * Infra tier, coupons: the stack tests check every topology route generically; this file names
 * what issue 12 promises for coupons explicitly, so dropping the function, a route, or the
 * subscriptions that put coupon redemptions on the timeline fails here too.
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { allowedActions, getAtt, resource, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize(topology);

const COUPON_ROUTES = [
  'PUT /coupons/{code}',
  'GET /coupons/{code}',
  'GET /coupons/{code}/redemptions',
  'POST /coupons/{code}/redemptions',
];

describe('StorelineStack: coupons', () => {
  it('serves every coupon route from the coupons function', () => {
    // Prepare
    const fn = stack.functions.get('coupons')?.function;
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));

    // Assess
    expect(fn).toBeDefined();
    for (const key of COUPON_ROUTES) {
      const route = routes.find((r) => r.Properties.RouteKey === key);
      expect(route, key).toBeDefined();
      const target = route?.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = resource(template, target['Fn::Join'][1][1].Ref);
      expect(integration.Properties.IntegrationUri, key).toEqual(getAtt(fn!));
    }
  });

  it('lets the coupons and orders functions redeem in one transaction (updates, condition checks, puts)', () => {
    for (const name of ['coupons', 'orders', 'webhooks']) {
      const actions = allowedActions(template, stack.functions.get(name)!.role);
      for (const action of ['dynamodb:ConditionCheckItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem']) {
        expect(actions.has(action), `${name}: ${action}`).toBe(true);
      }
    }
  });

  it('routes CouponRedeemed and CouponRedemptionReleased to the timeline consumer', () => {
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule'));
    const detailTypes = rules.flatMap((r) => {
      const pattern = r.Properties.EventPattern as { 'detail-type'?: string[] } | undefined;
      return pattern?.['detail-type'] ?? [];
    });
    expect(detailTypes).toEqual(expect.arrayContaining(['CouponRedeemed', 'CouponRedemptionReleased']));
    expect(topology.functions.timeline.consumer.events).toContainEqual({
      source: 'storeline.coupons',
      detailTypes: ['CouponRedeemed', 'CouponRedemptionReleased'],
    });
  });
});
