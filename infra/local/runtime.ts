/**
 * The local runtime: DynamoDB Local, the topology's functions in worker threads, and the HTTP
 * gateway, all from the same topology as the CDK app. Handler code is unchanged: the SDK finds
 * the local services through the standard `AWS_ENDPOINT_URL_*` variables set here.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { FunctionSpec, Topology } from '../topology/types.ts';
import { topology as defaultTopology, functionEnvironment } from '../topology.ts';
import { localAdmin, localSchedulerAdmin } from './admin.ts';
import { dlqAlarmEvent, dlqAlarmSubscribers } from './alarms.ts';
import { LocalBackbone, localStreamsClient } from './backbone.ts';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoClient,
  startDynamoDbLocal,
} from './dynamodb.ts';
import { LocalRuntimeError } from './errors.ts';
import { FunctionHost } from './functions.ts';
import { createGateway, listen } from './gateway.ts';
import { localIssuer } from './jwt.ts';
import {
  addressOf,
  createMessagingServer,
  LOCAL_MAIL_FROM,
  LOCAL_MAILBOX_FILE,
  LocalMailbox,
  localOpsTopicArn,
} from './messaging.ts';
import { localReplayAdmin } from './replays.ts';
import { LOCAL_SCHEDULES_FILE, LocalScheduler, localTimerResources } from './scheduler.ts';

export const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface RuntimeOptions {
  readonly port: number;
  readonly dynamoDbPort: number;
  /** Folder for DynamoDB Local's data; undefined keeps it in memory. */
  readonly dataDir?: string | undefined;
  readonly jwtSecret?: string;
  readonly logLevel?: string;
  readonly emitMetrics?: boolean;
  readonly log?: (line: string) => void;
  readonly topology?: Topology;
  /** Port of the local EventBridge endpoint; 0 or undefined picks a free one. */
  readonly eventBridgePort?: number;
  /** Replaces every consumer queue's visibility timeout (seconds), to see retries sooner. */
  readonly visibilityTimeoutSeconds?: number | undefined;
  /** How often idle queues and the table's stream are polled (ms). */
  readonly pollIntervalMs?: number | undefined;
  /** Port of the local EventBridge Scheduler endpoint; 0 or undefined picks a free one. */
  readonly schedulerPort?: number;
  /**
   * Extra environment variables for every function, applied last (they override the topology's
   * and the runtime's own), e.g. a shorter timer lead for a test run. `npm start` reads them from
   * `LOCAL_FUNCTION_ENV` (a JSON object).
   */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface Runtime {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  /** Whether DynamoDB Local accepts connections from this machine only (docs/security.md). */
  readonly dynamoDbLoopbackOnly: boolean;
  readonly tableName: string;
  readonly topology: Topology;
  /** The local EventBridge endpoint (`AWS_ENDPOINT_URL_EVENTBRIDGE` of every function). */
  readonly eventBridgeEndpoint: string;
  /** The local SQS endpoint serving the consumer queues (`AWS_ENDPOINT_URL_SQS` of every function). */
  readonly sqsEndpoint: string;
  /** Bus, queues and event sources, for inspection. */
  readonly backbone: LocalBackbone;
  /** Every email, SMS and ops notification functions sent (`GET /_local/messages`). */
  readonly mailbox: LocalMailbox;
  /** The local SES v2 and SNS endpoint (`AWS_ENDPOINT_URL_SESV2` / `AWS_ENDPOINT_URL_SNS`). */
  readonly messagingEndpoint: string;
  /** The local EventBridge Scheduler endpoint (`AWS_ENDPOINT_URL_SCHEDULER` of every function). */
  readonly schedulerEndpoint: string;
  /** Schedules, their clock and firing history, for inspection. */
  readonly scheduler: LocalScheduler;
  readonly host: FunctionHost;
  stop(): Promise<void>;
}

/** Where the backbone keeps checkpoints and queued messages when data is on disk. */
export const LOCAL_STATE_FILE = 'storeline-local-state.json';

