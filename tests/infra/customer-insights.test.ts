/**
 * Infra tier: customer insights in Storeline's own synthesized template — the consumer's queue with
 * its DLQ, the bus rules of the three events it keeps counters from, its bounded concurrency (it
 * writes shared histogram and cohort rows), and `GET /reports/customers` on the reports function.
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { getAtt, logicalId, ref, resource, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize();

describe('StorelineStack: customer insights', () => {
  const consumer = stack.consumers.get('customerInsights')!;

  it('feeds the insights consumer from a queue with a DLQ, two batches at a time', () => {
    // Prepare
    const queueId = logicalId(consumer.queue);
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${queueId}"`),
    );
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).filter(
      (m) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(getAtt(consumer.queue)),
    );

    // Assess
    expect(resource(template, queueId).Properties).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: getAtt(consumer.deadLetterQueue), maxReceiveCount: 5 },
    });
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      { source: ['storeline.orders'], 'detail-type': ['OrderPlaced', 'OrderCancelled'] },
      { source: ['storeline.invoicing'], 'detail-type': ['CreditNoteIssued'] },
    ]);
    expect(mappings).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          FunctionName: ref(stack.functions.get('customerInsights')!.function),
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 2 },
        }),
      }),
    ]);
  });

  it('serves GET /reports/customers from the reports function, staff only, behind the JWT authorizer', () => {
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    expect(routes).toContainEqual(
      expect.objectContaining({
        Properties: expect.objectContaining({ RouteKey: 'GET /reports/customers', AuthorizationType: 'JWT' }),
      }),
    );
    expect(topology.functions.reports.routes.getCustomerReport).toMatchObject({
      path: '/reports/customers',
      access: 'staff',
    });
  });
});
