/**
 * The operations dashboard as data, generated from the topology: a new function, queue or schedule
 * appears on it without editing anything here. Two renderers read it — the CDK dashboard
 * (`infra/constructs/observability.ts`, CloudWatch metrics) and the local ops page (`/_local/ops`,
 * the same series collected by the local runtime) — so both show the same widgets.
 *
 * Metrics are named symbolically (which function, which queue, which business metric), never by
 * CloudWatch dimension values: those are CloudFormation tokens in AWS and plain names locally.
 * Pure data; no aws-cdk-lib import.
 */
import {
  type BusinessMetricName,
  type BusinessMetricSpec,
  businessMetrics,
} from '#shared/business-metrics.ts';
import { orderUnitCosts } from './order-costs.ts';
import type { Topology } from './types.ts';

export type MetricStat = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount' | 'p50' | 'p90' | 'p99';

/** Which queue of a function: its SQS work queue, its dead-letter queue, or its stream-failure queue. */
export type QueueRole = 'queue' | 'dlq' | 'streamFailures';

export type MetricSource =
  /** The HTTP API; `routeGroup` (a function name) narrows to that function's routes. */
  | {
      readonly kind: 'api';
      readonly metric: 'Count' | '4xx' | '5xx' | 'Latency';
      readonly routeGroup?: string;
    }
  | {
      readonly kind: 'lambda';
      readonly function: string;
      readonly metric:
        | 'Invocations'
        | 'Errors'
        | 'Throttles'
        | 'Duration'
        | 'ConcurrentExecutions'
        | 'IteratorAge';
    }
  | {
      readonly kind: 'queue';
      /** The function the queue belongs to (a consumer, or a stream subscriber for `streamFailures`). */
      readonly function: string;
      readonly role: QueueRole;
      readonly metric: 'ApproximateNumberOfMessagesVisible' | 'ApproximateAgeOfOldestMessage';
    }
  | {
      readonly kind: 'table';
      readonly metric:
        | 'ConsumedReadCapacityUnits'
        | 'ConsumedWriteCapacityUnits'
        | 'ThrottledRequests'
        | 'ConditionalCheckFailedRequests'
        | 'TransactionConflict'
        | 'SystemErrors';
    }
  /** EventBridge Scheduler: one-time timers and recurring schedules, all groups. */
  | {
      readonly kind: 'scheduler';
      readonly metric: 'InvocationAttemptCount' | 'TargetErrorCount' | 'InvocationDroppedCount';
    }
  /** A metric of `#shared/business-metrics.ts`; `value` picks one series of its breakdown dimension. */
  | { readonly kind: 'business'; readonly metric: BusinessMetricName; readonly value?: string };

export interface MetricRef {
  readonly source: MetricSource;
  readonly stat: MetricStat;
  readonly label: string;
  /** Names the series for a widget's `expressions` (lower-case first letter, CloudWatch's rule). */
  readonly id?: string;
  /** Fetched for an expression only, not drawn. */
  readonly hidden?: boolean;
}

/**
 * A series computed by CloudWatch metric math from the widget's metrics (by `id`; not from other
 * expressions), e.g. `orders * 5.06 / 1000000`. Only `+ - * /`, numbers, parentheses and
 * `IF(a > 0, b, c)`.
 */
export interface MetricExpression {
  readonly id: string;
  readonly expression: string;
  readonly label: string;
}

export interface GraphWidget {
  readonly type: 'graph';
  readonly title: string;
  /** Of 24 columns. */
  readonly width: 6 | 8 | 12 | 24;
  readonly metrics: readonly MetricRef[];
  /** Series computed from `metrics`; absent on most widgets. */
  readonly expressions?: readonly MetricExpression[];
}

/** The latest value of each metric over the dashboard's period (a number, not a chart). */
export interface NumberWidget {
  readonly type: 'number';
  readonly title: string;
  readonly width: 6 | 8 | 12 | 24;
  readonly metrics: readonly MetricRef[];
}

export interface TextWidget {
  readonly type: 'text';
  readonly width: 6 | 8 | 12 | 24;
  readonly markdown: string;
}

export type Widget = GraphWidget | NumberWidget | TextWidget;

export interface DashboardSection {
  readonly title: string;
  readonly widgets: readonly Widget[];
}

const m = (source: MetricSource, stat: MetricStat, label: string): MetricRef => ({ source, stat, label });

