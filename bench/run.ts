/**
 * `npm run bench`: measures edge overhead and end-to-end capacity against DynamoDB Local's own
 * ceiling, handler overhead (duration minus AWS waits), bursts, capacity units and cost per order
 * end to end, bundle sizes and cold starts (against hello-world and against an SDK-only baseline),
 * all in one run on this machine, as ratios where the machine would otherwise decide the figure.
 * The runtime runs as in AWS: every consumer, log level INFO, metrics on. Prints a table, writes
 * bench/results.json and bench/results.md (the table docs/performance.md shows).
 *
 *   npm run bench                 full run (a few minutes)
 *   BENCH_QUICK=1 npm run bench   fewer repetitions, for checking the harness
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { BUNDLE_BUDGET_BYTES } from '#infra/bundling.ts';
import { apiClient } from '#infra/local/client.ts';
import { freePort } from '#infra/local/processes.ts';
import { localFunctionEnvironment, startRuntime } from '#infra/local/runtime.ts';
import type { FunctionSpec } from '#infra/topology/types.ts';
import { functionEntries, topology } from '#infra/topology.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { buildBaselineBundles, buildBundles, HELLO_WORLD } from './bundles.ts';
import { CHANNEL, type InvocationSample } from './channel.ts';
import { coldStart, firstEvent } from './cold-start.ts';
import { simulateHotSku } from './hot-sku.ts';
import { percentile, pool, round, type Spread, spread } from './stats.ts';

const ROOT = join(import.meta.dirname, '..');
const QUICK = process.env.BENCH_QUICK === '1';
/** Rounds of each throughput comparison; the raw phase goes first in every other round. */
const ROUNDS = 2;
const BENCH_VISIBILITY_TIMEOUT_SECONDS = 5;

/** Public on-demand list prices, us-east-1, as published since Nov 2024 (verify before budgeting). */
const PRICES = {
  region: 'us-east-1',
  dynamoDbWriteRequestUnitPerMillion: 0.625,
  dynamoDbReadRequestUnitPerMillion: 0.125,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  httpApiRequestsPerMillion: 1.0,
  eventBridgeCustomEventsPerMillion: 1.0,
  sqsRequestsPerMillion: 0.4,
  source:
    'aws.amazon.com/dynamodb/pricing/on-demand, /lambda/pricing, /api-gateway/pricing (HTTP APIs), /eventbridge/pricing, /sqs/pricing',
} as const;

const log = (line: string) => writeSync(2, `${line}\n`);
const loads: number[][] = [loadavg()];

// Functions log at INFO and emit metrics (EMF on stdout) as in AWS; their containers' stdout is
// this process's: count it and drop it, and write the bench's own output straight to fd 1.
// Their ERROR lines (stderr) are counted too: a consumer retrying under contention shows there.
let functionStdoutBytes = 0;
let functionErrorLines = 0;
const swallow =
  (count: (chunk: string | Uint8Array) => void) =>
  (chunk: string | Uint8Array, ...rest: unknown[]) => {
    count(chunk);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
process.stdout.write = swallow((chunk) => {
  functionStdoutBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
}) as typeof process.stdout.write;
/** Error messages functions logged, by message, with how often (results.json `runtime`). */
const functionErrors = new Map<string, number>();
process.stderr.write = swallow((chunk) => {
  for (const line of String(chunk).split('\n')) {
    if (!line.includes('"level":"ERROR"')) continue;
    functionErrorLines += 1;
    const m = /"message":"([^"]*)"/.exec(line);
    const e = /"error":\{"name":"([^"]*)"/.exec(line);
    const key = `${m?.[1] ?? '?'}${e ? ` (${e[1]})` : ''}`;
    functionErrors.set(key, (functionErrors.get(key) ?? 0) + 1);
  }
}) as typeof process.stderr.write;
/** HTTP answers other than the expected one, by phase and status: reported, not fatal. */
const unexpected: Record<string, Record<number, number>> = {};
async function expectOr(phase: string, res: Promise<{ status: number }>, status = 201): Promise<void> {
  const r = await res;
  if (r.status === status) return;
  const byStatus = unexpected[phase] ?? {};
  unexpected[phase] = byStatus;
  byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
}

// One sample per function invocation, from bench/instrument.ts in every container.
const samples: InvocationSample[] = [];
const channel = new BroadcastChannel(CHANNEL);
channel.onmessage = (message) => samples.push((message as { data: InvocationSample }).data);
/** Samples of the invocations that ended while `work` ran (after letting late messages in). */
async function collect(work: () => Promise<void>): Promise<InvocationSample[]> {
  await new Promise((r) => setTimeout(r, 50));
  const from = samples.length;
  await work();
  await new Promise((r) => setTimeout(r, 100));
  return samples.slice(from);
}

