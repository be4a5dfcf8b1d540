/**
 * The alarms as data, generated from the topology: a new function, consumer, stream or schedule is
 * alarmed without editing anything here. The CDK stack renders every entry
 * (`infra/constructs/observability.ts`, all to the ops topic); `docs/operations.md` has one runbook
 * section per `runbook` anchor (a test checks both ways).
 *
 * Metrics are named symbolically, as on the dashboard (`./dashboard.ts`), plus `service` metrics:
 * the EMF metrics a function's Powertools records under its own service name (`<service>-<fn>`).
 * Pure data; no aws-cdk-lib import.
 */
import { businessMetrics } from '#shared/business-metrics.ts';
import type { MetricRef, MetricSource, MetricStat } from './dashboard.ts';
import type { Topology } from './types.ts';

/** A function's own EMF metric (namespace `Storeline`, dimension `service=<service>-<function>`). */
export interface ServiceMetricSource {
  readonly kind: 'service';
  readonly function: string;
  readonly metric: string;
}

export type AlarmMetricSource = MetricSource | ServiceMetricSource;

export interface AlarmMetricRef extends Omit<MetricRef, 'source'> {
  readonly source: AlarmMetricSource;
}

/** One metric, or metric math over named metrics (ids start lower-case; at most 10 metrics). */
export type AlarmWatch =
  | { readonly type: 'metric'; readonly metric: AlarmMetricRef }
  | {
      readonly type: 'math';
      readonly expression: string;
      readonly metrics: Readonly<Record<string, AlarmMetricRef>>;
      readonly label: string;
    };

/** Anchors of docs/operations.md, one section per kind of alarm. */
export const runbookAnchors = {
  api5xxRate: 'api-5xx-rate',
  apiLatency: 'api-p99-latency',
  functionErrorRate: 'function-error-rate',
  functionThrottles: 'function-throttles',
  deadLetters: 'dead-letters',
  queueAge: 'queue-age',
  streamIteratorAge: 'stream-iterator-age',
  tableThrottles: 'table-throttles',
  tableSystemErrors: 'table-system-errors',
  schedulerFailures: 'scheduler-failures',
  slaBreaches: 'sla-breaches',
  webhookSignatureFailures: 'webhook-signature-failures',
  unpublishableEvents: 'unpublishable-events',
  consumerStuck: 'consumer-stuck',
  apiTableFault: 'api-and-table-fault',
} as const;

export type AlarmKind = keyof typeof runbookAnchors;

export interface MetricAlarmSpec {
  readonly type: 'metric';
  /** Unique, PascalCase: the construct id. */
  readonly id: string;
  readonly kind: AlarmKind;
  /** What it watches, in words (function, queue, table …). */
  readonly watches: string;
  readonly watch: AlarmWatch;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold';
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** Missing data (no traffic, an empty queue) is fine for every alarm here. */
  readonly treatMissingData: 'notBreaching';
  /** Why this threshold, period and datapoints: one line. */
  readonly justification: string;
  readonly runbook: (typeof runbookAnchors)[AlarmKind];
  /** Set on DLQ alarms: named `<stack>-dlq-<queue>` (`dlqAlarmName`), for the alerting subscription. */
  readonly dlqQueue?: string;
}

/** Several symptoms that mean one fault: ALARM when all of `allOf` are. */
export interface CompositeAlarmSpec {
  readonly type: 'composite';
  readonly id: string;
  readonly kind: AlarmKind;
  readonly watches: string;
  /** Ids of metric alarms of the same model. */
  readonly allOf: readonly string[];
  readonly justification: string;
  readonly runbook: (typeof runbookAnchors)[AlarmKind];
}

export type AlarmSpec = MetricAlarmSpec | CompositeAlarmSpec;

/** `orders` → `Orders`, `publisher-stream-failures` → `PublisherStreamFailures` (as `pascalCase` of the constructs). */
const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
const ref = (source: AlarmMetricSource, stat: MetricStat, label: string): AlarmMetricRef => ({
  source,
  stat,
  label,
});

const MINUTE = 60;

