/** The operations view: one dashboard, the alarms that page, and the topic they page through. */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterOrPolicy, SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dlqAlarmName } from '#functions/alerting/alarms.ts';
import { pascalCase } from './names.ts';

export interface ObservabilityProps {
  /** Every function, by topology name. */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly api: IHttpApi;
  /** Dead-letter and on-failure queues: any message in one is a failure someone must look at. */
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: IQueue }[];
  /** Work queues, for the age of their oldest message (a stuck consumer). */
  readonly queues: readonly { readonly name: string; readonly queue: IQueue }[];
  /**
   * Powertools service names of the outbox publishers: an `UnpublishableEvents` metric from one
   * means an outbox item was skipped (not a valid envelope, or too large for PutEvents).
   */
  readonly publisherServices?: readonly string[];
  /**
   * Functions subscribed to the alarm topic for the DLQ alarms (`alarmSubscription` in the
   * topology): each gets a Lambda subscription whose filter policy matches the body of a DLQ
   * alarm's notification entering ALARM, and nothing else published there.
   */
  readonly dlqAlarmSubscribers?: readonly IFunction[];
}

const PERIOD = Duration.minutes(5);

/**
 * - An SNS topic for alarms, encrypted with a customer-managed KMS key (rotated yearly) that
 *   CloudWatch may use — the AWS-managed `aws/sns` key does not let CloudWatch publish — and a
 *   policy refusing non-TLS publishers.
 * - Alarms, all to that topic, missing data treated as fine: each function's `Errors` (any error in
 *   5 minutes), the API's 5xx (any in 5 minutes), and each DLQ holding at least one message.
 * - The DLQ alarms are named `<stack>-dlq-<queue>`; the functions subscribed for them
 *   (`dlqAlarmSubscribers`) get them from the topic, filtered on the notification's body, and raise
 *   an alert (an incident `dlq:<queue>`) from each.
 * - A dashboard: API requests, 4xx, 5xx and latency percentiles; per function invocations, errors,
 *   throttles and duration; DLQ depth; age of the oldest message in each work queue.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Storeline alarm topic',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Storeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
    const notify = new SnsAction(this.alarmTopic);
    const alarm = (alarmId: string, metric: IMetric, description: string, alarmName?: string): void => {
      const created = new Alarm(this, alarmId, {
        ...(alarmName === undefined ? {} : { alarmName }),
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
    };

    const { api } = props;
    alarm(
      'Api5xxAlarm',
      api.metricServerError({ period: PERIOD, statistic: Stats.SUM }),
      'The HTTP API answered 5xx: a handler failed or timed out. Check the function error alarms and logs.',
    );
    for (const [name, fn] of props.functions) {
      alarm(
        `${pascalCase(name)}ErrorsAlarm`,
        fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
        `The ${name} function threw or timed out. Its log group and X-Ray traces have the details.`,
      );
    }
    for (const service of props.publisherServices ?? []) {
      alarm(
        `${pascalCase(service)}UnpublishableAlarm`,
        new Metric({
          namespace: 'Storeline',
          metricName: 'UnpublishableEvents',
          dimensionsMap: { service },
          period: PERIOD,
          statistic: Stats.SUM,
        }),
        `The ${service} publisher skipped an outbox item it can never publish. Its error log names the item (pk OUTBOX#<event id>), kept 7 days.`,
      );
    }
    for (const { name, queue } of props.deadLetterQueues) {
      alarm(
        `${pascalCase(name)}DlqAlarm`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: Stats.MAXIMUM,
        }),
        `Messages are waiting in the ${name} dead-letter queue: inspect them, fix the cause, then redrive.`,
        // Named so the alerting subscription can match it: its queue becomes the alert key.
        dlqAlarmName(Stack.of(this).stackName, name),
      );
    }
    for (const subscriber of props.dlqAlarmSubscribers ?? []) {
      this.alarmTopic.addSubscription(
        new LambdaSubscription(subscriber, {
          filterPolicyWithMessageBody: {
            AlarmName: FilterOrPolicy.filter(
              SubscriptionFilter.stringFilter({
                matchPrefixes: [dlqAlarmName(Stack.of(this).stackName, '')],
              }),
            ),
            NewStateValue: FilterOrPolicy.filter(SubscriptionFilter.stringFilter({ allowlist: ['ALARM'] })),
          },
        }),
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# Storeline\nAPI, functions, queues. Alarms go to the alarm topic.',
        width: 24,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        width: 12,
        left: [
          api.metricCount({ period: PERIOD, statistic: Stats.SUM, label: 'requests' }),
          api.metricClientError({ period: PERIOD, statistic: Stats.SUM, label: '4xx' }),
          api.metricServerError({ period: PERIOD, statistic: Stats.SUM, label: '5xx' }),
        ],
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        width: 12,
        left: [Stats.p(50), Stats.p(90), Stats.p(99)].map((statistic) =>
          api.metricLatency({ period: PERIOD, statistic, label: statistic }),
        ),
      }),
    );
    for (const [name, fn] of props.functions) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: invocations, errors, throttles`,
          width: 12,
          left: [
            fn.metricInvocations({ period: PERIOD, statistic: Stats.SUM, label: 'invocations' }),
            fn.metricErrors({ period: PERIOD, statistic: Stats.SUM, label: 'errors' }),
            fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM, label: 'throttles' }),
          ],
        }),
        new GraphWidget({
          title: `${name}: duration (ms)`,
          width: 12,
          left: [Stats.p(50), Stats.p(99), Stats.MAXIMUM].map((statistic) =>
            fn.metricDuration({ period: PERIOD, statistic, label: statistic }),
          ),
        }),
      );
    }
    if (props.deadLetterQueues.length > 0 || props.queues.length > 0) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: 'Dead-letter queue depth',
          width: 12,
          left: props.deadLetterQueues.map(({ name, queue }) =>
            queue.metricApproximateNumberOfMessagesVisible({
              period: Duration.minutes(1),
              statistic: Stats.MAXIMUM,
              label: name,
            }),
          ),
        }),
        new GraphWidget({
          title: 'Oldest message age in work queues (s)',
          width: 12,
          left: props.queues.map(({ name, queue }) =>
            queue.metricApproximateAgeOfOldestMessage({
              period: Duration.minutes(1),
              statistic: Stats.MAXIMUM,
              label: name,
            }),
          ),
        }),
      );
    }
  }
}