/** Every series of a business metric: one per breakdown value, or the one total. */
export function businessSeries(metric: BusinessMetricName, stat: MetricStat = 'Sum'): MetricRef[] {
  const spec: BusinessMetricSpec = businessMetrics[metric];
  if (!spec.dimension) return [m({ kind: 'business', metric }, stat, metric)];
  return spec.dimension.values.map((value) =>
    m({ kind: 'business', metric, value }, stat, `${metric} ${value}`),
  );
}

/**
 * What the orders placed cost AWS, by service, and per order: `OrdersPlaced` times the unit costs of
 * `./order-costs.ts` (the bench's figures), so the line moves with the volume and with the bench.
 */
export function orderCostWidget(costs = orderUnitCosts): GraphWidget {
  const perOrder = (usd: number): string => `orders * ${usd} / 1000000`;
  const { dynamodb, lambda, httpApi } = costs.usdPerMillionOrders;
  return {
    type: 'graph',
    title: `Cost of orders (USD; unit costs: ${costs.source})`,
    width: 12,
    metrics: [
      { ...m({ kind: 'business', metric: 'OrdersPlaced' }, 'Sum', 'orders'), id: 'orders', hidden: true },
    ],
    expressions: [
      { id: 'dynamodb', expression: perOrder(dynamodb), label: 'DynamoDB USD' },
      { id: 'lambda', expression: perOrder(lambda), label: 'Lambda USD' },
      { id: 'httpapi', expression: perOrder(httpApi), label: 'HTTP API USD' },
      {
        id: 'perorder',
        expression: `IF(orders > 0, 1000000 * (${perOrder(Number((dynamodb + lambda + httpApi).toFixed(6)))}) / orders, 0)`,
        label: 'cost per order (micro-USD)',
      },
    ],
  };
}