// ── Runtime ────────────────────────────────────────────────────────────────────────────────────
const runtime = await startRuntime({
  port: await freePort(),
  dynamoDbPort: await freePort(),
  logLevel: 'INFO',
  emitMetrics: true,
  // A consumer batch that fails (the invoice counter's optimistic check under concurrency) comes
  // back after 5 s instead of the topology's 60, so draining the pipeline measures work rather
  // than waits (a batch still running then is delivered again: consumers are idempotent).
  visibilityTimeoutSeconds: BENCH_VISIBILITY_TIMEOUT_SECONDS,
  environment: { LOCAL_INSTRUMENT: join(import.meta.dirname, 'instrument.ts') },
  log: () => undefined,
});
const { backbone } = runtime;
log(`runtime at ${runtime.url}, DynamoDB Local at ${runtime.dynamoDbEndpoint}`);

const benchEnv = localFunctionEnvironment(
  topology,
  'orders',
  topology.functions.orders,
  {
    dynamodb: runtime.dynamoDbEndpoint,
    ...(runtime.eventBridgeEndpoint ? { eventbridge: runtime.eventBridgeEndpoint } : {}),
  },
  { logLevel: 'ERROR' },
);
// The domain modules read their configuration at import: set it before importing them.
Object.assign(process.env, benchEnv);
const { ddb, tableName } = await import('#shared/ddb.ts');
const { emit } = await import('#events/emit.ts');
const { orderFromItem, orderKey, placeOrderPut } = await import('#functions/orders/orders.ts');
const { orderSummary } = await import('#functions/orders/events.ts');
const { productKey, productUnchangedCheck, reserveStockWrite } = await import(
  '#functions/catalog/products.ts'
);

const api = apiClient(runtime.url);
const staff = await api.token('bench-staff', ['staff']);
const customers = await Promise.all(Array.from({ length: 20 }, (_, i) => api.token(`bench-customer-${i}`)));
const address = {
  name: 'Bench Buyer',
  line1: '1 Loop Road',
  city: 'Localhost',
  postalCode: '12345',
  country: 'DE',
};

async function expectStatus(res: Promise<{ status: number; body: unknown }>, status: number) {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r;
}

async function product(sku: string, stock: number, price = 1999) {
  await expectStatus(
    api.request('PUT', `/products/${sku}`, {
      token: staff,
      body: { name: `Bench ${sku}`, price, currency: 'EUR' },
    }),
    201,
  );
  if (stock > 0) {
    await expectStatus(
      api.request('POST', `/products/${sku}/stock-movements`, {
        token: staff,
        body: { quantity: stock, reason: 'receipt' },
      }),
      201,
    );
  }
}

let keySeq = 0;
function placeOrder(lines: { sku: string; quantity: number }[], customer = 0) {
  return api.request<{ id: string }>('POST', '/orders', {
    token: customers[customer % customers.length] as string,
    headers: { 'idempotency-key': `bench-${process.pid}-${keySeq++}` },
    body: { lines, shippingAddress: address, channel: 'web' },
  });
}

async function stockOf(sku: string) {
  const r = await expectStatus(
    api.request<{ stock: { available: number; reserved: number; shipped: number } }>(
      'GET',
      `/products/${sku}`,
      { token: staff },
    ),
    200,
  );
  return (r.body as { stock: { available: number; reserved: number; shipped: number } }).stock;
}

// ── Products: a spread of SKUs (the realistic case) and one hot SKU (the worst case) ─────────────
const SPREAD = Array.from({ length: 32 }, (_, i) => `SPREAD-${i}-${process.pid}`);
const HOT_SKU = `HOT-${process.pid}`;
for (const sku of [...SPREAD, HOT_SKU]) await product(sku, 1_000_000);
const versionOf = async (sku: string) =>
  Number((await ddb.send(new GetCommand({ TableName: tableName, Key: productKey(sku) }))).Item?.version);
const versions = new Map<string, number>();
for (const sku of [...SPREAD, HOT_SKU]) versions.set(sku, await versionOf(sku));
const spreadLine = (i: number) => [{ sku: SPREAD[i % SPREAD.length] as string, quantity: 1 }];
const hotLine = () => [{ sku: HOT_SKU, quantity: 1 }];

