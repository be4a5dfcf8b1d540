/**
 * Infra tier, service desk: the stack tests check every topology route generically; this file
 * names what issue 13 promises explicitly, so dropping the function or a route from the topology
 * fails here too.
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { allowedActions, getAtt, resource, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize(topology);

const TICKET_ROUTES = [
  'POST /tickets',
  'GET /tickets',
  'GET /tickets/mine',
  'GET /tickets/{id}',
  'PATCH /tickets/{id}',
  'POST /tickets/{id}/comments',
  'POST /tickets/{id}/checklist',
  'PATCH /tickets/{id}/checklist/{itemId}',
  'POST /tickets/{id}/approval',
];

describe('StorelineStack: tickets', () => {
  it('serves every ticket route from the tickets function', () => {
    // Prepare
    const fn = stack.functions.get('tickets')?.function;
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));

    // Assess
    expect(fn).toBeDefined();
    for (const key of TICKET_ROUTES) {
      const route = routes.find((r) => r.Properties.RouteKey === key);
      expect(route, key).toBeDefined();
      const target = route?.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = resource(template, target['Fn::Join'][1][1].Ref);
      expect(integration.Properties.IntegrationUri, key).toEqual(getAtt(fn!));
    }
  });

  it('lets the tickets function write the table transactionally and query its lists', () => {
    // Prepare
    const actions = allowedActions(template, stack.functions.get('tickets')!.role);

    // Assess
    for (const action of [
      'dynamodb:ConditionCheckItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]) {
      expect(actions.has(action), action).toBe(true);
    }
  });
});
