/**
 * Infra tier: campaigns in Storeline's own synthesized template — the staff routes on the
 * campaigns function, its send-time timer group targeting the launcher, the sender consumer fed by
 * its own page chain one event at a time with bounded concurrency and its rate in the environment,
 * and least-privilege sending: SES on the sender identity and SMS to phone numbers only (no topic)
 * for the sender, nothing for the API or the launcher. (timers.test.ts and messaging.test.ts check
 * the timer roles and send grants generically.)
 */
import { describe, expect, it } from 'vitest';
import { timerEntries, topology } from '#infra/topology.ts';
import {
  actionsOf,
  getAtt,
  logicalId,
  type PolicyStatementJson,
  ref,
  resource,
  resourcesOfType,
  statementsForRole,
  synthesize,
} from './helpers.ts';

const { stack, template } = synthesize();
const sends = (s: PolicyStatementJson) =>
  actionsOf(s).some((a) => a.startsWith('ses:') || a.startsWith('sns:'));

describe('StorelineStack: campaigns', () => {
  it('serves every campaign route from the campaigns function, staff only, behind the JWT authorizer', () => {
    const expected = [
      'POST /campaigns',
      'GET /campaigns/{id}',
      'GET /campaigns',
      'POST /campaigns/{id}/cancel',
    ];
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    for (const key of expected) {
      expect(routes, key).toContainEqual(
        expect.objectContaining({
          Properties: expect.objectContaining({ RouteKey: key, AuthorizationType: 'JWT' }),
        }),
      );
    }
    const declared = Object.values(topology.functions.campaigns.routes);
    expect(declared.map((r) => `${r.method} ${r.path}`).sort()).toEqual([...expected].sort());
    expect(declared.every((r) => r.access === 'staff')).toBe(true);
  });

  it('gives the campaigns function a send-time timer group whose schedules invoke the launcher', () => {
    expect(timerEntries(topology)).toContainEqual({
      owner: 'campaigns',
      timer: expect.objectContaining({ name: 'campaignSends', target: 'campaignLauncher' }),
    });
    const timer = stack.timers.get('campaigns')!.timers.get('campaignSends')!;
    expect(resource(template, logicalId(timer.group)).Type).toBe('AWS::Scheduler::ScheduleGroup');
  });

  it('feeds campaignSender from its own page chain, one page per invocation, two at a time', () => {
    const consumer = stack.consumers.get('campaignSender')!;
    const queueId = logicalId(consumer.queue);
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${queueId}"`),
    );
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      { source: ['storeline.campaigns'], 'detail-type': ['CampaignPageDue'] },
    ]);
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).filter(
      (m) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(getAtt(consumer.queue)),
    );
    expect(mappings).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          FunctionName: ref(stack.functions.get('campaignSender')!.function),
          BatchSize: 1,
          ScalingConfig: { MaximumConcurrency: 2 },
        }),
      }),
    ]);
    const fn = resource(template, logicalId(stack.functions.get('campaignSender')!.function));
    expect(fn.Properties).toMatchObject({
      Timeout: 60,
      Environment: { Variables: expect.objectContaining({ CAMPAIGN_SEND_RATE: '10' }) },
    });
  });

  it('lets only the sender send: SES on the identity, SMS to numbers with every topic denied', () => {
    const sender = statementsForRole(template, stack.functions.get('campaignSender')!.role).filter(sends);
    expect(
      sender
        .filter((s) => s.Effect === 'Allow')
        .flatMap(actionsOf)
        .sort(),
    ).toEqual(['ses:SendEmail', 'ses:SendRawEmail', 'sns:Publish']);
    expect(sender.filter((s) => s.Effect === 'Deny').flatMap(actionsOf)).toEqual(['sns:Publish']);
    for (const name of ['campaigns', 'campaignLauncher']) {
      expect(statementsForRole(template, stack.functions.get(name)!.role).filter(sends), name).toEqual([]);
    }
  });
});
