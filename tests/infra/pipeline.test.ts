/**
 * The sales pipeline in the synthesized template, spelled out rather than derived from the
 * topology (the generic tests derive theirs): its routes reach the pipeline function behind the
 * JWT authorizer, and the forecast consumer's queue gets exactly the opportunity change events,
 * with bounded concurrency (it adds to shared month × owner rows).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { getAtt, logicalId, ref, resourcesOfType, synthesize } from './helpers.ts';

const ROUTES = [
  'POST /leads',
  'GET /leads',
  'GET /leads/{id}',
  'POST /leads/{id}/convert',
  'POST /leads/{id}/activities',
  'GET /leads/{id}/activities',
  'GET /opportunities',
  'GET /opportunities/{id}',
  'PATCH /opportunities/{id}',
  'POST /opportunities/{id}/activities',
  'GET /opportunities/{id}/activities',
  'GET /reports/pipeline',
];

describe('StorelineStack: sales pipeline', () => {
  const { stack, template } = synthesize();
  const pipeline = stack.functions.get('pipeline');
  const forecast = stack.consumers.get('pipelineForecast');

  it('has the pipeline function and the forecast consumer', () => {
    expect(pipeline).toBeDefined();
    expect(forecast).toBeDefined();
    expect(stack.functions.get('pipelineForecast')).toBeDefined();
  });

  it.each(ROUTES)('routes %s to the pipeline function behind the JWT authorizer', (key) => {
    const [route] = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: key } }),
    ) as {
      Properties: { AuthorizationType: string; Target: { 'Fn::Join': [string, [string, { Ref: string }]] } };
    }[];
    expect(route?.Properties.AuthorizationType).toBe('JWT');
    const integrationId = route?.Properties.Target['Fn::Join'][1][1].Ref ?? '';
    const integrations = resourcesOfType(template, 'AWS::ApiGatewayV2::Integration');
    expect(integrations[integrationId]?.Properties.IntegrationUri).toEqual(getAtt(pipeline!.function));
  });

  it('feeds the forecast queue the opportunity change events only', () => {
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${logicalId(forecast!.queue)}"`),
    );
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      {
        source: ['storeline.pipeline'],
        'detail-type': ['OpportunityCreated', 'OpportunityStageChanged', 'OpportunityUpdated'],
      },
    ]);
  });

  it('bounds the forecast consumer (it adds every change to month × owner rows)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(stack.functions.get('pipelineForecast')!.function),
      EventSourceArn: getAtt(forecast!.queue),
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: Match.anyValue(),
    });
  });

  it('feeds OpportunityWon to the orders context and its refusals back to the pipeline', () => {
    const patternOf = (consumer: string) => {
      const queue = stack.consumers.get(consumer)?.queue;
      expect(queue, consumer).toBeDefined();
      return Object.values(resourcesOfType(template, 'AWS::Events::Rule'))
        .filter((rule) => JSON.stringify(rule.Properties.Targets).includes(`"${logicalId(queue!)}"`))
        .map((r) => r.Properties.EventPattern);
    };
    // The orders context's erasure handler rides on this consumer (docs/security.md, "Personal data").
    expect(patternOf('opportunityOrders')).toEqual(
      expect.arrayContaining([
        { source: ['storeline.pipeline'], 'detail-type': ['OpportunityWon'] },
        { source: ['storeline.customers'], 'detail-type': ['CustomerErased'] },
      ]),
    );
    expect(patternOf('opportunityOrders')).toHaveLength(2);
    expect(patternOf('opportunityOrderOutcomes')).toEqual([
      { source: ['storeline.orders'], 'detail-type': ['OpportunityOrderRefused'] },
    ]);
    for (const consumer of ['opportunityOrders', 'opportunityOrderOutcomes']) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: ref(stack.functions.get(consumer)!.function),
        EventSourceArn: getAtt(stack.consumers.get(consumer)!.queue),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });
});
