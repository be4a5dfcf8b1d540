/**
 * Infra tier: alerting in the synthesized template. The alerting consumer's queue is fed by the
 * three alert events and may publish to the ops topic only; every DLQ alarm is named
 * `<stack>-dlq-<queue>` and notifies the ops topic, which delivers those notifications — and only
 * those, by a filter on the message body — to the `dlqAlarms` function, which SNS alone may invoke
 * from that topic and which may publish nothing anywhere.
 */
import { describe, expect, it } from 'vitest';
import { dlqAlarmName, queueOfAlarm } from '#functions/alerting/alarms.ts';
import { type Topology, topology } from '#infra/topology.ts';
import {
  actionsOf,
  allowedActions,
  getAtt,
  logicalId,
  operationsTemplate,
  type PolicyStatementJson,
  ref,
  resource,
  resourcesOf,
  resourcesOfType,
  statementsForRole,
  synthesize,
} from './helpers.ts';

const { stack, template } = synthesize();
const functions = topology.functions as Topology['functions'];
const alerting = stack.functions.get('alerting')!;
const dlqAlarms = stack.functions.get('dlqAlarms')!;
const topic = stack.observability.alarmTopic;

describe('StorelineStack: alerting', () => {
  it('feeds the alerting queue with StockLow, TicketSlaBreached and AlertRaised', () => {
    const patterns = JSON.stringify(
      stack.consumers
        .get('alerting')!
        .rules.map((rule) => resource(template, logicalId(rule)).Properties.EventPattern),
    );
    for (const type of ['StockLow', 'TicketSlaBreached', 'AlertRaised']) expect(patterns).toContain(type);
    const mapping = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).find(
      (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify(ref(alerting.function)),
    );
    expect(mapping?.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 2 });
  });

  it('lets the alerting function publish to the ops topic only, and nowhere else', () => {
    const publishes = statementsForRole(template, alerting.role).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('sns:')),
    );
    expect(publishes).toHaveLength(1);
    expect(actionsOf(publishes[0]!)).toEqual(['sns:Publish']);
    expect(resourcesOf(publishes[0]!)).toEqual([ref(topic)]);
    const env = resource(template, logicalId(alerting.function)).Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(env.Variables.OPS_TOPIC_ARN).toEqual(ref(topic));
  });

  it('names every DLQ alarm <stack>-dlq-<queue>, each notifying the ops topic', () => {
    const alarms = Object.values(resourcesOfType(operationsTemplate(), 'AWS::CloudWatch::Alarm')).filter(
      (a) => String(a.Properties.AlarmName ?? '').includes('-dlq-'),
    );
    const queues = [
      ...Object.entries(functions).flatMap(([name, fn]) => (fn.consumer ? [name] : [])),
      ...Object.entries(functions).flatMap(([name, fn]) => (fn.stream ? [`${name}-stream-failures`] : [])),
    ];
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(
      queues.map((q) => dlqAlarmName(stack.stackName, q)).sort(),
    );
    expect(alarms.map((a) => queueOfAlarm(String(a.Properties.AlarmName))).sort()).toEqual(
      [...queues].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.MetricName).toBe('ApproximateNumberOfMessagesVisible');
      expect(alarm.Properties.AlarmActions).toEqual([ref(topic)]);
    }
    expect(queues).toContain('alerting');
  });

  it('subscribes dlqAlarms to the ops topic for DLQ alarms entering ALARM only (filter on the body)', () => {
    const subscriptions = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription'));
    const ours = subscriptions.filter(
      (s) => JSON.stringify(s.Properties.Endpoint) === JSON.stringify(getAtt(dlqAlarms.function)),
    );
    expect(ours).toHaveLength(1);
    expect(ours[0]?.Properties).toMatchObject({
      Protocol: 'lambda',
      TopicArn: ref(topic),
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: {
        AlarmName: [{ prefix: dlqAlarmName(stack.stackName, '') }],
        NewStateValue: ['ALARM'],
      },
    });
    // Nothing else listens on the topic through a function: ops notifications cannot loop back.
    expect(subscriptions.filter((s) => s.Properties.Protocol === 'lambda')).toHaveLength(1);
  });

  it('lets SNS invoke dlqAlarms from the ops topic only', () => {
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(getAtt(dlqAlarms.function)),
    );
    expect(permissions.map((p) => p.Properties)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'sns.amazonaws.com',
        SourceArn: ref(topic),
      }),
    ]);
  });

  it('grants dlqAlarms the table and nothing to publish with (it writes the outbox)', () => {
    const actions = allowedActions(template, dlqAlarms.role);
    expect([...actions].filter((a) => /^(sns|ses|events|sqs|lambda|kms):/.test(a))).toEqual([]);
    expect(actions).toContain('dynamodb:PutItem');
    expect(functions.dlqAlarms?.alarmSubscription).toEqual({ alarms: 'deadLetterQueues' });
  });

  it('gives the alerting queue and its DLQ one shared, TLS-only queue policy (the stack stays within 500 resources)', () => {
    const consumer = stack.consumers.get('alerting')!;
    const queues = [ref(consumer.queue), ref(consumer.deadLetterQueue)];
    const policies = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).filter((p) =>
      queues.some((q) => JSON.stringify(p.Properties.Queues).includes(JSON.stringify(q))),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties.PolicyDocument as { Statement: PolicyStatementJson[] })
      .Statement;
    const denies = statements.filter((st) => st.Effect === 'Deny').flatMap(resourcesOf);
    expect(denies).toEqual(
      expect.arrayContaining([getAtt(consumer.queue), getAtt(consumer.deadLetterQueue)]),
    );
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(500);
  });
});
