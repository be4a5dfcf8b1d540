/**
 * The Storeline stack, generated from the topology: nothing here names a function. Each function in
 * `topology.functions` gets a `StorelineFunction`, its routes on the HTTP API, and — when its spec
 * says so — a stream subscription, an SQS consumer and schedules; every function, queue and
 * schedule is on the dashboard and alarmed (a nested stack, `Observability`).
 */
import { CfnOutput, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { StorelineBus } from './constructs/event-bus.ts';
import { EventConsumer } from './constructs/event-consumer.ts';
import { StorelineFunction } from './constructs/function.ts';
import { FunctionSchedules } from './constructs/function-schedules.ts';
import { FunctionTimers } from './constructs/function-timers.ts';
import { StorelineHttpApi } from './constructs/http-api.ts';
import { DEFAULT_SENDER_DOMAIN, Messaging } from './constructs/messaging.ts';
import { pascalCase } from './constructs/names.ts';
import { Observability } from './constructs/observability.ts';
import { TableStreamSubscription } from './constructs/stream-subscription.ts';
import { StorelineTable } from './constructs/table.ts';
import {
  allRoutes,
  functionEntries,
  topology as storelineTopology,
  type Topology,
  timerEntries,
} from './topology.ts';

export interface StorelineStackProps extends StackProps {
  /** What to deploy. Default: Storeline's topology; tests pass small synthetic ones. */
  readonly topology?: Topology;
  /**
   * The domain emails are sent from (an SES domain identity, docs/deployment.md). Default: the
   * `senderDomain` context (`cdk deploy -c senderDomain=shop.example.com`), else `storeline.example`.
   */
  readonly senderDomain?: string;
  /**
   * Browser origins allowed to call the API (CORS). Default: the `allowedOrigins` context, a
   * comma-separated list or a JSON array (`cdk deploy -c allowedOrigins=https://shop.example.com`),
   * else none (docs/deployment.md).
   */
  readonly allowedOrigins?: readonly string[];
}

/** The `allowedOrigins` context: absent, a comma-separated string or an array of `https://host[:port]` origins. */
export function originsFromContext(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value
          .split(',')
          .map((origin) => origin.trim())
          .filter((origin) => origin.length > 0)
      : undefined;
  if (!list) throw new Error('Context allowedOrigins must be a comma-separated string or an array');
  for (const origin of list)
    if (typeof origin !== 'string' || !/^(https:\/\/[a-z0-9.-]+|http:\/\/localhost)(:\d{1,5})?$/.test(origin))
      throw new Error(
        `Context allowedOrigins: ${JSON.stringify(origin)} is not an origin such as https://shop.example.com`,
      );
  return list as string[];
}

/** The `authCallbackUrls` context (comma-separated `https://…` URLs, or `http://localhost…`), if given. */
function callbackUrlsFromContext(value: unknown): { callbackUrls?: string[] } {
  if (value === undefined) return {};
  const list = typeof value === 'string' ? value.split(',').map((url) => url.trim()) : value;
  if (
    !Array.isArray(list) ||
    list.some((url) => typeof url !== 'string' || !/^(https:\/\/|http:\/\/localhost[:/])/.test(url))
  )
    throw new Error('Context authCallbackUrls must be comma-separated https:// (or http://localhost) URLs');
  return { callbackUrls: list as string[] };
}

/** The `authDomainPrefix` context: the Cognito managed-login domain prefix, if given. */
function domainPrefixFromContext(value: unknown): { authDomainPrefix?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(value))
    throw new Error('Context authDomainPrefix must be lower-case letters, digits and hyphens');
  return { authDomainPrefix: value };
}

export class StorelineStack extends Stack {
  readonly topology: Topology;
  readonly table: StorelineTable;
  readonly bus: StorelineBus;
  /** Every function by its topology name. */
  readonly functions: ReadonlyMap<string, StorelineFunction>;
  readonly http: StorelineHttpApi;
  /** Stream subscriptions, consumers and schedules by the name of the function they feed. */
  readonly streamSubscriptions: ReadonlyMap<string, TableStreamSubscription>;
  readonly consumers: ReadonlyMap<string, EventConsumer>;
  readonly schedules: ReadonlyMap<string, FunctionSchedules>;
  /** One-time timers (schedule groups, roles) by the name of the function setting them. */
  readonly timers: ReadonlyMap<string, FunctionTimers>;
  readonly observability: Observability;
  /** The SES sender identity and the functions' messaging grants. */
  readonly messaging: Messaging;

