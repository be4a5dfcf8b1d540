/**
 * Infra tier, customers: the generic tests derive their expectations from the topology; these
 * name the customers routes and the profiles consumer explicitly, so dropping one from the
 * topology fails here too.
 */
import { describe, expect, it } from 'vitest';
import { getAtt, logicalId, resourcesOfType, synthesize } from './helpers.ts';

describe('StorelineStack: customers', () => {
  const { stack, template } = synthesize();

  it('routes every customers operation to the customers function, all behind the JWT authorizer', () => {
    // Prepare
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties,
    );
    // `GET /customers/{id}/timeline` and `…/loyalty` live under the same path but belong to the
    // timeline and loyalty contexts.
    const customerRoutes = routes.filter(
      (r) => String(r.RouteKey).includes(' /customers') && !/\/(timeline|loyalty)$/.test(String(r.RouteKey)),
    );

    // Assess
    expect(customerRoutes.map((r) => r.RouteKey).sort()).toEqual(
      [
        'GET /customers',
        'GET /customers/{id}',
        'GET /customers/{id}/export',
        'GET /customers/{id}/interactions',
        'PATCH /customers/{id}',
        'POST /customers',
        'POST /customers/{id}/interactions',
        'POST /customers/{id}/notes',
        'POST /customers/{id}/erase',
      ].sort(),
    );
    for (const route of customerRoutes) expect(route.AuthorizationType).toBe('JWT');
    expect(stack.functions.get('customers')).toBeDefined();
  });

  it('feeds OrderPlaced and CustomerErased to the customerProfiles queue, with a DLQ', () => {
    // Prepare
    const consumer = stack.consumers.get('customerProfiles')!;
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${logicalId(consumer.queue)}"`),
    );

    // Assess
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual(
      expect.arrayContaining([
        { source: ['storeline.orders'], 'detail-type': ['OrderPlaced'] },
        { source: ['storeline.customers'], 'detail-type': ['CustomerErased'] },
      ]),
    );
    expect(rules).toHaveLength(2);
    expect(rules[0]!.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: getAtt(consumer.queue),
        DeadLetterConfig: { Arn: getAtt(consumer.deadLetterQueue) },
      }),
    ]);
  });
});
