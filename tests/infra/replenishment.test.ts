/**
 * Infra tier: replenishment in Storeline's own synthesized template — the low-stock consumer's
 * queue, DLQ, bus rules and event source mapping, and the purchase-order routes on their function.
 * (event-wiring.test.ts checks consumer wiring generically, on a synthetic topology.)
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { getAtt, logicalId, ref, resource, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize();

describe('StorelineStack: replenishment', () => {
  const consumer = stack.consumers.get('replenishment')!;

  it('feeds the replenishment consumer from a queue with a DLQ, by every event that moves available stock', () => {
    // Prepare
    const queueId = logicalId(consumer.queue);
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${queueId}"`),
    );

    // Assess
    expect(resource(template, queueId).Properties).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: getAtt(consumer.deadLetterQueue), maxReceiveCount: 5 },
    });
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      { source: ['storeline.orders'], 'detail-type': ['OrderPlaced', 'OrderCancelled'] },
      { source: ['storeline.catalog'], 'detail-type': ['StockChanged'] },
      { source: ['storeline.returns'], 'detail-type': ['ReturnReceived'] },
    ]);
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).filter(
      (m) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(getAtt(consumer.queue)),
    );
    expect(mappings).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          FunctionName: ref(stack.functions.get('replenishment')!.function),
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        }),
      }),
    ]);
  });

  it('serves every suggestion and purchase-order route from the purchasing function, behind the JWT authorizer', () => {
    // Prepare
    const expected = [
      'GET /replenishments',
      'POST /replenishments/{id}/dismiss',
      'POST /purchase-orders',
      'GET /purchase-orders',
      'GET /purchase-orders/{id}',
      'POST /purchase-orders/{id}/send',
      'POST /purchase-orders/{id}/cancel',
      'POST /purchase-orders/{id}/receipts',
    ];
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));

    // Assess
    for (const key of expected) {
      expect(routes, key).toContainEqual(
        expect.objectContaining({
          Properties: expect.objectContaining({ RouteKey: key, AuthorizationType: 'JWT' }),
        }),
      );
    }
    expect(
      Object.values(topology.functions.purchasing.routes)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([...expected].sort());
    expect(Object.values(topology.functions.purchasing.routes).every((r) => r.access === 'staff')).toBe(true);
  });
});
