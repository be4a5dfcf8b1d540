/**
 * Infra tier: the back office's invoicing in the synthesized template. The generic stack and
 * wiring tests derive queues, rules and routes from the topology; this pins what invoicing needs
 * beyond that: its consumer throttled (the gapless counters are one hot item), fed by the three
 * events it handles, the sales report fed by credit notes, and the invoice routes deployed.
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { getAtt, logicalId, ref, resourcesOfType, synthesize } from './helpers.ts';

describe('StorelineStack: invoicing', () => {
  const { stack, template } = synthesize();

  it('bounds the invoicing consumer to two concurrent batches, fed by its queue with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(stack.functions.get('invoicing')!.function),
      EventSourceArn: getAtt(stack.consumers.get('invoicing')!.queue),
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('routes OrderPlaced, OrderCancelled and ReturnReceived to the invoicing queue, CreditNoteIssued to the sales reports', () => {
    const patternsTargeting = (name: string) =>
      Object.values(resourcesOfType(template, 'AWS::Events::Rule'))
        .filter((rule) =>
          JSON.stringify(rule.Properties.Targets).includes(
            `"${logicalId(stack.consumers.get(name)!.queue)}"`,
          ),
        )
        .map((rule) => rule.Properties.EventPattern);
    expect(patternsTargeting('invoicing')).toEqual([
      { source: ['storeline.orders'], 'detail-type': ['OrderPlaced', 'OrderCancelled'] },
      { source: ['storeline.returns'], 'detail-type': ['ReturnReceived'] },
    ]);
    expect(patternsTargeting('salesReports')).toContainEqual({
      source: ['storeline.invoicing'],
      'detail-type': ['CreditNoteIssued'],
    });
  });

  it('keeps invoicing messages through ten receives before the DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: getAtt(stack.consumers.get('invoicing')!.deadLetterQueue),
        maxReceiveCount: topology.functions.invoicing.consumer.maxReceiveCount,
      },
    });
    expect(topology.functions.invoicing.consumer.maxReceiveCount).toBe(10);
  });

  it('deploys GET /invoices/{id} and GET /invoices', () => {
    const routeKeys = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );
    expect(routeKeys).toEqual(expect.arrayContaining(['GET /invoices/{id}', 'GET /invoices']));
  });
});