/** A dead-letter queue's alarm: one visible message is enough, whatever the queue. */
function deadLetterAlarm(spec: {
  readonly id: string;
  readonly watches: string;
  readonly queue: { readonly function: string; readonly role: 'dlq' | 'streamFailures' };
  readonly justification: string;
  readonly dlqQueue: string;
}): MetricAlarmSpec {
  return {
    type: 'metric',
    treatMissingData: 'notBreaching',
    id: spec.id,
    kind: 'deadLetters',
    watches: spec.watches,
    watch: {
      type: 'metric',
      metric: ref(
        { kind: 'queue', ...spec.queue, metric: 'ApproximateNumberOfMessagesVisible' },
        'Maximum',
        'visible',
      ),
    },
    comparison: 'GreaterThanThreshold',
    threshold: 0,
    periodSeconds: MINUTE,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    justification: spec.justification,
    runbook: runbookAnchors.deadLetters,
    dlqQueue: spec.dlqQueue,
  };
}
/** Below this many invocations in a period a function's error rate counts as 0 (one 2 a.m. failure is not 100 %). */
export const MIN_INVOCATIONS_FOR_RATE = 10;
/** Below this many API requests in a period the 5xx rate counts as 0. */
export const MIN_REQUESTS_FOR_RATE = 20;

/** DynamoDB operations summed for the table's `ThrottledRequests` and `SystemErrors` (per-operation metrics). */
export const TABLE_OPERATIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
] as const;

/**
 * The oldest-message age beyond which a consumer's queue alarms: visibility timeout × receives.
 * A message that keeps failing reaches the DLQ within that time (and alarms there); one older than
 * that in the work queue was never received often enough — the consumer is not polling (mapping
 * disabled, throttled, concurrency too low for the backlog).
 */
export const queueAgeBoundSeconds = (spec: {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}): number => spec.visibilityTimeoutSeconds * spec.maxReceiveCount;

