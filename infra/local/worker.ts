/**
 * One function's container: a worker thread with the function's own environment that imports
 * its entry once (cold start) and then serves invocations. The host sends `{ id, event, timeoutMs }`
 * and gets `{ id, ok, result | error }` back.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';

interface WorkerInput {
  readonly name: string;
  readonly entry: string;
  readonly memoryMb: number;
}
interface Invocation {
  readonly id: number;
  readonly event: unknown;
  readonly timeoutMs: number;
}
type Handler = (event: unknown, context: Context) => Promise<unknown>;

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error('worker.ts runs only as a worker thread');

function contextFor(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: input.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${input.name}`,
    memoryLimitInMB: String(input.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${input.name}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function serialiseError(error: unknown) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

try {
  const mod = (await import(pathToFileURL(input.entry).href)) as { handler?: Handler };
  if (typeof mod.handler !== 'function') throw new Error(`${input.entry} does not export a handler`);
  let handler = mod.handler;
  // LOCAL_INSTRUMENT (the bench only): a module whose `instrument(name, handler)` wraps the
  // handler, e.g. to time each invocation and its SDK calls. Production code is untouched.
  const instrumentModule = process.env.LOCAL_INSTRUMENT;
  if (instrumentModule) {
    const { instrument } = (await import(pathToFileURL(instrumentModule).href)) as {
      instrument: (name: string, handler: Handler) => Handler;
    };
    handler = instrument(input.name, handler);
  }
  port.on('message', async ({ id, event, timeoutMs }: Invocation) => {
    try {
      const result = await handler(event, contextFor(timeoutMs));
      port.postMessage({ id, ok: true, result });
    } catch (error) {
      port.postMessage({ id, ok: false, error: serialiseError(error) });
    }
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: serialiseError(error) });
}
