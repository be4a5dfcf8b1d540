/**
 * Infra tier: the service-desk reports in the synthesized template. The generic stack and wiring
 * tests derive queues, rules and routes from the topology; this pins what the report needs beyond
 * that: its consumer fed by the three ticket events it counts and bounded to two concurrent
 * batches (its day × type rows and backlog shards are shared counters), and its route deployed
 * behind the JWT authorizer on the reports function.
 */
import { describe, expect, it } from 'vitest';
import { getAtt, logicalId, ref, resourcesOfType, synthesize } from './helpers.ts';

describe('StorelineStack: service-desk reports', () => {
  const { stack, template } = synthesize();

  it('routes TicketCreated, TicketStatusChanged and TicketResolved to the serviceDeskReports queue, with a DLQ', () => {
    const consumer = stack.consumers.get('serviceDeskReports')!;
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${logicalId(consumer.queue)}"`),
    );
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      {
        source: ['storeline.tickets'],
        'detail-type': ['TicketCreated', 'TicketStatusChanged', 'TicketResolved'],
      },
    ]);
    expect(rules[0]!.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: getAtt(consumer.queue),
        DeadLetterConfig: { Arn: getAtt(consumer.deadLetterQueue) },
      }),
    ]);
  });

  it('bounds the consumer to two concurrent batches, with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(stack.functions.get('serviceDeskReports')!.function),
      EventSourceArn: getAtt(stack.consumers.get('serviceDeskReports')!.queue),
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('deploys GET /reports/service-desk behind the JWT authorizer', () => {
    const route = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).find(
      (r) => r.Properties.RouteKey === 'GET /reports/service-desk',
    );
    expect(route?.Properties.AuthorizationType).toBe('JWT');
  });
});
