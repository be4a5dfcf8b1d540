/**
 * Infra tier, returns (RMA): the stack tests check every topology route generically; this file
 * names what issue 10 promises explicitly, so dropping the function or a route from the topology
 * fails here too.
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { allowedActions, getAtt, resource, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize(topology);

const RETURN_ROUTES = [
  'POST /orders/{id}/returns',
  'GET /orders/{id}/returns',
  'GET /returns/{id}',
  'POST /returns/{id}/approve',
  'POST /returns/{id}/reject',
  'POST /returns/{id}/receive',
];

describe('StorelineStack: returns', () => {
  it('serves every returns route from the returns function', () => {
    // Prepare
    const fn = stack.functions.get('returns')?.function;
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));

    // Assess
    expect(fn).toBeDefined();
    for (const key of RETURN_ROUTES) {
      const route = routes.find((r) => r.Properties.RouteKey === key);
      expect(route, key).toBeDefined();
      const target = route?.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = resource(template, target['Fn::Join'][1][1].Ref);
      expect(integration.Properties.IntegrationUri, key).toEqual(getAtt(fn!));
    }
  });

  it('lets the returns function write the table transactionally (conditions, updates, puts)', () => {
    // Prepare
    const actions = allowedActions(template, stack.functions.get('returns')!.role);

    // Assess
    for (const action of [
      'dynamodb:ConditionCheckItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]) {
      expect(actions.has(action), action).toBe(true);
    }
  });
});