// Warm every container's price cache for every SKU before anything is timed.
await pool(SPREAD.length * 2, 16, async (i) => {
  await expectOr('warmup', placeOrder(spreadLine(i), i));
});
await pool(16, 16, async (i) => {
  await expectOr('warmup', placeOrder(hotLine(), i));
});

// A real order as intake wrote it: the template for the raw transactions.
const sampleOrder = await expectStatus(placeOrder(hotLine()), 201);
const templateItem = await ddb.send(
  new GetCommand({ TableName: tableName, Key: orderKey((sampleOrder.body as { id: string }).id) }),
);
const template = orderFromItem(templateItem.Item);

let rawSeq = 0;
/** The same items intake commits: order, outbox event, reservation and catalogue check per line. */
function rawOrderWrites(lines: { sku: string; quantity: number }[]): TransactWrite[] {
  const now = new Date().toISOString();
  const id = `RAW${process.pid}X${String(rawSeq++).padStart(12, '0')}`;
  const order = {
    ...template,
    id,
    placedAt: now,
    updatedAt: now,
    history: [{ ...template.history[0]!, at: now }],
  };
  order.lines = lines.map((l) => ({
    sku: l.sku,
    name: `Bench ${l.sku}`,
    quantity: l.quantity,
    unitPrice: 1999,
    lineTotal: 1999 * l.quantity,
  }));
  const orderPlaced = emit(
    'OrderPlaced',
    { ...orderSummary(order), placedAt: now, shippingAddress: order.shippingAddress },
    { correlationId: 'bench-raw', occurredAt: now },
  );
  // The same outbox item under a prefix of the same length the publisher's filter drops: the raw
  // phase writes what intake writes, but does not feed the pipeline the next drain must empty.
  const rawOutbox = {
    Put: {
      ...orderPlaced.Put,
      Item: { ...orderPlaced.Put.Item, pk: orderPlaced.Put.Item.pk.replace('OUTBOX#', 'RAWBOX#') },
    },
  };
  return [
    placeOrderPut(order),
    rawOutbox as unknown as TransactWrite,
    ...lines.flatMap((l) => [
      reserveStockWrite(l.sku, l.quantity, now),
      productUnchangedCheck(l.sku, versions.get(l.sku) ?? 1),
    ]),
  ];
}
const rawOrder = (lines: { sku: string; quantity: number }[]) =>
  ddb.send(new TransactWriteCommand({ TransactItems: rawOrderWrites(lines) }));

/** Drains the event pipeline (every consumer done), then pauses the event sources. */
async function quiet(): Promise<void> {
  await backbone.drain(300_000);
  await backbone.pauseSources();
}

// ── 1. Edge overhead: intake with the event sources paused vs the raw transaction ─────────────
const EDGE = [
  { name: 'spread', concurrency: 16, orders: QUICK ? 40 : 120, lines: spreadLine },
  { name: 'spread', concurrency: 1, orders: QUICK ? 10 : 30, lines: spreadLine },
  { name: 'hot', concurrency: 16, orders: QUICK ? 40 : 100, lines: hotLine },
] as const;
const edge: {
  name: string;
  concurrency: number;
  orders: number;
  httpPerSecond: Spread;
  rawPerSecond: Spread;
  ratio: Spread;
}[] = [];
for (const c of EDGE) {
  const http: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const phases = [
      async () => {
        await quiet();
        const started = performance.now();
        await pool(c.orders, c.concurrency, async (i) => {
          await expectOr(`edge ${c.name} c=${c.concurrency}`, placeOrder([...c.lines(i)], i));
        });
        http.push(c.orders / ((performance.now() - started) / 1000));
      },
      async () => {
        await quiet();
        const started = performance.now();
        await pool(c.orders, c.concurrency, async (i) => {
          await rawOrder([...c.lines(i)]);
        });
        raw.push(c.orders / ((performance.now() - started) / 1000));
      },
    ];
    // The raw phase goes first in every other round.
    if (round % 2 === 0) phases.reverse();
    for (const phase of phases) await phase();
    log(
      `edge ${c.name} c=${c.concurrency} ${round + 1}/${ROUNDS}: HTTP ${http.at(-1)?.toFixed(0)}/s, raw ${raw.at(-1)?.toFixed(0)}/s`,
    );
  }
  edge.push({
    name: c.name,
    concurrency: c.concurrency,
    orders: c.orders,
    httpPerSecond: spread(http),
    rawPerSecond: spread(raw),
    ratio: spread(http.map((h, i) => h / (raw[i] as number))),
  });
}
loads.push(loadavg());
const edgeOf = (name: string, concurrency: number) =>
  edge.find((e) => e.name === name && e.concurrency === concurrency) as (typeof edge)[number];