  constructor(scope: Construct, id: string, props: StorelineStackProps = {}) {
    super(scope, id, {
      description: 'Storeline: orders, customers, promotions and service desk on AWS serverless',
      ...props,
    });
    const topology = props.topology ?? storelineTopology;
    this.topology = topology;

    this.table = new StorelineTable(this, 'Table', topology.table);
    this.bus = new StorelineBus(this, 'Bus', topology.bus);
    const senderDomain: unknown =
      props.senderDomain ?? this.node.tryGetContext('senderDomain') ?? DEFAULT_SENDER_DOMAIN;
    if (typeof senderDomain !== 'string') throw new Error('Context senderDomain must be a string');
    this.messaging = new Messaging(this, 'Messaging', {
      senderDomain,
      email: functionEntries(topology).some(([, spec]) => spec.sends?.email === true),
    });
    // The ops topic is the alarm topic, made below with the dashboard: resolved at synthesis.
    const opsTopicArn = Lazy.string({ produce: () => this.observability.alarmTopic.topicArn });

    const functions = new Map<string, StorelineFunction>();
    const handlers = new Map<string, IFunction>();
    for (const [name, spec] of functionEntries(topology)) {
      const fn = new StorelineFunction(this, `${pascalCase(name)}Function`, {
        name,
        spec,
        table: this.table,
        bus: this.bus,
        topology,
        ...(spec.sends ? { messaging: { mailFrom: this.messaging.mailFrom, opsTopicArn } } : {}),
      });
      functions.set(name, fn);
      handlers.set(name, fn.function);
    }
    this.functions = functions;

    this.http = new StorelineHttpApi(this, 'Http', {
      routes: allRoutes(topology),
      functions: handlers,
      routeThrottles: new Map(
        functionEntries(topology).flatMap(([name, spec]) =>
          spec.routeThrottle ? [[name, spec.routeThrottle] as const] : [],
        ),
      ),
      routeKeyThrottles: new Map(
        functionEntries(topology).flatMap(([, spec]) => Object.entries(spec.routeKeyThrottles ?? {})),
      ),
      allowedOrigins: props.allowedOrigins ?? originsFromContext(this.node.tryGetContext('allowedOrigins')),
      ...callbackUrlsFromContext(this.node.tryGetContext('authCallbackUrls')),
      ...domainPrefixFromContext(this.node.tryGetContext('authDomainPrefix')),
    });

    const streamSubscriptions = new Map<string, TableStreamSubscription>();
    const consumers = new Map<string, EventConsumer>();
    const schedules = new Map<string, FunctionSchedules>();
    const deadLetterQueues: { name: string; queue: IQueue }[] = [];
    const queues: { name: string; queue: IQueue }[] = [];
    for (const [name, spec] of functionEntries(topology)) {
      const handler = handlers.get(name)!;
      const id = pascalCase(name);
      if (spec.stream) {
        const subscription = new TableStreamSubscription(this, `${id}StreamSubscription`, {
          table: this.table,
          function: handler,
          spec: spec.stream,
          name,
        });
        streamSubscriptions.set(name, subscription);
        deadLetterQueues.push({ name: `${name}-stream-failures`, queue: subscription.failureQueue });
      }
      if (spec.consumer) {
        const consumer = new EventConsumer(this, `${id}Consumer`, {
          bus: this.bus,
          function: handler,
          functionTimeoutSeconds: spec.timeoutSeconds,
          spec: spec.consumer,
          name,
        });
        consumers.set(name, consumer);
        queues.push({ name, queue: consumer.queue });
        deadLetterQueues.push({ name, queue: consumer.deadLetterQueue });
      }
      if (spec.schedules && spec.schedules.length > 0) {
        schedules.set(
          name,
          new FunctionSchedules(this, `${id}Schedules`, { function: handler, schedules: spec.schedules }),
        );
      }
    }
    this.streamSubscriptions = streamSubscriptions;
    this.consumers = consumers;
    this.schedules = schedules;

    // After every function exists: a timer's owner gets its target's ARN in its environment.
    const timers = new Map<string, FunctionTimers>();
    const entries = timerEntries(topology);
    for (const owner of new Set(entries.map((entry) => entry.owner))) {
      const specs = entries.filter((entry) => entry.owner === owner).map((entry) => entry.timer);
      timers.set(
        owner,
        new FunctionTimers(this, `${pascalCase(owner)}Timers`, {
          owner: functions.get(owner)!.function,
          targets: new Map(specs.map((spec) => [spec.name, handlers.get(spec.target)!])),
          timers: specs,
        }),
      );
    }
    this.timers = timers;

    // The dashboard and alarms go in a nested stack (the main stack is near 500 resources).
    this.observability = new Observability(this, 'Observability', {
      topology,
      stackName: this.stackName,
      functions: handlers,
      api: this.http.api,
      table: this.table,
      deadLetterQueues,
      queues,
      dlqAlarmSubscribers: functionEntries(topology)
        .filter(([, spec]) => spec.alarmSubscription?.alarms === 'deadLetterQueues')
        .map(([name]) => handlers.get(name)!),
    });

    for (const [name, spec] of functionEntries(topology)) {
      const fn = functions.get(name);
      if (fn && spec.sends) {
        this.messaging.grantSends(
          { grantee: fn.function, scope: fn },
          spec.sends,
          this.observability.alarmTopic,
        );
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: this.http.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UserPoolId', { value: this.http.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.http.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.observability.alarmTopic.topicArn,
      description: 'Subscribe the on-call address or chat integration here',
    });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboardName });
    for (const fn of functions.values()) {
      for (const [name, secret] of fn.secrets) {
        new CfnOutput(this, `${pascalCase(name)}Arn`, {
          value: secret.secretArn,
          description: 'Secrets Manager secret to rotate (docs/operations.md)',
        });
      }
    }
  }
}
