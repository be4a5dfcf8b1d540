/**
 * Infra tier: the customer timeline in the synthesized template — its consumer's rules deliver
 * every mapped event type from its own source to the timeline queue, the queue feeds the consumer
 * with partial batch responses, and the timeline route reaches its read-only function behind JWT.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { eventCatalogue } from '#events/catalog.ts';
import { timelineEventTypes } from '#functions/timeline/mappings.ts';
import { allowedActions, getAtt, ref, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize();
const consumer = stack.consumers.get('timeline');
const fn = stack.functions.get('timeline');
const api = stack.functions.get('timelineApi');

describe('StorelineStack: customer timeline', () => {
  it('routes every mapped event type, from its own source, to the timeline queue', () => {
    expect(consumer && fn && api).toBeTruthy();
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(JSON.stringify(getAtt(consumer!.queue))),
    );
    const delivered = rules.flatMap((rule) => {
      const pattern = rule.Properties.EventPattern as { source: string[]; 'detail-type': string[] };
      expect(pattern.source).toHaveLength(1);
      for (const type of pattern['detail-type']) {
        expect(eventCatalogue[type as keyof typeof eventCatalogue].source).toBe(pattern.source[0]);
      }
      return pattern['detail-type'];
    });
    // Plus CustomerErased: the timeline's erasure handler (not a mapping).
    expect(delivered.sort()).toEqual([...timelineEventTypes, 'CustomerErased'].sort());
  });

  it('feeds the consumer from its queue with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(fn!.function),
      EventSourceArn: getAtt(consumer!.queue),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('serves GET /customers/{id}/timeline behind the JWT authorizer from a function that cannot write', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /customers/{id}/timeline',
      AuthorizationType: 'JWT',
      AuthorizerId: Match.anyValue(),
    });
    const actions = [...allowedActions(template, api!.function.role!)];
    expect(actions).toContain('dynamodb:Query');
    expect(actions.filter((a) => a.startsWith('dynamodb:') && /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });
});