// ── 2. End to end: orders/s until every order is fulfilled, invoiced and counted ─────────────────
const E2E = { orders: QUICK ? 40 : 120, concurrency: 16 };
await quiet();
let e2eSeconds = 0;
const e2eSamples = await collect(async () => {
  const started = performance.now();
  backbone.resumeSources();
  await pool(E2E.orders, E2E.concurrency, async (i) => {
    await expectOr('end to end', placeOrder(spreadLine(i), i));
  });
  await backbone.drain(300_000);
  e2eSeconds = (performance.now() - started) / 1000;
});
const writeTransactionsPerOrder = e2eSamples.reduce((n, s) => n + s.writeCalls, 0) / E2E.orders;
const e2eRate = E2E.orders / e2eSeconds;
const rawSpread16 = edgeOf('spread', 16).rawPerSecond.median;
const endToEnd = {
  ...E2E,
  seconds: round(e2eSeconds),
  ordersPerSecond: round(e2eRate),
  writeTransactionsPerOrder: round(writeTransactionsPerOrder),
  idealOrdersPerSecond: round(rawSpread16 / writeTransactionsPerOrder),
  ratio: round(e2eRate / (rawSpread16 / writeTransactionsPerOrder), 3),
};
log(`end to end: ${endToEnd.ordersPerSecond} orders/s, ${endToEnd.writeTransactionsPerOrder} writes/order`);
loads.push(loadavg());

// ── 3. Capacity per order end to end (1, 5, 20 lines), from ReturnConsumedCapacity ─────────────
interface FunctionCost {
  invocations: number;
  wcu: number;
  wcuReported: number;
  rcu: number;
  gbSeconds: number;
  records: number;
}
function costByFunction(window: readonly InvocationSample[], orders: number): Record<string, FunctionCost> {
  const out: Record<string, FunctionCost> = {};
  for (const s of window) {
    const memoryMb = topology.functions[s.fn as keyof typeof topology.functions]?.memoryMb ?? 1024;
    const f = out[s.fn] ?? { invocations: 0, wcu: 0, wcuReported: 0, rcu: 0, gbSeconds: 0, records: 0 };
    out[s.fn] = f;
    f.invocations += 1 / orders;
    f.wcu += s.wcuFloor / orders;
    f.wcuReported += s.wcu / orders;
    f.rcu += s.rcu / orders;
    f.records += s.records / orders;
    f.gbSeconds += ((memoryMb / 1024) * s.durationMs) / 1000 / orders;
  }
  for (const f of Object.values(out))
    for (const k of Object.keys(f) as (keyof FunctionCost)[]) f[k] = round(f[k], 4);
  return out;
}
const capacity: Record<string, unknown>[] = [];
for (const lineCount of [1, 5, 20]) {
  const orders = lineCount === 1 ? E2E.orders : QUICK ? 3 : 10;
  const window =
    lineCount === 1
      ? e2eSamples
      : await collect(async () => {
          backbone.resumeSources();
          await pool(orders, 4, async (i) => {
            const lines = Array.from({ length: lineCount }, (_, l) => ({
              sku: SPREAD[(i + l) % SPREAD.length] as string,
              quantity: 1,
            }));
            await expectOr(`capacity ${lineCount}-line`, placeOrder(lines, i));
          });
          await backbone.drain(300_000);
        });
  const byFunction = costByFunction(window, orders);
  const fns = Object.values(byFunction);
  const sum = (k: keyof FunctionCost) => fns.reduce((n, f) => n + f[k], 0);
  const intake = byFunction.orders ?? { wcu: 0, rcu: 0 };
  const wcu = sum('wcu');
  const rcu = sum('rcu');
  const publisherRecords = byFunction.publisher?.records ?? 0;
  const sqsMessages = Object.entries(byFunction)
    .filter(([name]) => (topology.functions as Record<string, FunctionSpec>)[name]?.consumer)
    .reduce((n, [, f]) => n + f.records, 0);
  const usd = {
    dynamoDb:
      wcu * PRICES.dynamoDbWriteRequestUnitPerMillion + rcu * PRICES.dynamoDbReadRequestUnitPerMillion,
    lambda:
      sum('invocations') * PRICES.lambdaRequestsPerMillion +
      sum('gbSeconds') * PRICES.lambdaArmGbSecond * 1_000_000,
    eventBridge: publisherRecords * PRICES.eventBridgeCustomEventsPerMillion,
    // Per message: EventBridge's SendMessage, plus the poller's ReceiveMessage and DeleteMessage.
    sqs: sqsMessages * 3 * PRICES.sqsRequestsPerMillion,
    httpApi: PRICES.httpApiRequestsPerMillion,
  };
  capacity.push({
    lines: lineCount,
    orders,
    intakeWcu: round(intake.wcu, 2),
    endToEndWcu: round(wcu, 2),
    wcuRatio: round(wcu / intake.wcu, 2),
    intakeRcu: round(intake.rcu, 2),
    endToEndRcu: round(rcu, 2),
    eventsPerOrder: round(publisherRecords, 2),
    sqsMessagesPerOrder: round(sqsMessages, 2),
    usdPerMillionOrders: Object.fromEntries(Object.entries(usd).map(([k, v]) => [k, round(v)])),
    usdPerMillionOrdersTotal: round(Object.values(usd).reduce((a, b) => a + b, 0)),
    byFunction,
  });
  log(`capacity ${lineCount}-line: ${round(wcu, 2)} WCU end to end, intake ${round(intake.wcu, 2)}`);
}
loads.push(loadavg());

