/**
 * Hosts the topology's functions locally the way Lambda runs them: each function has a pool of
 * containers (worker threads with the function's own environment and module state), and a
 * container serves one invocation at a time. Pools scale out on demand up to a concurrency limit
 * (cold starts happen when they do, as in AWS) and queue beyond it. The topology's timeout runs
 * from the moment a container takes the invocation; a container that times out or crashes is
 * replaced, as Lambda resets a sandbox.
 *
 * One invocation per container matters: Powertools' logger and metrics keep per-invocation state
 * in module scope, which concurrent invocations in one isolate would mix.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FunctionSpec, Topology } from '../topology/types.ts';
import { LocalRuntimeError } from './errors.ts';

export class InvocationError extends Error {
  readonly functionName: string;
  constructor(functionName: string, message: string, stack?: string) {
    super(message);
    this.name = 'InvocationError';
    this.functionName = functionName;
    if (stack) this.stack = stack;
  }
}

/**
 * Lambda's limit on a synchronous invocation's payload (the event as JSON): 6 MB, which the
 * Invoke API states as "Request must be smaller than 6291456 bytes". API Gateway accepts bodies
 * up to 10 MB, so a body between the two reaches Lambda and is refused there.
 */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** The error Lambda's Invoke answers for an oversized event, or undefined when it fits. */
