/**
 * Infra tier, service desk: the stack tests check every topology route generically; this file
 * names what issue 13 promises explicitly, so dropping the function or a route from the topology
 * fails here too.
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { allowedActions, getAtt, resource, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize(topology);

/** Each route with the function serving it: opening, reads (read-only), changes. */
const TICKET_ROUTES: Record<string, string> = {
  'POST /tickets': 'tickets',
  'GET /tickets': 'ticketQueries',
  'GET /tickets/mine': 'ticketQueries',
  'GET /tickets/{id}': 'ticketQueries',
  'PATCH /tickets/{id}': 'ticketChanges',
  'POST /tickets/{id}/comments': 'ticketChanges',
  'POST /tickets/{id}/checklist': 'ticketChanges',
  'PATCH /tickets/{id}/checklist/{itemId}': 'ticketChanges',
  'POST /tickets/{id}/approval': 'ticketChanges',
};

describe('StorelineStack: tickets', () => {
  it('serves every ticket route from its function', () => {
    // Prepare
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));

    // Assess
    for (const [key, name] of Object.entries(TICKET_ROUTES)) {
      const fn = stack.functions.get(name)?.function;
      expect(fn, name).toBeDefined();
      const route = routes.find((r) => r.Properties.RouteKey === key);
      expect(route, key).toBeDefined();
      const target = route?.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = resource(template, target['Fn::Join'][1][1].Ref);
      expect(integration.Properties.IntegrationUri, key).toEqual(getAtt(fn!));
    }
  });

  it('lets opening and changes write the table transactionally; reads only read it', () => {
    for (const name of ['tickets', 'ticketChanges', 'ticketSla']) {
      // Prepare
      const actions = allowedActions(template, stack.functions.get(name)!.role);

      // Assess
      for (const action of [
        'dynamodb:ConditionCheckItem',
        'dynamodb:UpdateItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]) {
        expect(actions.has(action), `${name} ${action}`).toBe(true);
      }
    }
    const reads = allowedActions(template, stack.functions.get('ticketQueries')!.role);
    expect(reads.has('dynamodb:Query')).toBe(true);
    expect(reads.has('dynamodb:PutItem')).toBe(false);
  });

  it('feeds TicketSlaBreached to the ticketSla consumer through its own queue', () => {
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule'));
    const rule = rules.find(
      (r) =>
        JSON.stringify(r.Properties.EventPattern ?? {}).includes('TicketSlaBreached') &&
        JSON.stringify(r.Properties.Targets ?? []).includes('TicketSla'),
    );
    expect(rule).toBeDefined();
  });
});
