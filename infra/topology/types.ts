/**
 * The shape of the one description of the system. `infra/stack.ts` (CDK) and `infra/local/`
 * (the local runtime) are both built from a value of this type; neither declares wiring itself.
 * Pure data and zod route contracts only: no aws-cdk-lib import, so handlers may read it.
 */
import type { RouteSpec } from '#shared/http/contract.ts';

export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** What the index is for; the data-model doc lists the access patterns. */
  readonly purpose: string;
}

export interface TableSpec {
  /** Logical name; the deployed table name is generated, the local one is this. */
  readonly name: string;
  readonly partitionKey: 'pk';
  readonly sortKey: 'sk';
  readonly indexes: readonly IndexSpec[];
  /** Epoch-seconds attribute DynamoDB TTL deletes on. Nothing relies on it for correctness. */
  readonly ttlAttribute: string;
  readonly stream: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

export interface BusSpec {
  readonly name: string;
  /** Days the archive keeps events for replay; 0 keeps them forever. */
  readonly archiveRetentionDays: number;
}

/** A function reading the table's stream (the outbox publisher). */
export interface StreamSubscription {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly retryAttempts: number;
  readonly bisectBatchOnError: boolean;
  readonly parallelizationFactor: number;
  /** Only stream records matching this are delivered: INSERTs whose `pk` starts with the prefix. */
  readonly filter: { readonly eventName: 'INSERT'; readonly pkPrefix: string };
}

/** An SQS-fed consumer: its queue, DLQ and the EventBridge rule feeding it. */
export interface ConsumerSpec {
  /** Events delivered to this consumer: `source` and the detail-types from it. */
  readonly events: readonly { readonly source: string; readonly detailTypes: readonly string[] }[];
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** At least six times the function timeout, as AWS recommends for SQS event sources. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly dlqRetentionDays: number;
  /**
   * The most concurrent invocations the SQS event source may run (Lambda: 2–1000; unset scales
   * with the backlog). Set on every consumer that updates shared counters, so a burst cannot turn
   * their rows into conflict storms that end in the DLQ; the queue absorbs the burst instead.
   */
  readonly maxConcurrency?: number;
}

export interface ScheduleSpec {
  readonly name: string;
  /** `rate(5 minutes)` or `cron(...)`. */
  readonly expression: string;
  readonly description: string;
}

/**
 * One-time timers a function sets at run time (EventBridge Scheduler `at()` schedules in a schedule
 * group of their own), each invoking `target` once with a JSON payload at its time. The owning
 * function may create, update, read and delete schedules in that group only; the group's role may
 * invoke `target` only. Names of the variables it finds them by: `timerVariables(name)` in
 * `#shared/timers.ts`.
 */
export interface TimerSpec {
  /** camelCase; names the schedule group, its role and the environment variables. */
  readonly name: string;
  /** The function (by its topology name, not the owner itself) each timer invokes. */
  readonly target: string;
  readonly description: string;
}

export type TableAccess = 'none' | 'read' | 'readWrite';

/**
 * A Secrets Manager secret that only its function may read (e.g. webhook signing secrets). In AWS
 * the stack creates it with a generated first value `{"<generateKey>": "<64 characters>"}` and
 * passes its ARN in `arnVariable`; locally there is no Secrets Manager, and the runtime passes the
 * value itself in `localVariable` (its own environment's value, else `localDefault`).
 */
export interface SecretSpec {
  /** Construct id (PascalCased) and what the docs call it. */
  readonly name: string;
  readonly description: string;
  readonly arnVariable: string;
  /** JSON key of the generated first value. */
  readonly generateKey: string;
  readonly localVariable: string;
  readonly localDefault: string;
}

/** Requests per second (steady) and burst for a route, instead of the stage's defaults. */
export interface RouteThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * What a function may send through `#shared/messaging.ts`. Each flag adds the sender's variables
 * to its environment (`MAIL_FROM`, `OPS_TOPIC_ARN`) and, in AWS, the one grant it needs: email →
 * `ses:SendEmail`/`SendRawEmail` on the sender identity only; sms → `sns:Publish` to phone numbers
 * (publishing to any topic denied); opsTopic → `sns:Publish` on the ops topic only.
 */
export interface SendsSpec {
  readonly email?: boolean;
  readonly sms?: boolean;
  readonly opsTopic?: boolean;
}

/**
 * Alarm notifications this function receives from the ops topic (an SNS subscription whose filter
 * policy matches the alarm notification's body). `deadLetterQueues`: every DLQ alarm entering
 * ALARM (named `<stack>-dlq-<queue>`); locally, the runtime's DLQ hook invokes it instead.
 */
export interface AlarmSubscriptionSpec {
  readonly alarms: 'deadLetterQueues';
}

export interface FunctionSpec {
  /** Repo-relative TypeScript entry exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly table: TableAccess;
  /**
   * The table's indexes this function's code queries (`index: 'gsi1'` / `IndexName`): in AWS it
   * may `Query` those index ARNs only. Absent: none. A unit test derives them from the modules the
   * entry imports (tests/unit/infra/function-indexes.test.ts), so a new query cannot go unnoticed.
   */
  readonly indexes?: readonly string[];
  /** Grants events:PutEvents on the bus (the publisher only: everyone else writes the outbox). */
  readonly publishesToBus?: boolean;
  /** Extra environment; the common variables come from `functionEnvironment`. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly routes?: Readonly<Record<string, RouteSpec>>;
  readonly stream?: StreamSubscription;
  readonly consumer?: ConsumerSpec;
  readonly schedules?: readonly ScheduleSpec[];
  /** One-time timers (schedule groups) this function sets, each invoking another function. */
  readonly timers?: readonly TimerSpec[];
  /** Secrets only this function may read; in AWS their ARNs, locally their values, in its environment. */
  readonly secrets?: readonly SecretSpec[];
  /**
   * Throttling of each of this function's routes (API Gateway stage route settings), instead of
   * the stage default: a route open to the internet without a token gets a budget of its own.
   * Not enforced by the local gateway.
   */
  readonly routeThrottle?: RouteThrottle;
  /**
   * Throttling of single routes by route key (`POST /orders`), over `routeThrottle` and the stage
   * default: a route that is costlier than its siblings gets a budget of its own (docs/security.md,
   * edge protection). Not enforced by the local gateway.
   */
  readonly routeKeyThrottles?: Readonly<Record<string, RouteThrottle>>;
  /**
   * Repo-relative files shipped beside the bundle's `index.mjs` (same file name, no folders), for
   * a handler to read with `new URL('./<name>', import.meta.url)`: locally that resolves beside
   * the TypeScript entry, so each file must sit in the entry's folder. Generated artifacts too
   * large to embed in the bundle, e.g. the OpenAPI document.
   */
  readonly assets?: readonly string[];
  /** Outbound messages it may send (email, SMS, ops notifications); nothing when absent. */
  readonly sends?: SendsSpec;
  /** Alarm notifications from the ops topic it is subscribed to; none when absent. */
  readonly alarmSubscription?: AlarmSubscriptionSpec;
}

export interface Topology {
  readonly service: string;
  readonly table: TableSpec;
  readonly bus: BusSpec;
  readonly functions: Readonly<Record<string, FunctionSpec>>;
}