export const DEFAULT_JWT_SECRET = 'storeline-local-only-jwt-secret';

/** Fails fast, with one line, when a port is taken, before Java is even started. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new LocalRuntimeError(
              `Port ${port} (${what}) is already in use: stop what holds it or choose another port.`,
            )
          : error,
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePromise()));
  });
}

/** Asks the OS for a free loopback port (tests and benchmarks). */

/**
 * Seconds ahead a timer is set at least, locally (`TIMER_MIN_LEAD_SECONDS`, `#shared/timers.ts`):
 * AWS needs a minute of lead, the local scheduler fires at the second.
 */
export const LOCAL_TIMER_MIN_LEAD_SECONDS = '1';

export function localFunctionEnvironment(
  t: Topology,
  name: string,
  fn: FunctionSpec,
  endpoints: { dynamodb: string; eventbridge?: string; sqs?: string; messaging?: string; scheduler?: string },
  options: Pick<RuntimeOptions, 'logLevel' | 'emitMetrics' | 'environment'>,
): Record<string, string> {
  return {
    ...functionEnvironment(
      name,
      fn,
      {
        tableName: t.table.name,
        busName: t.bus.name,
        messaging: { mailFrom: localMailFrom(), opsTopicArn: localOpsTopicArn(LOCAL_REGION) },
        timers: localTimerResources(t, name, LOCAL_REGION),
      },
      t,
    ),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    ...(endpoints.eventbridge ? { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge } : {}),
    ...(endpoints.sqs ? { AWS_ENDPOINT_URL_SQS: endpoints.sqs } : {}),
    ...(endpoints.messaging
      ? { AWS_ENDPOINT_URL_SESV2: endpoints.messaging, AWS_ENDPOINT_URL_SNS: endpoints.messaging }
      : {}),
    ...(endpoints.scheduler ? { AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler } : {}),
    TIMER_MIN_LEAD_SECONDS: LOCAL_TIMER_MIN_LEAD_SECONDS,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: options.emitMetrics ? 'false' : 'true',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
    NODE_OPTIONS: '',
    // No Secrets Manager locally: each secret's value itself, from this process's environment.
    ...Object.fromEntries(
      (fn.secrets ?? []).map((s) => [s.localVariable, process.env[s.localVariable] ?? s.localDefault]),
    ),
    ...options.environment,
  };
}