// ── 4. Handler overhead: invocation time minus time waiting on AWS, warm, logs and metrics on ────
const OVERHEAD = { requests: QUICK ? 30 : 100, concurrency: 2 };
await quiet();
const ids: string[] = [];
const overheadSamples = await collect(async () => {
  backbone.resumeSources();
  await pool(OVERHEAD.requests, OVERHEAD.concurrency, async (i) => {
    const r = await placeOrder(spreadLine(i), i);
    if (r.status === 201) ids[i] = (r.body as { id: string }).id;
    else await expectOr('overhead', Promise.resolve(r));
  });
  await pool(OVERHEAD.requests, OVERHEAD.concurrency, async (i) => {
    if (ids[i]) await expectOr('overhead', api.request('GET', `/orders/${ids[i]}`, { token: staff }), 200);
  });
  await backbone.drain(300_000);
});
function overheadOf(filter: (s: InvocationSample) => boolean, perRecord = false) {
  const values = overheadSamples
    .filter((s) => filter(s) && !s.failed && s.records > 0)
    .map((s) => (s.durationMs - s.ddbMs - s.otherAwsMs) / (perRecord ? s.records : 1))
    .sort((a, b) => a - b);
  const durations = overheadSamples.filter((s) => filter(s) && !s.failed).map((s) => s.durationMs);
  durations.sort((a, b) => a - b);
  return {
    invocations: values.length,
    overheadP50Ms: round(percentile(values, 50)),
    overheadP99Ms: round(percentile(values, 99)),
    durationP50Ms: round(percentile(durations, 50)),
  };
}
const handlerOverhead = {
  ...OVERHEAD,
  postOrders: overheadOf((s) => s.fn === 'orders' && s.kind === 'POST /orders'),
  getOrder: overheadOf((s) => s.fn === 'orders' && s.kind === 'GET /orders/{id}'),
  fulfilmentPerRecord: overheadOf((s) => s.fn === 'fulfilment' && s.kind === 'sqs', true),
  publisherPerInvocation: overheadOf((s) => s.fn === 'publisher' && s.kind === 'stream'),
  functionStdoutBytesSoFar: functionStdoutBytes,
};
log(
  `handler overhead POST /orders p50 ${handlerOverhead.postOrders.overheadP50Ms} ms, p99 ${handlerOverhead.postOrders.overheadP99Ms} ms`,
);
loads.push(loadavg());

// ── 5. Burst: 1,000 concurrent orders on 100 units, HTTP vs the same raw transactions ───────────
const BURST = { requests: 1000, stock: 100 };
const burstRuns: Record<string, number | boolean | string>[] = [];
for (const kind of ['raw', 'http'] as const) {
  const sku = `BURST-${kind}-${process.pid}`;
  await product(sku, BURST.stock);
  versions.set(sku, await versionOf(sku));
  await quiet();
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: BURST.requests }, async (_, i) => {
      if (kind === 'raw') {
        try {
          await rawOrder([{ sku, quantity: 1 }]);
          return 'created';
        } catch (error) {
          return (error as Error).name === 'TransactionCanceledException' ? 'refused' : 'other';
        }
      }
      const r = await placeOrder([{ sku, quantity: 1 }], i);
      if (r.status === 201) return 'created';
      return r.status === 409 && (r.body as { code?: string }).code === 'OUT_OF_STOCK' ? 'refused' : 'other';
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const created = outcomes.filter((o) => o === 'created').length;
  const refused = outcomes.filter((o) => o === 'refused').length;
  const stock = await stockOf(sku);
  const invariant =
    stock.available + stock.reserved + stock.shipped === BURST.stock &&
    stock.reserved === created &&
    created === BURST.stock &&
    created + refused === BURST.requests;
  burstRuns.push({ kind, created, refused, other: BURST.requests - created - refused, invariant, seconds });
  log(
    `burst ${kind}: ${created} created, ${refused} refused in ${seconds.toFixed(1)} s, invariant ${invariant}`,
  );
}
const burstRatio =
  (burstRuns.find((r) => r.kind === 'http')?.seconds as number) /
  (burstRuns.find((r) => r.kind === 'raw')?.seconds as number);
