/**
 * Hosts the topology's functions locally, each in its own worker thread (its own environment and
 * module state, like a Lambda container), with the topology's timeout enforced per invocation.
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

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Container {
  worker: Worker;
  pending: Map<number, Pending>;
  ready: Promise<void>;
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
}

export class FunctionHost {
  private readonly options: FunctionHostOptions;
  private readonly containers = new Map<string, Container>();
  private nextId = 1;
  private stopped = false;

  constructor(options: FunctionHostOptions) {
    this.options = options;
  }

  /** Starts every function's container (cold starts happen at launch, not on the first request). */
  async startAll(): Promise<void> {
    await Promise.all(Object.keys(this.options.topology.functions).map((name) => this.container(name).ready));
  }

  async invoke(name: string, event: unknown): Promise<unknown> {
    if (this.stopped) throw new InvocationError(name, 'runtime is stopping');
    const fn = this.spec(name);
    const container = this.container(name);
    await container.ready;
    const id = this.nextId++;
    const timeoutMs = fn.timeoutSeconds * 1000;
    return new Promise((resolvePromise, rejectPromise) => {
      const timer = setTimeout(() => {
        container.pending.delete(id);
        rejectPromise(new InvocationError(name, `Task timed out after ${fn.timeoutSeconds}.00 seconds`));
      }, timeoutMs);
      container.pending.set(id, { resolve: resolvePromise, reject: rejectPromise, timer });
      container.worker.postMessage({ id, event, timeoutMs });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.containers.values()];
    this.containers.clear();
    await Promise.all(all.map((c) => c.worker.terminate()));
  }

  private spec(name: string): FunctionSpec {
    const fn = this.options.topology.functions[name];
    if (!fn) throw new LocalRuntimeError(`No function ${name} in the topology`);
    return fn;
  }

  private container(name: string): Container {
    const existing = this.containers.get(name);
    if (existing) return existing;
    const fn = this.spec(name);
    const worker = new Worker(new URL('./worker.ts', import.meta.url), {
      workerData: { name, entry: resolve(this.options.rootDir, fn.entry), memoryMb: fn.memoryMb },
      env: { ...process.env, ...this.options.environmentFor(name, fn) },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(fn.memoryMb, 256) },
    });
    const pending = new Map<number, Pending>();
    let markReady: () => void = () => undefined;
    let markFailed: (e: Error) => void = () => undefined;
    const ready = new Promise<void>((res, rej) => {
      markReady = res;
      markFailed = rej;
    });
    // A failed cold start must not surface as an unhandled rejection before anyone awaits it.
    ready.catch(() => undefined);
    worker.on('message', (message: Message) => {
      if ('ready' in message) {
        if (message.ready) markReady();
        else
          markFailed(
            new InvocationError(name, `cold start failed: ${message.error.message}`, message.error.stack),
          );
        return;
      }
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      clearTimeout(call.timer);
      if (message.ok) call.resolve(message.result);
      else call.reject(new InvocationError(name, message.error.message, message.error.stack));
    });
    const fail = (error: Error) => {
      markFailed(error);
      for (const call of pending.values()) {
        clearTimeout(call.timer);
        call.reject(new InvocationError(name, `container died: ${error.message}`));
      }
      pending.clear();
      // The next invocation gets a fresh container, as Lambda would after a crash.
      if (this.containers.get(name)?.worker === worker) this.containers.delete(name);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.stopped) fail(new Error(`worker exited with code ${code}`));
    });
    const container = { worker, pending, ready };
    this.containers.set(name, container);
    return container;
  }
}