/** The local sender: `MAIL_FROM` of this process, else `LOCAL_MAIL_FROM`. */
export const localMailFrom = (): string => process.env.MAIL_FROM || LOCAL_MAIL_FROM;

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const t = options.topology ?? defaultTopology;
  const log = options.log ?? (() => undefined);
  await assertPortFree(options.port, 'HTTP API');
  await assertPortFree(options.dynamoDbPort, 'DynamoDB Local');

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const dynamo = await startDynamoDbLocal({ port: options.dynamoDbPort, dataDir: options.dataDir });
    stops.push(() => dynamo.stop());
    if (!dynamo.loopbackOnly)
      log(
        `WARNING: DynamoDB Local listens on every interface (this Java has no jdk.compiler module to build the loopback launcher): block port ${options.dynamoDbPort} from other machines (docs/security.md)`,
      );
    const client = localDynamoClient(dynamo.endpoint);
    const created = await ensureTable(client, t.table, t.table.name);
    const streamArn = (await client.send(new DescribeTableCommand({ TableName: t.table.name }))).Table
      ?.LatestStreamArn;
    client.destroy();
    if (!streamArn) throw new LocalRuntimeError(`Table ${t.table.name} has no stream`);
    log(`table ${t.table.name} ${created ? 'created' : 'found'}`);

    // The DLQ hook: a first dead letter is a DLQ alarm going to ALARM; its subscribers get the SNS
    // event AWS would deliver (infra/local/alarms.ts). Set once the functions run.
    let dlqAlarm: (queue: string) => void = () => undefined;
    const backbone = new LocalBackbone({
      topology: t,
      region: LOCAL_REGION,
      stateFile: options.dataDir ? join(options.dataDir, LOCAL_STATE_FILE) : undefined,
      eventBridgePort: options.eventBridgePort ?? 0,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      pollIntervalMs: options.pollIntervalMs,
      onDeadLetters: (queue) => dlqAlarm(queue),
      log,
    });
    const eventbridge = await backbone.listen();
    stops.push(() => backbone.stop());
    // SES and SNS: every message lands in the mailbox, kept beside the data when it is on disk.
    const mailbox = new LocalMailbox(
      options.dataDir ? join(options.dataDir, LOCAL_MAILBOX_FILE) : undefined,
      log,
    );
    const messagingServer = createMessagingServer({
      mailbox,
      region: LOCAL_REGION,
      verifiedIdentities: [addressOf(localMailFrom()).split('@')[1] ?? ''],
      topics: [localOpsTopicArn(LOCAL_REGION)],
    });
    const messagingEndpoint = `http://127.0.0.1:${await listen(messagingServer, 0)}`;
    stops.push(
      () =>
        new Promise<void>((r) => {
          messagingServer.close(() => r());
          messagingServer.closeAllConnections();
        }),
    );
    const streams = localStreamsClient(dynamo.endpoint, LOCAL_REGION);
    stops.push(async () => streams.destroy());

    let invoke: (name: string, event: unknown) => Promise<unknown> = () =>
      Promise.reject(new LocalRuntimeError('functions are not started yet'));
    const scheduler = new LocalScheduler({
      topology: t,
      region: LOCAL_REGION,
      stateFile: options.dataDir ? join(options.dataDir, LOCAL_SCHEDULES_FILE) : undefined,
      invoke: (name, event) => invoke(name, event),
      pollIntervalMs: options.pollIntervalMs,
      log,
    });
    const schedulerEndpoint = await scheduler.listen(options.schedulerPort ?? 0);
    stops.push(() => scheduler.stop());

    const host = new FunctionHost({
      topology: t,
      rootDir: ROOT_DIR,
      environmentFor: (name, fn) =>
        localFunctionEnvironment(
          t,
          name,
          fn,
          {
            dynamodb: dynamo.endpoint,
            eventbridge,
            sqs: backbone.sqsEndpoint,
            messaging: messagingEndpoint,
            scheduler: schedulerEndpoint,
          },
          options,
        ),
    });
    // Event sources and the scheduler's clock stop before the host, so no batch or firing is cut
    // off by its function going away.
    stops.push(async () => {
      await backbone.stopSources();
      await scheduler.stop();
      await host.stop();
    });
    await host.startAll();
    invoke = (name, event) => host.invoke(name, event);
    dlqAlarm = (queue) => {
      log(`DLQ alarm: ${queue} (first dead letter)`);
      for (const name of dlqAlarmSubscribers(t)) {
        invoke(name, dlqAlarmEvent(queue, LOCAL_REGION)).catch((error: unknown) =>
          log(`DLQ alarm for ${queue}: ${name} failed: ${String(error)}`),
        );
      }
    };
    backbone.start(invoke, { client: streams, streamArn });
    scheduler.start();

    const server = createGateway({
      topology: t,
      host,
      issuer: localIssuer(options.jwtSecret ?? DEFAULT_JWT_SECRET),
      log,
      extras: async (request) =>
        (await localAdmin(backbone, mailbox)(request)) ??
        (await localSchedulerAdmin(scheduler)(request)) ??
        (await localReplayAdmin(backbone)(request)),
    });
    const port = await listen(server, options.port);
    stops.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
    return {
      url: `http://localhost:${port}`,
      dynamoDbEndpoint: dynamo.endpoint,
      dynamoDbLoopbackOnly: dynamo.loopbackOnly,
      tableName: t.table.name,
      topology: t,
      eventBridgeEndpoint: eventbridge,
      sqsEndpoint: backbone.sqsEndpoint,
      backbone,
      mailbox,
      messagingEndpoint,
      schedulerEndpoint,
      scheduler,
      host,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