/** Every alarm of a topology: metric alarms first, then the composites built from them. */
export function alarmsOf(t: Topology): AlarmSpec[] {
  const entries = Object.entries(t.functions);
  const alarms: AlarmSpec[] = [];
  const common = { type: 'metric', treatMissingData: 'notBreaching' } as const;

  // API
  const hasApi = entries.some(([, fn]) => Object.keys(fn.routes ?? {}).length > 0);
  if (hasApi) {
    alarms.push(
      {
        ...common,
        id: 'Api5xxRateAlarm',
        kind: 'api5xxRate',
        watches: 'HTTP API: 5xx answers as a percentage of requests',
        watch: {
          type: 'math',
          expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`,
          metrics: {
            requests: ref({ kind: 'api', metric: 'Count' }, 'Sum', 'requests'),
            errors: ref({ kind: 'api', metric: '5xx' }, 'Sum', '5xx'),
          },
          label: '5xx %',
        },
        comparison: 'GreaterThanThreshold',
        threshold: 1,
        periodSeconds: 5 * MINUTE,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        justification: `More than 1 % of requests failing server-side in 2 of 3 five-minute periods (at least ${MIN_REQUESTS_FOR_RATE} requests each) is a fault, not a blip; one bad period is retried by clients.`,
        runbook: runbookAnchors.api5xxRate,
      },
      {
        ...common,
        id: 'ApiLatencyP99Alarm',
        kind: 'apiLatency',
        watches: 'HTTP API: p99 latency',
        watch: { type: 'metric', metric: ref({ kind: 'api', metric: 'Latency' }, 'p99', 'p99 ms') },
        comparison: 'GreaterThanThreshold',
        threshold: 3000,
        periodSeconds: 5 * MINUTE,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        justification:
          'p99 above 3 s (10× the cold-start-and-transaction path, a third of the 10 s timeouts) in 2 of 3 five-minute periods: users wait; cold starts alone stay under it.',
        runbook: runbookAnchors.apiLatency,
      },
    );
  }

  // Functions
  for (const [name] of entries) {
    const id = pascal(name);
    alarms.push(
      {
        ...common,
        id: `${id}ErrorRateAlarm`,
        kind: 'functionErrorRate',
        watches: `function ${name}: errors as a percentage of invocations`,
        watch: {
          type: 'math',
          expression: `IF(invocations >= ${MIN_INVOCATIONS_FOR_RATE}, 100 * errors / invocations, 0)`,
          metrics: {
            invocations: ref({ kind: 'lambda', function: name, metric: 'Invocations' }, 'Sum', 'invocations'),
            errors: ref({ kind: 'lambda', function: name, metric: 'Errors' }, 'Sum', 'errors'),
          },
          label: `${name} error %`,
        },
        comparison: 'GreaterThanThreshold',
        threshold: 5,
        periodSeconds: 5 * MINUTE,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        justification: `Over 5 % of invocations failing in 2 of 3 five-minute periods, counted only with at least ${MIN_INVOCATIONS_FOR_RATE} invocations: a real failure mode, not one retried message at night.`,
        runbook: runbookAnchors.functionErrorRate,
      },
      {
        ...common,
        id: `${id}ThrottlesAlarm`,
        kind: 'functionThrottles',
        watches: `function ${name}: throttled invocations`,
        watch: {
          type: 'metric',
          metric: ref({ kind: 'lambda', function: name, metric: 'Throttles' }, 'Sum', 'throttles'),
        },
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        periodSeconds: 5 * MINUTE,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        justification:
          'Any throttling in 2 of 3 five-minute periods: the account or reserved concurrency is exhausted (callers get 429, events wait); a single burst is absorbed.',
        runbook: runbookAnchors.functionThrottles,
      },
    );
  }

  // Consumers: dead letters and backlog age
  for (const [name, fn] of entries) {
    const id = pascal(name);
    if (fn.consumer) {
      const bound = queueAgeBoundSeconds(fn.consumer);
      alarms.push(
        deadLetterAlarm({
          id: `${id}DlqAlarm`,
          watches: `dead-letter queue of ${name}`,
          queue: { function: name, role: 'dlq' },
          justification:
            'One message is enough: it failed every retry and waits for a person (and raises an incident through the alerting subscription).',
          dlqQueue: name,
        }),
        {
          ...common,
          id: `${id}QueueAgeAlarm`,
          kind: 'queueAge',
          watches: `queue of ${name}: age of the oldest message`,
          watch: {
            type: 'metric',
            metric: ref(
              { kind: 'queue', function: name, role: 'queue', metric: 'ApproximateAgeOfOldestMessage' },
              'Maximum',
              'oldest age s',
            ),
          },
          comparison: 'GreaterThanThreshold',
          threshold: bound,
          periodSeconds: MINUTE,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          justification: `Older than visibility timeout × receives (${fn.consumer.visibilityTimeoutSeconds} s × ${fn.consumer.maxReceiveCount} = ${bound} s) in 3 of 5 minutes: a failing message would be in the DLQ by now, so the consumer is not keeping up or not polling.`,
          runbook: runbookAnchors.queueAge,
        },
      );
    }
    if (fn.stream) {
      alarms.push(
        deadLetterAlarm({
          id: `${pascal(`${name}-stream-failures`)}DlqAlarm`,
          watches: `stream-failure queue of ${name}`,
          queue: { function: name, role: 'streamFailures' },
          justification:
            'One record is enough: stream records that exhausted their retries are events not yet on the bus.',
          dlqQueue: `${name}-stream-failures`,
        }),
        {
          ...common,
          id: `${id}IteratorAgeAlarm`,
          kind: 'streamIteratorAge',
          watches: `stream read by ${name}: iterator age`,
          watch: {
            type: 'metric',
            metric: ref(
              { kind: 'lambda', function: name, metric: 'IteratorAge' },
              'Maximum',
              'iterator age ms',
            ),
          },
          comparison: 'GreaterThanThreshold',
          threshold: 60_000,
          periodSeconds: MINUTE,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          justification: `Events more than a minute behind the writes in 3 of 5 minutes: the publisher is failing or slow (${fn.stream.retryAttempts} bisected retries take seconds, not minutes); records expire after 24 h.`,
          runbook: runbookAnchors.streamIteratorAge,
        },
        {
          ...common,
          id: `${id}UnpublishableAlarm`,
          kind: 'unpublishableEvents',
          watches: `${name}: outbox items it can never publish`,
          watch: {
            type: 'metric',
            metric: ref({ kind: 'service', function: name, metric: 'UnpublishableEvents' }, 'Sum', 'skipped'),
          },
          comparison: 'GreaterThanThreshold',
          threshold: 0,
          periodSeconds: 5 * MINUTE,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          justification:
            'Any: a skipped outbox item is an event no consumer will ever see (a bug in the emitter); its item is kept 7 days.',
          runbook: runbookAnchors.unpublishableEvents,
        },
      );
    }
  }

  // Table
  alarms.push(
    {
      ...common,
      id: 'TableThrottlesAlarm',
      kind: 'tableThrottles',
      watches: 'table: throttled requests (all operations)',
      watch: {
        type: 'metric',
        metric: ref({ kind: 'table', metric: 'ThrottledRequests' }, 'Sum', 'throttled'),
      },
      comparison: 'GreaterThanThreshold',
      threshold: 10,
      periodSeconds: 5 * MINUTE,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      justification:
        'More than 10 throttled requests in 2 of 3 five-minute periods: on an on-demand table that is a hot partition (SDK retries hide a few).',
      runbook: runbookAnchors.tableThrottles,
    },
    {
      ...common,
      id: 'TableSystemErrorsAlarm',
      kind: 'tableSystemErrors',
      watches: 'table: DynamoDB system errors (all operations)',
      watch: {
        type: 'metric',
        metric: ref({ kind: 'table', metric: 'SystemErrors' }, 'Sum', 'system errors'),
      },
      comparison: 'GreaterThanThreshold',
      threshold: 0,
      periodSeconds: 5 * MINUTE,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      justification:
        'DynamoDB 5xx in 2 of 3 five-minute periods: a service-side problem in the region, beyond what SDK retries absorb.',
      runbook: runbookAnchors.tableSystemErrors,
    },
  );

  // Scheduler (recurring schedules and one-time timers)
  const scheduled = entries.some(([, fn]) => (fn.schedules ?? []).length > 0 || (fn.timers ?? []).length > 0);
  if (scheduled) {
    alarms.push(
      {
        ...common,
        id: 'SchedulerTargetErrorsAlarm',
        kind: 'schedulerFailures',
        watches: 'EventBridge Scheduler: target errors (all groups)',
        watch: {
          type: 'metric',
          metric: ref({ kind: 'scheduler', metric: 'TargetErrorCount' }, 'Sum', 'target errors'),
        },
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        periodSeconds: 5 * MINUTE,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        justification:
          'Target errors in 2 of 3 five-minute periods: invoking a scheduled function keeps failing (the scheduler retries a single error).',
        runbook: runbookAnchors.schedulerFailures,
      },
      {
        ...common,
        id: 'SchedulerDroppedAlarm',
        kind: 'schedulerFailures',
        watches: 'EventBridge Scheduler: invocations dropped (all groups)',
        watch: {
          type: 'metric',
          metric: ref({ kind: 'scheduler', metric: 'InvocationDroppedCount' }, 'Sum', 'dropped'),
        },
        comparison: 'GreaterThanThreshold',
        threshold: 0,
        periodSeconds: 5 * MINUTE,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        justification:
          'Any: a dropped invocation (retries exhausted) is a timer that never fires — an SLA warning, a campaign launch — with no DLQ behind it.',
        runbook: runbookAnchors.schedulerFailures,
      },
    );
  }

  // Business signals
  if ('SlaBreaches' in businessMetrics) {
    alarms.push({
      ...common,
      id: 'SlaBreachesAlarm',
      kind: 'slaBreaches',
      watches: 'service desk: SLA breaches (business metric SlaBreaches)',
      watch: { type: 'metric', metric: ref({ kind: 'business', metric: 'SlaBreaches' }, 'Sum', 'breaches') },
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 3,
      periodSeconds: 15 * MINUTE,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      justification:
        '3 or more breaches in 15 minutes: the desk is falling behind (a single breach already comments on its own ticket and notifies).',
      runbook: runbookAnchors.slaBreaches,
    });
  }
  alarms.push({
    ...common,
    id: 'WebhookSignatureFailuresAlarm',
    kind: 'webhookSignatureFailures',
    watches: 'webhooks refused for their signature (WebhooksRefused, reason signature)',
    watch: {
      type: 'metric',
      metric: ref({ kind: 'business', metric: 'WebhooksRefused', value: 'signature' }, 'Sum', 'refused'),
    },
    comparison: 'GreaterThanThreshold',
    threshold: 10,
    periodSeconds: 5 * MINUTE,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    justification:
      'More than 10 signature refusals in 2 of 3 five-minute periods: a secret out of step, a skewed clock or someone probing — not one retried request.',
    runbook: runbookAnchors.webhookSignatureFailures,
  });

  // Composites: several symptoms, one fault
  const ids = new Set(alarms.map((a) => a.id));
  for (const [name, fn] of entries) {
    if (!fn.consumer) continue;
    const id = pascal(name);
    alarms.push({
      type: 'composite',
      id: `${id}StuckAlarm`,
      kind: 'consumerStuck',
      watches: `consumer ${name}: failing AND its queue backing up`,
      allOf: [`${id}ErrorRateAlarm`, `${id}QueueAgeAlarm`],
      justification:
        'Errors with a growing backlog mean the consumer cannot apply its events at all (a bug or a dependency down), not a few bad messages.',
      runbook: runbookAnchors.consumerStuck,
    });
  }
  if (ids.has('Api5xxRateAlarm')) {
    alarms.push({
      type: 'composite',
      id: 'ApiTableFaultAlarm',
      kind: 'apiTableFault',
      watches: 'HTTP API 5xx AND DynamoDB system errors',
      allOf: ['Api5xxRateAlarm', 'TableSystemErrorsAlarm'],
      justification: 'Both at once: the 5xx come from DynamoDB, not from our code; no deploy will fix it.',
      runbook: runbookAnchors.apiTableFault,
    });
  }
  return alarms;
}
