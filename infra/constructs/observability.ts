/**
 * The operations view: the alarm (ops) topic in the main stack, and the dashboard and alarms in a
 * nested stack of their own, both rendered from data generated from the topology
 * (`dashboardOf`, `alarmsOf`).
 */
import { Duration, NestedStack, RemovalPolicy } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterOrPolicy, SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dlqAlarmName } from '#functions/alerting/alarms.ts';
import { BUSINESS_SERVICE, businessMetrics, METRICS_NAMESPACE } from '#shared/business-metrics.ts';
import {
  type AlarmMetricRef,
  type AlarmSpec,
  type AlarmWatch,
  alarmsOf,
  type MetricAlarmSpec,
  TABLE_OPERATIONS,
} from '../topology/alarms.ts';
import { type DashboardSection, dashboardOf, type Widget } from '../topology/dashboard.ts';
import type { Topology } from '../topology/types.ts';

export interface ObservabilityProps {
  readonly topology: Topology;
  /** The main stack's name: DLQ alarms are named `<stack>-dlq-<queue>` after it. */
  readonly stackName: string;
  /** Every function, by topology name. */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly api: IHttpApi;
  readonly table: ITable;
  /**
   * Dead-letter and on-failure queues: a consumer's DLQ by its function's name, a stream
   * subscriber's on-failure queue as `<function>-stream-failures`.
   */
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: IQueue }[];
  /** Work queues by consumer name. */
  readonly queues: readonly { readonly name: string; readonly queue: IQueue }[];
  /**
   * Functions subscribed to the alarm topic for the DLQ alarms (`alarmSubscription` in the
   * topology): each gets a Lambda subscription whose filter policy matches the body of a DLQ
   * alarm's notification entering ALARM, and nothing else published there.
   */
  readonly dlqAlarmSubscribers?: readonly IFunction[];
}

/** Default period of dashboard series. */
const DASHBOARD_PERIOD = Duration.minutes(5);

/**
 * Turns the symbolic metrics of the dashboard and alarm models into CloudWatch metrics.
 *
 * HTTP API per route group: a route group is served by exactly one function, so its requests and
 * latency are that function's Lambda `Invocations` and `Duration` (the handler's share of the
 * latency; the API-wide widget has the gateway's), and its 4xx/5xx the handler's own EMF
 * `ClientErrors`/`ServerErrors` (service `<service>-<function>`, summed by a search expression).
 * Stage detailed metrics with the `Route` dimension were not chosen: six custom metrics per route
 * (~80 routes, ~$150 a month) and percentiles that metric math cannot combine across routes.
 */
class MetricRenderer {
  private readonly workQueues: ReadonlyMap<string, IQueue>;
  private readonly deadLetters: ReadonlyMap<string, IQueue>;

  private readonly props: ObservabilityProps;

  constructor(props: ObservabilityProps) {
    this.props = props;
    this.workQueues = new Map(props.queues.map(({ name, queue }) => [name, queue]));
    this.deadLetters = new Map(props.deadLetterQueues.map(({ name, queue }) => [name, queue]));
  }

  private fn(name: string): IFunction {
    const found = this.props.functions.get(name);
    if (!found) throw new Error(`No function ${name} for a metric`);
    return found;
  }

  private queue(fn: string, role: 'queue' | 'dlq' | 'streamFailures'): IQueue {
    const found =
      role === 'queue'
        ? this.workQueues.get(fn)
        : this.deadLetters.get(role === 'dlq' ? fn : `${fn}-stream-failures`);
    if (!found) throw new Error(`No ${role} queue of ${fn} for a metric`);
    return found;
  }