/** The dashboard: API, business KPIs, then per function, per queue, the table, stream and scheduler. */
export function dashboardOf(t: Topology): DashboardSection[] {
  const entries = Object.entries(t.functions);
  const routeGroups = entries
    .filter(([, fn]) => Object.keys(fn.routes ?? {}).length > 0)
    .map(([name]) => name);
  const consumers = entries.filter(([, fn]) => fn.consumer).map(([name]) => name);
  const streams = entries.filter(([, fn]) => fn.stream).map(([name]) => name);

  const api: DashboardSection = {
    title: 'API',
    widgets: [
      {
        type: 'graph',
        title: 'API requests, 4xx and 5xx',
        width: 12,
        metrics: [
          m({ kind: 'api', metric: 'Count' }, 'Sum', 'requests'),
          m({ kind: 'api', metric: '4xx' }, 'Sum', '4xx'),
          m({ kind: 'api', metric: '5xx' }, 'Sum', '5xx'),
        ],
      },
      {
        type: 'graph',
        title: 'API latency (ms)',
        width: 12,
        metrics: (['p50', 'p99'] as const).map((stat) => m({ kind: 'api', metric: 'Latency' }, stat, stat)),
      },
      ...routeGroups.map(
        (group): Widget => ({
          type: 'graph',
          title: `${group} routes: requests, 4xx, 5xx, latency p50/p99`,
          width: 12,
          metrics: [
            m({ kind: 'api', metric: 'Count', routeGroup: group }, 'Sum', 'requests'),
            m({ kind: 'api', metric: '4xx', routeGroup: group }, 'Sum', '4xx'),
            m({ kind: 'api', metric: '5xx', routeGroup: group }, 'Sum', '5xx'),
            m({ kind: 'api', metric: 'Latency', routeGroup: group }, 'p50', 'p50 ms'),
            m({ kind: 'api', metric: 'Latency', routeGroup: group }, 'p99', 'p99 ms'),
          ],
        }),
      ),
    ],
  };

  const kpi = (title: string, metrics: readonly BusinessMetricName[]): Widget => ({
    type: 'graph',
    title,
    width: 12,
    metrics: metrics.flatMap((metric) => businessSeries(metric)),
  });
  const business: DashboardSection = {
    title: 'Business',
    widgets: [
      kpi('Orders', ['OrdersPlaced', 'OrderUnits', 'OrdersCancelled', 'ReturnsReceived']),
      kpi('Order value (minor units)', ['OrderValue']),
      kpi('Order refusals and replays', ['OutOfStockRejections', 'IdempotentReplays']),
      kpi('Invoicing and stock', ['InvoicesIssued', 'CreditNotesIssued', 'StockLowCrossings']),
      kpi('Coupons', ['CouponRedemptions', 'CouponRejections']),
      kpi('Loyalty points', ['LoyaltyPointsEarned', 'LoyaltyPointsSpent']),
      kpi('Campaign messages', ['CampaignMessagesSent', 'CampaignMessagesSuppressed']),
      kpi('Webhooks', ['WebhooksAccepted', 'WebhooksRefused']),
      kpi('Service desk', [
        'TicketsOpened',
        'TicketsResolved',
        'SlaWarnings',
        'SlaBreaches',
        'IncidentsFromAlerts',
      ]),
      kpi('Dead letters', ['DlqArrivals']),
      orderCostWidget(),
    ],
  };

  const functions: DashboardSection = {
    title: 'Functions',
    widgets: entries.flatMap(([name]): Widget[] => [
      {
        type: 'graph',
        title: `${name}: invocations, errors, throttles, concurrency`,
        width: 12,
        metrics: [
          m({ kind: 'lambda', function: name, metric: 'Invocations' }, 'Sum', 'invocations'),
          m({ kind: 'lambda', function: name, metric: 'Errors' }, 'Sum', 'errors'),
          m({ kind: 'lambda', function: name, metric: 'Throttles' }, 'Sum', 'throttles'),
          m({ kind: 'lambda', function: name, metric: 'ConcurrentExecutions' }, 'Maximum', 'concurrent'),
        ],
      },
      {
        type: 'graph',
        title: `${name}: duration (ms)`,
        width: 12,
        metrics: (['p50', 'p99'] as const).map((stat) =>
          m({ kind: 'lambda', function: name, metric: 'Duration' }, stat, stat),
        ),
      },
    ]),
  };

  const queues: DashboardSection = {
    title: 'Queues',
    widgets: consumers.map(
      (name): Widget => ({
        type: 'graph',
        title: `${name} queue: visible, oldest age (s), DLQ depth`,
        width: 8,
        metrics: [
          m(
            { kind: 'queue', function: name, role: 'queue', metric: 'ApproximateNumberOfMessagesVisible' },
            'Maximum',
            'visible',
          ),
          m(
            { kind: 'queue', function: name, role: 'queue', metric: 'ApproximateAgeOfOldestMessage' },
            'Maximum',
            'oldest age s',
          ),
          m(
            { kind: 'queue', function: name, role: 'dlq', metric: 'ApproximateNumberOfMessagesVisible' },
            'Maximum',
            'DLQ depth',
          ),
        ],
      }),
    ),
  };

  const data: DashboardSection = {
    title: 'Table, stream and scheduler',
    widgets: [
      {
        type: 'graph',
        title: 'Table consumed capacity',
        width: 8,
        metrics: [
          m({ kind: 'table', metric: 'ConsumedWriteCapacityUnits' }, 'Sum', 'WCU'),
          m({ kind: 'table', metric: 'ConsumedReadCapacityUnits' }, 'Sum', 'RCU'),
        ],
      },
      {
        type: 'graph',
        title: 'Table throttles, condition failures, transaction conflicts, system errors',
        width: 8,
        metrics: [
          m({ kind: 'table', metric: 'ThrottledRequests' }, 'Sum', 'throttled'),
          m({ kind: 'table', metric: 'ConditionalCheckFailedRequests' }, 'Sum', 'condition failed'),
          m({ kind: 'table', metric: 'TransactionConflict' }, 'Sum', 'conflicts'),
          m({ kind: 'table', metric: 'SystemErrors' }, 'Sum', 'system errors'),
        ],
      },
      {
        type: 'graph',
        title: 'Stream iterator age (ms) and stream-failure queue depth',
        width: 8,
        metrics: streams.flatMap((name) => [
          m({ kind: 'lambda', function: name, metric: 'IteratorAge' }, 'Maximum', `${name} iterator age`),
          m(
            {
              kind: 'queue',
              function: name,
              role: 'streamFailures',
              metric: 'ApproximateNumberOfMessagesVisible',
            },
            'Maximum',
            `${name} failures`,
          ),
        ]),
      },
      {
        type: 'graph',
        title: 'Scheduler invocations and failures',
        width: 8,
        metrics: [
          m({ kind: 'scheduler', metric: 'InvocationAttemptCount' }, 'Sum', 'attempts'),
          m({ kind: 'scheduler', metric: 'TargetErrorCount' }, 'Sum', 'target errors'),
          m({ kind: 'scheduler', metric: 'InvocationDroppedCount' }, 'Sum', 'dropped'),
        ],
      },
    ],
  };

  return [api, business, functions, queues, data];
}