loads.push(loadavg());
backbone.resumeSources();

// ── 6. Hot SKU: what one stock item does beyond its partition's write ceiling ───────────────────
const hotSku = simulateHotSku();

// ── 7. Bundles and cold starts: against hello-world and against an SDK-only baseline ────────────
const bundleDir = join(ROOT, 'node_modules', '.cache', 'storeline-bench');
rmSync(bundleDir, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });
const allBundles = await buildBundles(bundleDir);
const COLD_SET = new Set(['orders', 'publisher', 'fulfilment', 'platform', 'catalog', 'invoicing']);
// Quick runs time a representative few; the full run every function.
const bundles = QUICK ? allBundles.filter((b) => b.name === HELLO_WORLD || COLD_SET.has(b.name)) : allBundles;
const baselines = await buildBaselineBundles(
  bundleDir,
  bundles.filter((b) => b.name !== HELLO_WORLD),
);
const specs = Object.fromEntries(functionEntries());
const COLD_RUNS = QUICK ? 1 : 3;
const coldSamples = new Map<string, number[]>();
const importSamples = new Map<string, number[]>();
const coldFailures = new Map<string, number>();
const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
const envFor = (name: string) => {
  const spec = specs[name];
  return spec === undefined
    ? {}
    : localFunctionEnvironment(
        topology,
        name,
        spec,
        {
          dynamodb: runtime.dynamoDbEndpoint,
          eventbridge: runtime.eventBridgeEndpoint,
          sqs: runtime.sqsEndpoint,
          messaging: runtime.messagingEndpoint,
          scheduler: runtime.schedulerEndpoint,
        },
        { logLevel: 'INFO', emitMetrics: true },
      );
};
const measuredBaselines = new Set<string>();
for (let run = 0; run < COLD_RUNS; run++) {
  measuredBaselines.clear();
  for (const bundle of bundles) {
    const spec = specs[bundle.name];
    const sample = await coldStart(
      bundle.file,
      firstEvent(bundle.name, spec, template.id, SPREAD[0]),
      envFor(bundle.name),
    );
    push(coldSamples, bundle.name, sample.totalMs);
    push(importSamples, bundle.name, sample.loadedMs - sample.bootMs);
    if (sample.failed) coldFailures.set(bundle.name, (coldFailures.get(bundle.name) ?? 0) + 1);
    const baseline = baselines.get(bundle.name);
    if (baseline && !measuredBaselines.has(baseline.name)) {
      measuredBaselines.add(baseline.name);
      const b = await coldStart(baseline.file, {}, envFor(bundle.name));
      push(coldSamples, baseline.name, b.totalMs);
      push(importSamples, baseline.name, b.loadedMs - b.bootMs);
      if (b.failed) coldFailures.set(baseline.name, (coldFailures.get(baseline.name) ?? 0) + 1);
    }
  }
  log(`cold starts ${run + 1}/${COLD_RUNS}`);
}
const hello = spread(coldSamples.get(HELLO_WORLD) ?? []);
const helloImport = spread(importSamples.get(HELLO_WORLD) ?? []);
const coldStarts = bundles
  .filter((b) => b.name !== HELLO_WORLD)
  .map((b) => {
    const s = spread(coldSamples.get(b.name) ?? []);
    const baseline = baselines.get(b.name);
    const base = spread(coldSamples.get(baseline?.name ?? '') ?? [Number.NaN]);
    const imp = spread(importSamples.get(b.name) ?? []);
    return {
      name: b.name,
      bytes: b.bytes,
      withinBudget: b.bytes <= BUNDLE_BUDGET_BYTES,
      ms: s,
      ratio: s.median / hello.median,
      baseline: baseline?.name,
      baselinePackages: baseline?.packages,
      baselineMs: base,
      baselineRatio: s.median / base.median,
      importMs: imp,
      importRatio: imp.median / helloImport.median,
      baselineImportMs: spread(importSamples.get(baseline?.name ?? '') ?? [Number.NaN]),
      failedFirstInvocations: coldFailures.get(b.name) ?? 0,
    };
  });