  metric(ref: Omit<AlarmMetricRef, 'label'> & { readonly label?: string }, period: Duration): IMetric {
    const options = { statistic: ref.stat, label: ref.label, period };
    const { source } = ref;
    switch (source.kind) {
      case 'api': {
        const { api } = this.props;
        if (source.routeGroup === undefined) {
          const byMetric = {
            Count: () => api.metricCount(options),
            '4xx': () => api.metricClientError(options),
            '5xx': () => api.metricServerError(options),
            Latency: () => api.metricLatency(options),
          } as const;
          return byMetric[source.metric]();
        }
        const fn = this.fn(source.routeGroup);
        if (source.metric === 'Count') return fn.metricInvocations(options);
        if (source.metric === 'Latency') return fn.metricDuration(options);
        const metricName = source.metric === '4xx' ? 'ClientErrors' : 'ServerErrors';
        const service = `${this.props.topology.service}-${source.routeGroup}`;
        return new MathExpression({
          expression: `SUM(SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metricName}" service="${service}"', 'Sum', ${period.toSeconds()}))`,
          usingMetrics: {},
          label: ref.label,
          period,
        });
      }
      case 'lambda':
        return this.fn(source.function).metric(source.metric, options);
      case 'queue':
        return this.queue(source.function, source.role).metric(source.metric, options);
      case 'table': {
        const { table } = this.props;
        if (source.metric === 'ThrottledRequests' || source.metric === 'SystemErrors') {
          // Recorded per operation only: the sum of the operations the functions use, with ids
          // of their own so both sums can share a widget.
          const prefix = source.metric === 'SystemErrors' ? 'syserr' : 'throttled';
          const usingMetrics = Object.fromEntries(
            TABLE_OPERATIONS.map((operation) => [
              `${prefix}${operation.toLowerCase()}`,
              table.metric(source.metric, {
                ...options,
                statistic: 'Sum',
                dimensionsMap: { TableName: table.tableName, Operation: operation },
              }),
            ]),
          );
          return new MathExpression({
            expression: `FILL(${Object.keys(usingMetrics).join(', 0) + FILL(')}, 0)`,
            usingMetrics,
            label: ref.label,
            period,
          });
        }
        return table.metric(source.metric, options);
      }
      case 'scheduler':
        return new Metric({ namespace: 'AWS/Scheduler', metricName: source.metric, ...options });
      case 'business': {
        const spec = businessMetrics[source.metric];
        const series = (value?: string): Metric =>
          new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: source.metric,
            dimensionsMap: {
              service: BUSINESS_SERVICE,
              ...('dimension' in spec && value !== undefined ? { [spec.dimension.name]: value } : {}),
            },
            ...options,
          });
        if (!('dimension' in spec) || source.value !== undefined) return series(source.value);
        // The total of a metric recorded per breakdown value: the sum of its series.
        const usingMetrics = Object.fromEntries(
          spec.dimension.values.map((value, i) => [`v${i}`, series(value)]),
        );
        return new MathExpression({
          expression: Object.keys(usingMetrics).join(' + '),
          usingMetrics,
          label: ref.label,
          period,
        });
      }
      case 'service':
        return new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: source.metric,
          dimensionsMap: { service: `${this.props.topology.service}-${source.function}` },
          ...options,
        });
    }
  }

  watch(watch: AlarmWatch, period: Duration): IMetric {
    // Unlabelled, so CloudFormation gets a plain metric alarm (MetricName, Dimensions) rather than a
    // one-metric `Metrics` array.
    if (watch.type === 'metric') return this.metric({ ...watch.metric, label: undefined }, period);
    return new MathExpression({
      expression: watch.expression,
      usingMetrics: Object.fromEntries(
        Object.entries(watch.metrics).map(([id, ref]) => [id, this.metric(ref, period)]),
      ),
      label: watch.label,
      period,
    });
  }

  widget(widget: Widget): GraphWidget | SingleValueWidget | TextWidget {
    if (widget.type === 'text') return new TextWidget({ markdown: widget.markdown, width: widget.width });
    const byId = new Map(
      widget.metrics.flatMap((ref) =>
        ref.id === undefined ? [] : [[ref.id, this.metric(ref, DASHBOARD_PERIOD)] as const],
      ),
    );
    const series: IMetric[] = [
      ...widget.metrics.filter((ref) => !ref.hidden).map((ref) => this.metric(ref, DASHBOARD_PERIOD)),
      ...((widget.type === 'graph' ? widget.expressions : undefined) ?? []).map(
        (e) =>
          new MathExpression({
            expression: e.expression,
            // Only the ids the expression names: CloudWatch refuses unused ones in a widget's math.
            usingMetrics: Object.fromEntries(
              [...byId].filter(([id]) => new RegExp(`\\b${id}\\b`).test(e.expression)),
            ),
            label: e.label,
            period: DASHBOARD_PERIOD,
          }),
      ),
    ];
    if (widget.type === 'number') {
      return new SingleValueWidget({ title: widget.title, width: widget.width, metrics: series });
    }
    return new GraphWidget({ title: widget.title, width: widget.width, left: series });
  }
}

const COMPARISON: Record<MetricAlarmSpec['comparison'], ComparisonOperator> = {
  GreaterThanThreshold: ComparisonOperator.GREATER_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
};

