/**
 * The local stand-in for the DLQ alarms (docs/local-runtime.md): in AWS a dead-letter queue's
 * CloudWatch alarm goes to ALARM when its first message is visible and notifies the ops topic,
 * which delivers the notification to the functions subscribed for DLQ alarms (`alarmSubscription`
 * in the topology). Locally there is no CloudWatch: when a message arrives in an empty DLQ (the
 * backbone's `onDeadLetters` hook), the runtime invokes those same functions with the SNS event
 * AWS would deliver, carrying the alarm notification CloudWatch would write. The function then
 * raises the alert (`AlertRaised` with key `dlq:<queue>`) exactly as in AWS.
 *
 * Differences from AWS: the alarm fires at once (CloudWatch evaluates once a minute), and "back to
 * OK" is the DLQ emptying (a redrive or purge), after which the next arrival fires again.
 */
import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import { dlqAlarmName } from '#functions/alerting/alarms.ts';
import type { Topology } from '../topology/types.ts';
import { localOpsTopicArn } from './messaging.ts';

/** The stack name the local alarms are named after (`<stack>-dlq-<queue>`). */
export const LOCAL_ALARM_STACK = 'storeline-local';
/** The `origin` of alerts raised by the local DLQ hook. */
export const LOCAL_DLQ_ORIGIN = 'local-dlq';

/** The functions the ops topic delivers DLQ alarms to. */
export function dlqAlarmSubscribers(t: Topology): string[] {
  return Object.entries(t.functions)
    .filter(([, fn]) => fn.alarmSubscription?.alarms === 'deadLetterQueues')
    .map(([name]) => name);
}

/** The SNS event the ops topic delivers for a DLQ alarm going to ALARM, as CloudWatch writes it. */
export function dlqAlarmEvent(queue: string, region: string, now = new Date()): SNSEvent {
  const topicArn = localOpsTopicArn(region);
  const alarmName = dlqAlarmName(LOCAL_ALARM_STACK, queue);
  const message = {
    AlarmName: alarmName,
    AlarmDescription: `Messages are waiting in the ${queue} dead-letter queue: inspect them, fix the cause, then redrive.`,
    AWSAccountId: '000000000000',
    NewStateValue: 'ALARM',
    NewStateReason: `Threshold Crossed: a message arrived in the ${queue} dead-letter queue (local runtime).`,
    StateChangeTime: now.toISOString().replace('Z', '+0000'),
    Region: region,
    AlarmArn: `arn:aws:cloudwatch:${region}:000000000000:alarm:${alarmName}`,
    OldStateValue: 'OK',
    Trigger: {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Statistic: 'MAXIMUM',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    },
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: topicArn,
          Subject: `ALARM: "${alarmName}" in ${region}`,
          Message: JSON.stringify(message),
          Timestamp: now.toISOString(),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'https://sns.local.invalid/cert.pem',
          UnsubscribeUrl: 'https://sns.local.invalid/unsubscribe',
          MessageAttributes: { origin: { Type: 'String', Value: LOCAL_DLQ_ORIGIN } },
        },
      },
    ],
  };
}
