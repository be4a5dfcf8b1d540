/** Starts `npm start`'s entry point as a child process and waits for its ready banner. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '#infra/local/processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RuntimeProcess {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
  /**
   * SIGKILL to the runtime's whole process group (node and DynamoDB Local's Java at once, no
   * handler runs: a crash); only for a runtime started with `processGroup: true`. Resolves on exit.
   */
  crash(): Promise<void>;
}

export interface RuntimeProcessOptions {
  inMemory?: boolean;
  dataDir?: string;
  port?: number;
  dynamoDbPort?: number;
  env?: Record<string, string | undefined>;
  /** Start the runtime as the leader of its own process group, so `crash()` can kill it all. */
  processGroup?: boolean;
  /** Resolve on exit instead of on readiness (for start-up failure tests). */
  expectFailure?: boolean;
}

export async function startRuntimeProcess(options: RuntimeProcessOptions = {}): Promise<RuntimeProcess> {
  const port = options.port ?? (await freePort());
  const dynamoDbPort = options.dynamoDbPort ?? (await freePort());
  const args = ['infra/local/main.ts', '--port', String(port), '--dynamodb-port', String(dynamoDbPort)];
  if (options.inMemory) args.push('--in-memory');
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'WARN', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  const crash = async () => {
    if (!options.processGroup || child.pid === undefined) throw new Error('crash() needs processGroup: true');
    process.kill(-child.pid, 'SIGKILL');
    await exited;
  };
  const url = `http://localhost:${port}`;
  const dynamoDbEndpoint = `http://127.0.0.1:${dynamoDbPort}`;
  const handle: RuntimeProcess = { url, dynamoDbEndpoint, child, output: () => output, stop, crash };
  if (options.expectFailure) {
    await exited;
    return handle;
  }
  const deadline = Date.now() + 90_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null) throw new Error(`runtime exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`runtime not ready within 90 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return handle;
}