const worst = coldStarts.reduce((a, b) => (b.ratio > a.ratio ? b : a));
const worstBaseline = coldStarts.reduce((a, b) => (b.baselineRatio > a.baselineRatio ? b : a));
log('cold starts done');
loads.push(loadavg());

await runtime.stop();
channel.close();

// ── Results ────────────────────────────────────────────────────────────────────────────────────
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const spreadEdge = edgeOf('spread', 16);
const oneLine = capacity[0] as { endToEndWcu: number };
const results = {
  generatedAt: new Date().toISOString(),
  quick: QUICK,
  throughputRatio: round(spreadEdge.ratio.median, 3),
  throughputRatioC1: round(edgeOf('spread', 1).ratio.median, 3),
  endToEndRatio: endToEnd.ratio,
  coldStartRatio: round(worst.ratio, 3),
  coldStartWorstFunction: worst.name,
  coldStartBaselineRatio: round(worstBaseline.baselineRatio, 3),
  coldStartBaselineWorstFunction: worstBaseline.name,
  handlerOverheadP50Ms: handlerOverhead.postOrders.overheadP50Ms,
  handlerOverheadP99Ms: handlerOverhead.postOrders.overheadP99Ms,
  burstRatio: round(burstRatio, 3),
  endToEndWcuPerOrder: oneLine.endToEndWcu,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    platform: `${process.platform}-${process.arch}`,
    /** 1-minute load average at the start and after each section (the machine is shared). */
    loadAverage1m: loads.map((l) => round(l[0] as number, 1)),
  },
  node: process.version,
  packages: { ...pkg.dependencies, ...pkg.devDependencies },
  runtime: {
    logLevel: 'INFO',
    emitMetrics: true,
    visibilityTimeoutSeconds: BENCH_VISIBILITY_TIMEOUT_SECONDS,
    functionStdoutBytes,
    functionErrorLines,
    functionErrors: Object.fromEntries(functionErrors),
    unexpectedHttpStatuses: unexpected,
  },
  edge,
  endToEnd,
  handlerOverhead,
  burst: { ...BURST, runs: burstRuns },
  capacity: { prices: PRICES, perOrder: capacity },
  hotSku,
  bundles: {
    budgetBytes: BUNDLE_BUDGET_BYTES,
    sizes: Object.fromEntries(allBundles.map((b) => [b.name, b.bytes])),
  },
  coldStart: { runs: COLD_RUNS, helloWorldMs: hello, helloWorldImportMs: helloImport, functions: coldStarts },
};
mkdirSync(join(ROOT, 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const f = (n: number, d = 1) => n.toFixed(d);
const sp = (s: Spread, d = 1) => `${f(s.median, d)} (${f(s.min, d)}–${f(s.max, d)})`;
const md: string[] = [];
md.push(
  `Run ${results.generatedAt} · ${results.machine.cpus} × ${results.machine.cpuModel ?? 'CPU'} · ${results.machine.memoryGiB} GiB · Node ${results.node}${QUICK ? ' · QUICK' : ''} · load average (1 min) during the run ${results.machine.loadAverage1m.join(' → ')}`,
);
md.push('', '| figure | median (min–max) | notes |', '|---|---|---|');
for (const e of edge) {
  md.push(
    `| edge ${e.name} c=${e.concurrency}: HTTP orders/s vs raw transactions/s | ${sp(e.httpPerSecond, 0)} vs ${sp(e.rawPerSecond, 0)} | ratio **${sp(e.ratio, 3)}**; ${e.orders} orders per phase, ${ROUNDS} rounds, event sources paused, drained before each phase |`,
  );
}
md.push(
  `| **throughputRatio** (edge overhead, spread, c=16) | **${f(results.throughputRatio, 3)}** | c=1: ${f(results.throughputRatioC1, 3)}; goal ≥ 0.8 |`,
);
md.push(
  `| end to end orders/s (c=16, until fulfilled, invoiced, counted) | ${f(endToEnd.ordersPerSecond)} | raw ${f(rawSpread16, 0)}/s ÷ ${f(endToEnd.writeTransactionsPerOrder)} write calls per order = ${f(endToEnd.idealOrdersPerSecond)}/s ideal; ratio **${f(endToEnd.ratio, 3)}** |`,
);
for (const [name, o] of Object.entries(handlerOverhead)) {
  if (typeof o !== 'object') continue;
  md.push(
    `| handler overhead ${name} p50 / p99 ms | ${f(o.overheadP50Ms, 2)} / ${f(o.overheadP99Ms, 2)} | duration p50 ${f(o.durationP50Ms, 1)} ms, ${o.invocations} warm invocations, c=${OVERHEAD.concurrency}; goal for POST /orders p50 ≤ 2, p99 ≤ 5 |`,
  );
}
for (const r of burstRuns) {
  md.push(
    `| burst ${r.kind}: ${BURST.requests} concurrent orders, ${BURST.stock} in stock | ${f(r.seconds as number)} s | ${r.created} created / ${r.refused} refused / ${r.other} other, invariant ${r.invariant ? '✅' : '❌'} |`,
  );
}
md.push(`| **burstRatio** (HTTP ÷ raw time) | **${f(burstRatio, 2)}** | goal ≤ 2 |`);
for (const c of capacity as {
  lines: number;
  intakeWcu: number;
  endToEndWcu: number;
  wcuRatio: number;
  endToEndRcu: number;
  eventsPerOrder: number;
  sqsMessagesPerOrder: number;
  usdPerMillionOrders: Record<string, number>;
  usdPerMillionOrdersTotal: number;
  byFunction: Record<string, FunctionCost>;
}[]) {
  const top = Object.entries(c.byFunction)
    .filter(([, v]) => v.wcu > 0)
    .sort(([, a], [, b]) => b.wcu - a.wcu)
    .map(([k, v]) => `${k} ${f(v.wcu, 1)}`)
    .join(', ');
  md.push(
    `| capacity ${c.lines}-line order: WCU intake / end to end | ${f(c.intakeWcu, 1)} / ${f(c.endToEndWcu, 1)} (×${f(c.wcuRatio, 2)}) | ${f(c.endToEndRcu, 1)} RCU, ${f(c.eventsPerOrder, 1)} events, ${f(c.sqsMessagesPerOrder, 1)} SQS messages; WCU by function: ${top}; $ per million orders ${f(c.usdPerMillionOrdersTotal, 2)} (${Object.entries(
      c.usdPerMillionOrders,
    )
      .map(([k, v]) => `${k} ${f(v, 2)}`)
      .join(', ')}) |`,
  );
}
md.push(
  `| cold start hello-world ms | ${sp(hello)} | fresh process, import + first invocation; import alone ${f(helloImport.median)} ms |`,
);
for (const c of coldStarts) {
  md.push(
    `| cold start ${c.name} ms · bundle KB | ${sp(c.ms)} · ${f(c.bytes / 1024)} | ×${f(c.ratio, 2)} hello-world, ×${f(c.baselineRatio, 2)} its SDK baseline (${c.baseline}: ${f(c.baselineMs.median)} ms); import alone ${f(c.importMs.median)} ms (baseline ${f(c.baselineImportMs.median)}); ${c.failedFirstInvocations ? `❌ ${c.failedFirstInvocations} failed first invocations` : 'first invocation ok'}; ${c.withinBudget ? '' : '❌ over budget'} |`,
  );
}
md.push(
  `| **coldStartRatio** (worst: ${worst.name}) | **${f(worst.ratio, 2)}** | against hello-world; goal ≤ 1.3 |`,
);
md.push(
  `| **coldStartBaselineRatio** (worst: ${worstBaseline.name}) | **${f(worstBaseline.baselineRatio, 2)}** | against the SDK-only baseline; this step ≤ 1.3, goal ≤ 1.1 |`,
);
md.push(
  '',
  '| hot SKU simulation: orders/s × 10 s, 5,000 units | shards | created | OUT_OF_STOCK | failed after throttling | p99 wait ms |',
  '|---|---|---|---|---|---|',
);
for (const h of hotSku) {
  md.push(
    `| ${h.ordersPerSecond} | ${h.shards} | ${h.created} | ${h.outOfStock} | ${h.throttledOut} | ${h.p99WaitMs} |`,
  );
}
const table = md.join('\n');
writeFileSync(join(ROOT, 'bench', 'results.md'), `${table}\n`);
// docs/performance.md shows the latest table between its markers.
const docPath = join(ROOT, 'docs', 'performance.md');
const doc = readFileSync(docPath, 'utf8');
// A function replacer: the table holds `$` signs that a replacement string would interpret.
const refreshed = doc.replace(
  /(<!-- bench:start -->\n)[\s\S]*?(\n<!-- bench:end -->)/,
  (_all, start: string, end: string) => `${start}${table}${end}`,
);
if (refreshed !== doc && !QUICK) writeFileSync(docPath, refreshed);
writeSync(1, `${table}\n\nwritten: bench/results.json, bench/results.md\n`);
process.exit(0);
