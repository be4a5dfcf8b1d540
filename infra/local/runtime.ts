/**
 * The local runtime: DynamoDB Local, the topology's functions in worker threads, and the HTTP
 * gateway, all from the same topology as the CDK app. Handler code is unchanged: the SDK finds
 * the local services through the standard `AWS_ENDPOINT_URL_*` variables set here.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FunctionSpec, Topology } from '../topology/types.ts';
import { topology as defaultTopology, functionEnvironment } from '../topology.ts';
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
}

export interface Runtime {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly topology: Topology;
  stop(): Promise<void>;
}

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
export async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePromise(port));
    });
  });
}

export function localFunctionEnvironment(
  t: Topology,
  name: string,
  fn: FunctionSpec,
  endpoints: { dynamodb: string },
  options: Pick<RuntimeOptions, 'logLevel' | 'emitMetrics'>,
): Record<string, string> {
  return {
    ...functionEnvironment(name, fn, { tableName: t.table.name, busName: t.bus.name }, t),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: options.emitMetrics ? 'false' : 'true',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
    NODE_OPTIONS: '',
  };
}

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
    const client = localDynamoClient(dynamo.endpoint);
    const created = await ensureTable(client, t.table, t.table.name);
    client.destroy();
    log(`table ${t.table.name} ${created ? 'created' : 'found'}`);

    const host = new FunctionHost({
      topology: t,
      rootDir: ROOT_DIR,
      environmentFor: (name, fn) =>
        localFunctionEnvironment(t, name, fn, { dynamodb: dynamo.endpoint }, options),
    });
    stops.push(() => host.stop());
    await host.startAll();

    const server = createGateway({
      topology: t,
      host,
      issuer: localIssuer(options.jwtSecret ?? DEFAULT_JWT_SECRET),
      log,
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
      tableName: t.table.name,
      topology: t,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
