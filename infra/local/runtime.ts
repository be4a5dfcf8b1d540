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
import { localOps, opsPage } from './ops-page.ts';
import { localReplayAdmin } from './replays.ts';
import { LOCAL_SCHEDULES_FILE, LocalScheduler, localTimerResources } from './scheduler.ts';
import { LocalTelemetry, type OutputKind } from './telemetry.ts';

export const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface RuntimeOptions {
  readonly port: number;
  readonly dynamoDbPort: number;
  /** Folder for DynamoDB Local's data; undefined keeps it in memory. */
  readonly dataDir?: string | undefined;
  readonly jwtSecret?: string;
  /** Level of the functions' log lines printed to the console (`INFO` unless said). */
  readonly logLevel?: string;
  /**
   * Level of the log lines captured for `/_local/logs` (default `INFO`, Lambda's usual setting):
   * functions log at the more verbose of this and `logLevel`; only lines at `logLevel` or above
   * reach the console.
   */
  readonly captureLogLevel?: string;
  /** Print the functions' EMF metric documents to the console as Lambda would (they are captured anyway). */
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
  /** Captured metrics and logs (`/_local/ops`, `/_local/logs`). */
  readonly telemetry: LocalTelemetry;
  stop(): Promise<void>;
}

/** How often queue depths are sampled for the ops page (SQS reports them per minute; faster here). */
const QUEUE_SAMPLE_MS = 5_000;

/** Records every consumer queue's, DLQ's and stream-failure queue's depth and oldest age now. */
export function sampleQueues(telemetry: LocalTelemetry, backbone: LocalBackbone, now = Date.now()): void {
  for (const [name, { queue, dlq }] of backbone.queues) {
    for (const [role, q] of [
      ['queue', queue],
      ['dlq', dlq],
    ] as const) {
      const messages = q.peek();
      const visible = messages.filter((m) => m.visibleAt <= now);
      const oldest = Math.min(now, ...messages.map((m) => m.sentTimestamp));
      telemetry.queueSample(name, role, visible.length, Math.round((now - oldest) / 1000));
    }
  }
  for (const source of backbone.streamSources) {
    const failures = backbone.streamFailures.filter((f) => f.functionName === source.functionName);
    telemetry.queueSample(source.functionName, 'streamFailures', failures.length);
  }
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
  options: Pick<RuntimeOptions, 'logLevel' | 'emitMetrics' | 'environment' | 'captureLogLevel'> & {
    /** The runtime captures the functions' output: metrics on, logs at the capture level too. */
    readonly captured?: boolean;
  },
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
    POWERTOOLS_METRICS_DISABLED: options.emitMetrics || options.captured ? 'false' : 'true',
    POWERTOOLS_LOG_LEVEL: options.captured
      ? moreVerbose(options.logLevel ?? 'INFO', options.captureLogLevel ?? 'INFO')
      : (options.logLevel ?? 'INFO'),
    NODE_OPTIONS: '',
    // No Secrets Manager locally: each secret's value itself, from this process's environment.
    ...Object.fromEntries(
      (fn.secrets ?? []).map((s) => [s.localVariable, process.env[s.localVariable] ?? s.localDefault]),
    ),
    ...options.environment,
  };
}

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
const rank = (level: string): number => {
  const i = LEVELS.indexOf(level.toUpperCase());
  return i < 0 ? LEVELS.indexOf('INFO') : i;
};
const moreVerbose = (a: string, b: string): string => (rank(a) <= rank(b) ? a : b).toUpperCase();

/**
 * Whether a function's output line goes to the console: EMF documents only with `emitMetrics`,
 * log lines at `logLevel` or above, anything else always (as before the capture).
 */
export function toConsole(
  kind: OutputKind,
  line: string,
  options: Pick<RuntimeOptions, 'logLevel' | 'emitMetrics'>,
): boolean {
  if (kind === 'metrics') return options.emitMetrics === true;
  if (kind === 'other') return true;
  const level = /"level":"(\w+)"/.exec(line)?.[1] ?? 'INFO';
  return rank(level) >= rank(options.logLevel ?? 'INFO');
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
    const telemetry = new LocalTelemetry();
    const scheduler = new LocalScheduler({
      topology: t,
      onFiring: (entry) => telemetry.schedulerFiring(entry.outcome),
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
      onOutput: (name, line) => !toConsole(telemetry.capture(name, line), line, options),
      onInvocationStart: (name) => telemetry.invocationStarted(name),
      onInvocationEnd: (name, ms, failed) => telemetry.invocationEnded(name, ms, failed),
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
          { ...options, captured: true },
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
    const sampler = setInterval(() => sampleQueues(telemetry, backbone), QUEUE_SAMPLE_MS);
    sampler.unref();
    stops.push(async () => clearInterval(sampler));

    const opsData = localOps(telemetry, t);
    // Queue depths are sampled for each read too, so the page never shows a depth 5 s old.
    const ops: typeof opsData = async (request) => {
      if (request.path === '/_local/ops/data') sampleQueues(telemetry, backbone);
      return opsData(request);
    };
    const server = createGateway({
      topology: t,
      host,
      issuer: localIssuer(options.jwtSecret ?? DEFAULT_JWT_SECRET),
      log,
      extras: async (request) =>
        (await localAdmin(backbone, mailbox)(request)) ??
        (await localSchedulerAdmin(scheduler)(request)) ??
        (await localReplayAdmin(backbone)(request)) ??
        (await ops(request)),
      pages: (path) => (path === '/_local/ops' ? opsPage() : undefined),
      onRequest: (request) => telemetry.apiRequest(request),
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
      telemetry,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