/** An alarm's description: what it watches, why these figures, and its runbook section. */
export const alarmDescription = (spec: AlarmSpec): string =>
  `${spec.watches}. ${spec.justification} Runbook: docs/operations.md#${spec.runbook}`.slice(0, 1024);

/**
 * The dashboard and every alarm of the model, in a nested stack: the main stack is near
 * CloudFormation's 500 resources, and alarms grow with every function. What it refers to in the
 * main stack (function and queue names, the table, the API, the topic) becomes its parameters.
 */
export class OperationsStack extends NestedStack {
  readonly dashboard: Dashboard;
  /** Every alarm of the model, metric and composite, by its id. */
  readonly alarms: ReadonlyMap<string, Alarm | CompositeAlarm>;
  readonly model: readonly AlarmSpec[];

  constructor(scope: Construct, id: string, props: ObservabilityProps & { readonly alarmTopic: Topic }) {
    super(scope, id, { description: 'Storeline operations: the dashboard and the alarms' });
    const render = new MetricRenderer(props);
    const notify = new SnsAction(props.alarmTopic);

    this.model = alarmsOf(props.topology);
    const alarms = new Map<string, Alarm | CompositeAlarm>();
    for (const spec of this.model) {
      if (spec.type !== 'metric') continue;
      const alarm = new Alarm(this, spec.id, {
        // Named so the alerting subscription can match it: its queue becomes the alert key.
        ...(spec.dlqQueue === undefined ? {} : { alarmName: dlqAlarmName(props.stackName, spec.dlqQueue) }),
        metric: render.watch(spec.watch, Duration.seconds(spec.periodSeconds)),
        threshold: spec.threshold,
        comparisonOperator: COMPARISON[spec.comparison],
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: alarmDescription(spec),
      });
      alarm.addAlarmAction(notify);
      alarms.set(spec.id, alarm);
    }
    for (const spec of this.model) {
      if (spec.type !== 'composite') continue;
      const composite = new CompositeAlarm(this, spec.id, {
        alarmRule: AlarmRule.allOf(
          ...spec.allOf.map((member) => {
            const alarm = alarms.get(member);
            if (!alarm) throw new Error(`Composite ${spec.id} names no alarm ${member}`);
            return AlarmRule.fromAlarm(alarm, AlarmState.ALARM);
          }),
        ),
        alarmDescription: alarmDescription(spec),
      });
      composite.addAlarmAction(notify);
      alarms.set(spec.id, composite);
    }
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${props.stackName}\nGenerated from the topology. Alarms go to the alarm topic; runbooks: docs/operations.md.`,
        width: 24,
      }),
    );
    for (const section of dashboardOf(props.topology) as DashboardSection[]) {
      if (section.widgets.length === 0) continue;
      this.dashboard.addWidgets(new TextWidget({ markdown: `## ${section.title}`, width: 24, height: 1 }));
      this.dashboard.addWidgets(...section.widgets.map((widget) => render.widget(widget)));
    }
  }
}

/**
 * - An SNS topic for alarms (the ops topic), encrypted with a customer-managed KMS key (rotated
 *   yearly) that CloudWatch may use — the AWS-managed `aws/sns` key does not let CloudWatch
 *   publish — and a policy refusing non-TLS publishers. It stays in the main stack: functions'
 *   environments name it, and the nested stack refers to those functions.
 * - The dashboard and the alarms of `alarmsOf(topology)`, all to that topic, in `OperationsStack`.
 * - The DLQ alarms are named `<stack>-dlq-<queue>`; the functions subscribed for them
 *   (`dlqAlarmSubscribers`) get them from the topic, filtered on the notification's body, and raise
 *   an alert (an incident `dlq:<queue>`) from each.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly operations: OperationsStack;
  readonly dashboardName: string;

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
    for (const subscriber of props.dlqAlarmSubscribers ?? []) {
      this.alarmTopic.addSubscription(
        new LambdaSubscription(subscriber, {
          filterPolicyWithMessageBody: {
            AlarmName: FilterOrPolicy.filter(
              SubscriptionFilter.stringFilter({ matchPrefixes: [dlqAlarmName(props.stackName, '')] }),
            ),
            NewStateValue: FilterOrPolicy.filter(SubscriptionFilter.stringFilter({ allowlist: ['ALARM'] })),
          },
        }),
      );
    }

    this.operations = new OperationsStack(this, 'Operations', { ...props, alarmTopic: this.alarmTopic });
    this.dashboardName = `${props.stackName}-operations`;
  }

  get dashboard(): Dashboard {
    return this.operations.dashboard;
  }
}