export function payloadTooLarge(name: string, event: unknown): InvocationError | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(event) ?? '', 'utf8');
  if (bytes < MAX_SYNC_PAYLOAD_BYTES) return undefined;
  return new InvocationError(
    name,
    `RequestEntityTooLargeException: ${bytes} byte payload; Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
  );
}

/** Containers per function when the topology does not say; LOCAL_MAX_CONCURRENCY overrides. */
export const DEFAULT_LOCAL_CONCURRENCY = 16;

interface Invocation {
  readonly event: unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Container {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  isReady: boolean;
  current?: { id: number; invocation: Invocation; timer: NodeJS.Timeout; started: number } | undefined;
}

interface Pool {
  readonly name: string;
  readonly spec: FunctionSpec;
  readonly containers: Set<Container>;
  readonly queue: Invocation[];
}

type Message =
  | { ready: true }
  | { ready: false; error: { message: string; stack?: string } }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

export interface FunctionHostOptions {
  readonly topology: Topology;
  readonly rootDir: string;
  /** Environment for a function: the topology's variables plus local endpoints. */
  readonly environmentFor: (name: string, fn: FunctionSpec) => Record<string, string>;
  /** Most containers per function. */
  readonly maxConcurrency?: number;
  /**
   * Each line a function writes to stdout or stderr; answering true keeps it off the console
   * (captured metrics and logs). Undefined leaves the functions' output on the console as is.
   */
  readonly onOutput?: (functionName: string, line: string, stream: 'stdout' | 'stderr') => boolean;
  /** An invocation is handed to a container, and when it ends (for the local telemetry). */
  readonly onInvocationStart?: (functionName: string) => void;
  readonly onInvocationEnd?: (functionName: string, durationMs: number, failed: boolean) => void;
}

/** Calls `onLine` with each complete line of a stream, holding a partial last line back. */
function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}

export class FunctionHost {
  private readonly options: FunctionHostOptions;
  private readonly pools = new Map<string, Pool>();
  private readonly maxConcurrency: number;
  private nextId = 1;
  private stopped = false;

  constructor(options: FunctionHostOptions) {
    this.options = options;
    this.maxConcurrency =
      options.maxConcurrency ?? (Number(process.env.LOCAL_MAX_CONCURRENCY) || DEFAULT_LOCAL_CONCURRENCY);
  }

  /** Starts one container per function, so the first request of each is not a cold start. */
  async startAll(): Promise<void> {
    await Promise.all(
      Object.keys(this.options.topology.functions).map((name) => this.spawn(this.pool(name)).ready),
    );
  }

  invoke(name: string, event: unknown): Promise<unknown> {
    if (this.stopped) return Promise.reject(new InvocationError(name, 'runtime is stopping'));
    // Refused before any container sees it, as Lambda refuses it before the function runs.
    const tooLarge = payloadTooLarge(name, event);
    if (tooLarge) return Promise.reject(tooLarge);
    const pool = this.pool(name);
    return new Promise((resolvePromise, rejectPromise) => {
      pool.queue.push({ event, resolve: resolvePromise, reject: rejectPromise });
      this.pump(pool);
    });
  }

  /** Containers per function right now (for tests and diagnostics). */
  containerCount(name: string): number {
    return this.pools.get(name)?.containers.size ?? 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const workers: Worker[] = [];
    for (const pool of this.pools.values()) {
      for (const invocation of pool.queue.splice(0))
        invocation.reject(new InvocationError(pool.name, 'runtime is stopping'));
      for (const container of pool.containers) {
        if (container.current) clearTimeout(container.current.timer);
        workers.push(container.worker);
      }
      pool.containers.clear();
    }
    this.pools.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private pool(name: string): Pool {
    const existing = this.pools.get(name);
    if (existing) return existing;
    const spec = this.options.topology.functions[name];
    if (!spec) throw new LocalRuntimeError(`No function ${name} in the topology`);
    const pool: Pool = { name, spec, containers: new Set(), queue: [] };
    this.pools.set(name, pool);
    return pool;
  }

  /** Hands queued invocations to idle containers, starting new ones up to the limit. */
  private pump(pool: Pool): void {
    while (pool.queue.length > 0) {
      const idle = [...pool.containers].find((c) => c.isReady && !c.current);
      if (idle) {
        this.dispatch(pool, idle, pool.queue.shift() as Invocation);
        continue;
      }
      const starting = [...pool.containers].filter((c) => !c.isReady).length;
      if (pool.containers.size < this.maxConcurrency && starting < pool.queue.length) {
        this.spawn(pool);
        continue;
      }
      return;
    }
  }

  private dispatch(pool: Pool, container: Container, invocation: Invocation): void {
    const id = this.nextId++;
    const timeoutMs = pool.spec.timeoutSeconds * 1000;
    const started = Date.now();
    this.options.onInvocationStart?.(pool.name);
    const timer = setTimeout(() => {
      container.current = undefined;
      this.options.onInvocationEnd?.(pool.name, Date.now() - started, true);
      invocation.reject(
        new InvocationError(pool.name, `Task timed out after ${pool.spec.timeoutSeconds}.00 seconds`),
      );
      this.retire(pool, container);
    }, timeoutMs);
    container.current = { id, invocation, timer, started };
    container.worker.postMessage({ id, event: invocation.event, timeoutMs });
  }

  /** Removes a container (timed out or crashed) and lets the queue use a fresh one. */
  private retire(pool: Pool, container: Container): void {
    if (!pool.containers.delete(container)) return;
    void container.worker.terminate();
    if (!this.stopped) this.pump(pool);
  }

  private spawn(pool: Pool): Container {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), {
      workerData: {
        name: pool.name,
        entry: resolve(this.options.rootDir, pool.spec.entry),
        memoryMb: pool.spec.memoryMb,
      },
      env: { ...process.env, ...this.options.environmentFor(pool.name, pool.spec) },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(pool.spec.memoryMb, 256) },
      // Captured output is read line by line here instead of going straight to this process's.
      stdout: this.options.onOutput !== undefined,
      stderr: this.options.onOutput !== undefined,
    });
    const onOutput = this.options.onOutput;
    if (onOutput) {
      forEachLine(worker.stdout, (line) => {
        if (!onOutput(pool.name, line, 'stdout')) process.stdout.write(`${line}\n`);
      });
      forEachLine(worker.stderr, (line) => {
        if (!onOutput(pool.name, line, 'stderr')) process.stderr.write(`${line}\n`);
      });
    }
    let markReady: () => void = () => undefined;
    let markFailed: (e: Error) => void = () => undefined;
    const ready = new Promise<void>((res, rej) => {
      markReady = res;
      markFailed = rej;
    });
    // A failed cold start must not surface as an unhandled rejection before anyone awaits it.
    ready.catch(() => undefined);
    const container: Container = { worker, ready, isReady: false };
    pool.containers.add(container);

    const fail = (error: Error) => {
      markFailed(error);
      const current = container.current;
      container.current = undefined;
      if (current) {
        clearTimeout(current.timer);
        this.options.onInvocationEnd?.(pool.name, Date.now() - current.started, true);
        current.invocation.reject(new InvocationError(pool.name, error.message, error.stack));
      }
      // A function that cannot even start fails what is waiting for it rather than looping.
      if (!container.isReady) {
        for (const invocation of pool.queue.splice(0))
          invocation.reject(new InvocationError(pool.name, error.message));
      }
      this.retire(pool, container);
    };

    worker.on('message', (message: Message) => {
      if ('ready' in message) {
        if (message.ready) {
          container.isReady = true;
          markReady();
          this.pump(pool);
        } else {
          fail(
            new InvocationError(
              pool.name,
              `cold start failed: ${message.error.message}`,
              message.error.stack,
            ),
          );
        }
        return;
      }
      const current = container.current;
      if (!current || current.id !== message.id) return;
      clearTimeout(current.timer);
      container.current = undefined;
      this.options.onInvocationEnd?.(pool.name, Date.now() - current.started, !message.ok);
      if (message.ok) current.invocation.resolve(message.result);
      else
        current.invocation.reject(new InvocationError(pool.name, message.error.message, message.error.stack));
      this.pump(pool);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.stopped && pool.containers.has(container))
        fail(new Error(`container exited with code ${code}`));
    });
    return container;
  }
}
