/**
 * Infra tier: loyalty in the synthesized template — the ledger consumer's rules deliver
 * `OrderDelivered`, `OrderCancelled` and `CreditNoteIssued` from their own sources to its queue,
 * the queue feeds it with partial batch responses, and the account route reaches its read-only
 * function behind JWT.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { eventCatalogue } from '#events/catalog.ts';
import { allowedActions, getAtt, ref, resourcesOfType, synthesize } from './helpers.ts';

const { stack, template } = synthesize();
const consumer = stack.consumers.get('loyalty');
const fn = stack.functions.get('loyalty');
const api = stack.functions.get('loyaltyApi');

describe('StorelineStack: loyalty', () => {
  it('routes deliveries, cancellations and credit notes, each from its own source, to the ledger queue', () => {
    expect(consumer && fn && api).toBeTruthy();
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(JSON.stringify(getAtt(consumer!.queue))),
    );
    const delivered = rules.flatMap((rule) => {
      const pattern = rule.Properties.EventPattern as { source: string[]; 'detail-type': string[] };
      for (const type of pattern['detail-type']) {
        expect(eventCatalogue[type as keyof typeof eventCatalogue].source).toBe(pattern.source[0]);
      }
      return pattern['detail-type'];
    });
    expect(delivered.sort()).toEqual(['CreditNoteIssued', 'OrderCancelled', 'OrderDelivered']);
  });

  it('feeds the ledger consumer from its queue with partial batch responses, and lets it write', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(fn!.function),
      EventSourceArn: getAtt(consumer!.queue),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const actions = [...allowedActions(template, fn!.function.role!)];
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
  });

  it('serves GET /customers/{id}/loyalty behind the JWT authorizer from a function that cannot write', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /customers/{id}/loyalty',
      AuthorizationType: 'JWT',
      AuthorizerId: Match.anyValue(),
    });
    const actions = [...allowedActions(template, api!.function.role!)];
    expect(actions).toContain('dynamodb:Query');
    expect(actions.filter((a) => a.startsWith('dynamodb:') && /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });
});
