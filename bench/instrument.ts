/**
 * Bench-only instrumentation, loaded into each local function container through the runtime's
 * `LOCAL_INSTRUMENT` hook (infra/local/worker.ts); production code and bundles are untouched.
 *
 * - Every SDK HTTP call (DynamoDB, EventBridge, …) is timed at the HTTP handler, so an invocation's
 *   duration minus the time spent waiting on AWS services is the handler's own time.
 * - An SDK middleware on the shared DynamoDB client asks for `ReturnConsumedCapacity: TOTAL` and
 *   adds up the WCU/RCU each invocation consumed (transactions counted at the size rule's floor of
 *   2 WCU per item too, since DynamoDB Local under-reports them).
 * - One sample per invocation goes to the bench over a BroadcastChannel (`storeline-bench`).
 */
import { openSync, writeSync } from 'node:fs';
import { BroadcastChannel } from 'node:worker_threads';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CHANNEL, type InvocationSample } from './channel.ts';

let current = { ddbMs: 0, otherAwsMs: 0, ddbCalls: 0, writeCalls: 0, wcu: 0, wcuFloor: 0, rcu: 0 };

// Logs and EMF metrics: in Lambda stdout is the container's own pipe. A worker thread's stdout is
// forwarded through the runtime's main thread (which also runs the gateway), which would charge
// every log line to the edge. Write it to /dev/null from the container instead: formatting and
// the write itself stay in the handler's time, as in AWS.
const devNull = openSync('/dev/null', 'w');
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (typeof chunk === 'string') writeSync(devNull, chunk);
  else writeSync(devNull, chunk);
  const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  done?.();
  return true;
}) as typeof process.stdout.write;

type Handle = NodeHttpHandler['handle'];
const originalHandle: Handle = NodeHttpHandler.prototype.handle;
NodeHttpHandler.prototype.handle = async function timed(this: NodeHttpHandler, ...args: Parameters<Handle>) {
  const target = String(args[0].headers['x-amz-target'] ?? '');
  const started = performance.now();
  try {
    return await originalHandle.apply(this, args);
  } finally {
    const ms = performance.now() - started;
    if (target.startsWith('DynamoDB_')) {
      current.ddbMs += ms;
      current.ddbCalls += 1;
    } else current.otherAwsMs += ms;
  }
} as Handle;

const WRITES = new Set([
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'TransactWriteCommand',
  'BatchWriteCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);
const CAPACITY = new Set([
  ...WRITES,
  'GetCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetCommand',
  'TransactGetCommand',
  'GetItemCommand',
  'QueryItemCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
]);

type Capacity = { CapacityUnits?: number; WriteCapacityUnits?: number; ReadCapacityUnits?: number };

// Functions without a table (none today) simply get no capacity figures.
const ddb = await import('#shared/ddb.ts').then(
  (m) => m.ddb,
  () => undefined,
);
ddb?.middlewareStack.add(
  (next, context) => async (args) => {
    const command = context.commandName ?? '';
    const input = args.input as Record<string, unknown>;
    if (CAPACITY.has(command)) input.ReturnConsumedCapacity ??= 'TOTAL';
    const result = await next(args);
    const output = result.output as { ConsumedCapacity?: Capacity | Capacity[] };
    const consumed = output.ConsumedCapacity;
    const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
    let units = 0;
    for (const c of list)
      units += c.CapacityUnits ?? (c.WriteCapacityUnits ?? 0) + (c.ReadCapacityUnits ?? 0);
    if (WRITES.has(command)) {
      current.writeCalls += 1;
      current.wcu += units;
      const items = Array.isArray(input.TransactItems) ? input.TransactItems.length : 0;
      current.wcuFloor += command.startsWith('Transact') ? Math.max(units, 2 * items) : units;
    } else current.rcu += units;
    return result;
  },
  { step: 'initialize', name: 'benchCapacity', priority: 'high' },
);

const channel = new BroadcastChannel(CHANNEL);
// The channel must not keep a container alive on its own.
(channel as unknown as { unref(): void }).unref();

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

function kindOf(event: unknown): { kind: string; records: number } {
  const e = event as { routeKey?: string; Records?: { eventSource?: string }[] };
  if (typeof e.routeKey === 'string') return { kind: e.routeKey, records: 1 };
  const records = e.Records ?? [];
  const source = records[0]?.eventSource;
  return {
    kind: source === 'aws:sqs' ? 'sqs' : source === 'aws:dynamodb' ? 'stream' : 'other',
    records: records.length,
  };
}

export function instrument(name: string, handler: Handler): Handler {
  return async (event, context) => {
    current = { ddbMs: 0, otherAwsMs: 0, ddbCalls: 0, writeCalls: 0, wcu: 0, wcuFloor: 0, rcu: 0 };
    const started = performance.now();
    let failed = false;
    try {
      const result = await handler(event, context);
      const status = (result as { statusCode?: number } | undefined)?.statusCode;
      failed = status !== undefined && status >= 500;
      return result;
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      const sample: InvocationSample = {
        fn: name,
        ...kindOf(event),
        durationMs: performance.now() - started,
        ...current,
        failed,
      };
      channel.postMessage(sample);
    }
  };
}
