/**
 * Infra tier: segments in Storeline's own synthesized template — the facts and backfill consumers'
 * queues, DLQs, bus rules and bounded event source mappings, the daily review's EventBridge
 * Scheduler schedule, and the staff routes on their function. (event-wiring.test.ts checks
 * consumers and schedules generically, on a synthetic topology.)
 */
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { getAtt, logicalId, ref, resource, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize();

function wiring(name: string) {
  const consumer = stack.consumers.get(name)!;
  const queueId = logicalId(consumer.queue);
  const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
    JSON.stringify(rule.Properties.Targets).includes(`"${queueId}"`),
  );
  const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).filter(
    (m) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(getAtt(consumer.queue)),
  );
  return { consumer, queueId, rules, mappings };
}

describe('StorelineStack: segments', () => {
  it('feeds segmentFacts from every event that changes a customer fact, two batches at a time', () => {
    const { consumer, queueId, rules, mappings } = wiring('segmentFacts');
    expect(resource(template, queueId).Properties).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: getAtt(consumer.deadLetterQueue), maxReceiveCount: 10 },
    });
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      { source: ['storeline.orders'], 'detail-type': ['OrderPlaced', 'OrderCancelled'] },
      { source: ['storeline.invoicing'], 'detail-type': ['CreditNoteIssued'] },
      {
        source: ['storeline.customers'],
        'detail-type': ['ConsentChanged', 'CustomerCreated', 'CustomerUpdated'],
      },
      { source: ['storeline.loyalty'], 'detail-type': ['LoyaltyPointsChanged'] },
    ]);
    expect(mappings).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          FunctionName: ref(stack.functions.get('segmentFacts')!.function),
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 2 },
        }),
      }),
    ]);
  });

  it('feeds segmentBackfill from its own chain of events, one page per invocation', () => {
    const { rules, mappings } = wiring('segmentBackfill');
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      { source: ['storeline.segments'], 'detail-type': ['SegmentDefined', 'SegmentBackfillContinued'] },
    ]);
    expect(mappings).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          FunctionName: ref(stack.functions.get('segmentBackfill')!.function),
          BatchSize: 1,
        }),
      }),
    ]);
  });

  it('runs the window review daily through EventBridge Scheduler', () => {
    const fn = stack.functions.get('segmentWindows')!.function;
    const schedules = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule'));
    expect(schedules).toContainEqual(
      expect.objectContaining({
        Properties: expect.objectContaining({
          ScheduleExpression: 'rate(1 day)',
          Target: expect.objectContaining({
            Arn: getAtt(fn),
            Input: JSON.stringify({ schedule: 'segment-windows-daily' }),
          }),
        }),
      }),
    );
  });

  it('serves every segment route from the segments function, staff only, behind the JWT authorizer', () => {
    const expected = [
      'PUT /segments/{id}',
      'GET /segments/{id}',
      'GET /segments',
      'GET /segments/{id}/members',
    ];
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    for (const key of expected) {
      expect(routes, key).toContainEqual(
        expect.objectContaining({
          Properties: expect.objectContaining({ RouteKey: key, AuthorizationType: 'JWT' }),
        }),
      );
    }
    const declared = Object.values(topology.functions.segments.routes);
    expect(declared.map((r) => `${r.method} ${r.path}`).sort()).toEqual([...expected].sort());
    expect(declared.every((r) => r.access === 'staff')).toBe(true);
  });
});
