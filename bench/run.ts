/**
 * `npm run bench`: measures burst safety, throughput against DynamoDB Local's own ceiling, latency,
 * bundle sizes, cold starts and cost per order, all in one run on this machine, as ratios where the
 * machine would otherwise decide the figure. Prints a table, writes bench/results.json and
 * bench/results.md (the table docs/performance.md shows).
 *
 *   npm run bench                 full run (a few minutes)
 *   BENCH_QUICK=1 npm run bench   fewer repetitions, for checking the harness
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { BatchGetCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { BUNDLE_BUDGET_BYTES } from '#infra/bundling.ts';
import { apiClient } from '#infra/local/client.ts';
import { freePort } from '#infra/local/processes.ts';
import { localFunctionEnvironment, startRuntime } from '#infra/local/runtime.ts';
import { functionEntries, topology } from '#infra/topology.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { buildBundles, HELLO_WORLD } from './bundles.ts';
import { coldStart, firstEvent } from './cold-start.ts';
import { itemSize, transactionalWriteUnits } from './item-size.ts';
import { latencyOf, pool, round, type Spread, spread } from './stats.ts';

const ROOT = join(import.meta.dirname, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 1 : 3;

/** Public on-demand list prices, us-east-1, as published since Nov 2024 (verify before budgeting). */
const PRICES = {
  region: 'us-east-1',
  dynamoDbWriteRequestUnitPerMillion: 0.625,
  dynamoDbReadRequestUnitPerMillion: 0.125,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  httpApiRequestsPerMillion: 1.0,
  source: 'aws.amazon.com/dynamodb/pricing/on-demand, /lambda/pricing, /api-gateway/pricing (HTTP APIs)',
} as const;

const log = (line: string) => process.stderr.write(`${line}\n`);

// ── Runtime ────────────────────────────────────────────────────────────────────────────────────
const runtime = await startRuntime({
  port: await freePort(),
  dynamoDbPort: await freePort(),
  logLevel: 'ERROR',
  log: () => undefined,
});
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

// ── 1. Burst safety ──────────────────────────────────────────────────────────────────────────────
const BURST = { requests: 1000, stock: 100 };
const burstRuns: {
  created: number;
  outOfStock: number;
  other: number;
  invariant: boolean;
  seconds: number;
}[] = [];
for (let run = 0; run < RUNS; run++) {
  const sku = `BURST-${run}-${process.pid}`;
  await product(sku, BURST.stock);
  const started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: BURST.requests }, (_, i) => placeOrder([{ sku, quantity: 1 }], i)),
  );
  const seconds = (performance.now() - started) / 1000;
  const created = responses.filter((r) => r.status === 201).length;
  const outOfStock = responses.filter(
    (r) => r.status === 409 && (r.body as { code?: string }).code === 'OUT_OF_STOCK',
  ).length;
  const stock = await stockOf(sku);
  const invariant =
    stock.available + stock.reserved + stock.shipped === BURST.stock &&
    stock.reserved === created &&
    created === BURST.stock &&
    created + outOfStock === BURST.requests;
  burstRuns.push({ created, outOfStock, other: BURST.requests - created - outOfStock, invariant, seconds });
  log(
    `burst ${run + 1}/${RUNS}: ${created} created, ${outOfStock} OUT_OF_STOCK, invariant ${invariant ? 'holds' : 'BROKEN'}`,
  );
}

// ── 2. Throughput: whole HTTP path vs raw TransactWriteItems, same items, same concurrency ─────
const THROUGHPUT = { orders: QUICK ? 150 : 400, concurrency: 16, warmup: 50 };
const HOT_SKU = `HOT-${process.pid}`;
await product(HOT_SKU, 1_000_000);
await Promise.all(
  Array.from({ length: THROUGHPUT.warmup }, (_, i) => placeOrder([{ sku: HOT_SKU, quantity: 1 }], i)),
);

// A real order as intake wrote it: the template for the raw transactions.
const sampleOrder = await expectStatus(placeOrder([{ sku: HOT_SKU, quantity: 1 }]), 201);
const templateItem = await ddb.send(
  new GetCommand({ TableName: tableName, Key: orderKey((sampleOrder.body as { id: string }).id) }),
);
const template = orderFromItem(templateItem.Item);
const productItem = await ddb.send(new GetCommand({ TableName: tableName, Key: productKey(HOT_SKU) }));
const productVersion = Number(productItem.Item?.version);

let rawSeq = 0;
/** The same items intake commits: order, outbox event, reservation and catalogue check per line. */
function rawOrderWrites(lines: { sku: string; quantity: number; version: number }[]): TransactWrite[] {
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
  return [
    placeOrderPut(order),
    orderPlaced,
    ...lines.flatMap((l) => [
      reserveStockWrite(l.sku, l.quantity, now),
      productUnchangedCheck(l.sku, l.version),
    ]),
  ];
}

const httpRates: number[] = [];
const rawRates: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let start = performance.now();
  await pool(THROUGHPUT.orders, THROUGHPUT.concurrency, async (i) => {
    await expectStatus(placeOrder([{ sku: HOT_SKU, quantity: 1 }], i), 201);
  });
  httpRates.push(THROUGHPUT.orders / ((performance.now() - start) / 1000));
  start = performance.now();
  await pool(THROUGHPUT.orders, THROUGHPUT.concurrency, async () => {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: rawOrderWrites([{ sku: HOT_SKU, quantity: 1, version: productVersion }]),
      }),
    );
  });
  rawRates.push(THROUGHPUT.orders / ((performance.now() - start) / 1000));
  log(
    `throughput ${run + 1}/${RUNS}: HTTP ${httpRates.at(-1)!.toFixed(0)}/s, raw ${rawRates.at(-1)!.toFixed(0)}/s`,
  );
}
const ratios = httpRates.map((h, i) => h / (rawRates[i] as number));

// ── 3. Latency at a fixed moderate concurrency ─────────────────────────────────────────────────
const LATENCY = { requests: QUICK ? 100 : 300, concurrency: 8 };
const latency = {
  postOrders: [] as ReturnType<typeof latencyOf>[],
  getOrder: [] as ReturnType<typeof latencyOf>[],
  rawTransactWrite: [] as ReturnType<typeof latencyOf>[],
  rawGetItem: [] as ReturnType<typeof latencyOf>[],
};
for (let run = 0; run < RUNS; run++) {
  const ids: string[] = [];
  latency.postOrders.push(
    latencyOf(
      await pool(LATENCY.requests, LATENCY.concurrency, async (i) => {
        const r = await expectStatus(placeOrder([{ sku: HOT_SKU, quantity: 1 }], i), 201);
        ids[i] = (r.body as { id: string }).id;
      }),
    ),
  );
  latency.getOrder.push(
    latencyOf(
      await pool(LATENCY.requests, LATENCY.concurrency, async (i) => {
        await expectStatus(api.request('GET', `/orders/${ids[i]}`, { token: staff }), 200);
      }),
    ),
  );
  latency.rawTransactWrite.push(
    latencyOf(
      await pool(LATENCY.requests, LATENCY.concurrency, async () => {
        await ddb.send(
          new TransactWriteCommand({
            TransactItems: rawOrderWrites([{ sku: HOT_SKU, quantity: 1, version: productVersion }]),
          }),
        );
      }),
    ),
  );
  latency.rawGetItem.push(
    latencyOf(
      await pool(LATENCY.requests, LATENCY.concurrency, async (i) => {
        await ddb.send(new GetCommand({ TableName: tableName, Key: orderKey(ids[i] as string) }));
      }),
    ),
  );
}
const latencySummary = Object.fromEntries(
  Object.entries(latency).map(([name, runs]) => [
    name,
    {
      p50: spread(runs.map((r) => r.p50)),
      p95: spread(runs.map((r) => r.p95)),
      p99: spread(runs.map((r) => r.p99)),
    },
  ]),
) as Record<keyof typeof latency, { p50: Spread; p95: Spread; p99: Spread }>;
log('latency done');

// ── 4. Cost per order (1, 5, 20 lines) from the capacity DynamoDB Local reports ──────────────
const cost: Record<string, unknown>[] = [];
for (const lineCount of [1, 5, 20]) {
  const skus = Array.from({ length: lineCount }, (_, i) => `COST-${lineCount}-${i}-${process.pid}`);
  for (const sku of skus) await product(sku, 1000);
  const versions = await Promise.all(
    skus.map(async (sku) =>
      Number((await ddb.send(new GetCommand({ TableName: tableName, Key: productKey(sku) }))).Item?.version),
    ),
  );
  const writes = rawOrderWrites(skus.map((sku, i) => ({ sku, quantity: 1, version: versions[i] as number })));
  const tx = await ddb.send(
    new TransactWriteCommand({ TransactItems: writes, ReturnConsumedCapacity: 'TOTAL' }),
  );
  const reportedWcu = (tx.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  const read = await ddb.send(
    new BatchGetCommand({
      RequestItems: { [tableName]: { Keys: [orderKey('NO-SUCH-ORDER'), ...skus.map((s) => productKey(s))] } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  const reportedRcu = (read.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  const sizes = writes.map((w) => {
    if (w.Put) return itemSize(w.Put.Item as Record<string, unknown>);
    const key = (w.Update?.Key ?? w.ConditionCheck?.Key) as Record<string, unknown>;
    return itemSize(key) + 200; // stock and product items are a few hundred bytes; under 1 KB either way
  });
  const predictedWcu = transactionalWriteUnits(sizes);
  const httpRequests = 1;
  // DynamoDB Local under-reports transactional capacity; bill on the larger of its figure and the
  // size rule (2 WCU per started KB of every transaction item), and count the catalogue read a
  // price-cache miss costs (eventually consistent BatchGet: 0.5 RCU per started 4 KB item).
  const billedWcu = Math.max(reportedWcu, predictedWcu);
  const dynamoDbPerMillion =
    billedWcu * PRICES.dynamoDbWriteRequestUnitPerMillion +
    reportedRcu * PRICES.dynamoDbReadRequestUnitPerMillion;
  const p50Seconds = latencySummary.postOrders.p50.median / 1000;
  const lambdaPerMillion =
    (topology.functions.orders.memoryMb / 1024) * p50Seconds * PRICES.lambdaArmGbSecond * 1_000_000 +
    PRICES.lambdaRequestsPerMillion;
  cost.push({
    lines: lineCount,
    transactItems: writes.length,
    reportedWcu,
    predictedWcu,
    billedWcu,
    reportedRcu,
    orderItemBytes: sizes[0],
    dynamoDbUsdPerMillionOrders: round(dynamoDbPerMillion),
    lambdaUsdPerMillionOrders: round(lambdaPerMillion),
    httpApiUsdPerMillionOrders: round(httpRequests * PRICES.httpApiRequestsPerMillion),
  });
}
log('cost done');

// ── 5. Bundles and cold starts ─────────────────────────────────────────────────────────────────
const bundleDir = join(ROOT, 'node_modules', '.cache', 'storeline-bench');
rmSync(bundleDir, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });
const bundles = await buildBundles(bundleDir);
const specs = Object.fromEntries(functionEntries());
const COLD_RUNS = QUICK ? 3 : 7;
const coldSamples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
/** Time to the end of the import alone: separates our init cost from the first call's I/O. */
const importSamples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
for (let run = -1; run < COLD_RUNS; run++) {
  for (const bundle of bundles) {
    const spec = specs[bundle.name];
    const env =
      spec === undefined
        ? {}
        : localFunctionEnvironment(
            topology,
            bundle.name,
            spec,
            {
              dynamodb: runtime.dynamoDbEndpoint,
              ...(runtime.eventBridgeEndpoint ? { eventbridge: runtime.eventBridgeEndpoint } : {}),
            },
            { logLevel: 'ERROR' },
          );
    const sample = await coldStart(bundle.file, firstEvent(bundle.name, spec, template.id), env);
    if (run >= 0) {
      coldSamples.get(bundle.name)?.push(sample.totalMs);
      importSamples.get(bundle.name)?.push(sample.loadedMs);
    }
  }
}
const hello = spread(coldSamples.get(HELLO_WORLD) ?? []);
const helloImport = spread(importSamples.get(HELLO_WORLD) ?? []);
const coldStarts = bundles
  .filter((b) => b.name !== HELLO_WORLD)
  .map((b) => {
    const s = spread(coldSamples.get(b.name) ?? []);
    return {
      name: b.name,
      bytes: b.bytes,
      withinBudget: b.bytes <= BUNDLE_BUDGET_BYTES,
      ms: s,
      ratio: s.median / hello.median,
      importMs: spread(importSamples.get(b.name) ?? []),
      importRatio: spread(importSamples.get(b.name) ?? []).median / helloImport.median,
    };
  });
const worst = coldStarts.reduce((a, b) => (b.ratio > a.ratio ? b : a));
log('cold starts done');

await runtime.stop();

// ── Results ────────────────────────────────────────────────────────────────────────────────────
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const results = {
  generatedAt: new Date().toISOString(),
  quick: QUICK,
  throughputRatio: round(spread(ratios).median, 3),
  coldStartRatio: round(worst.ratio, 3),
  coldStartWorstFunction: worst.name,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    platform: `${process.platform}-${process.arch}`,
  },
  node: process.version,
  packages: { ...pkg.dependencies, ...pkg.devDependencies },
  burst: { ...BURST, runs: burstRuns, invariantHeldEveryRun: burstRuns.every((r) => r.invariant) },
  throughput: {
    ...THROUGHPUT,
    httpOrdersPerSecond: spread(httpRates),
    rawTransactionsPerSecond: spread(rawRates),
    ratio: spread(ratios),
  },
  latencyMs: { concurrency: LATENCY.concurrency, requests: LATENCY.requests, ...latencySummary },
  bundles: {
    budgetBytes: BUNDLE_BUDGET_BYTES,
    sizes: Object.fromEntries(bundles.map((b) => [b.name, b.bytes])),
  },
  coldStart: { helloWorldMs: hello, functions: coldStarts },
  cost: { prices: PRICES, perOrder: cost },
};
mkdirSync(join(ROOT, 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const f = (n: number, d = 1) => n.toFixed(d);
const sp = (s: Spread, d = 1) => `${f(s.median, d)} (${f(s.min, d)}–${f(s.max, d)})`;
const md: string[] = [];
md.push(
  `Run ${results.generatedAt} · ${results.machine.cpus} × ${results.machine.cpuModel ?? 'CPU'} · ${results.machine.memoryGiB} GiB · Node ${results.node}${QUICK ? ' · QUICK' : ''}`,
);
md.push('', '| figure | median (min–max) | notes |', '|---|---|---|');
const b0 = burstRuns[0];
md.push(
  `| burst: ${BURST.requests} concurrent POST /orders, ${BURST.stock} in stock | ${burstRuns.map((r) => `${r.created} created / ${r.outOfStock} OUT_OF_STOCK / ${r.other} other`).join('; ')} | invariant ${results.burst.invariantHeldEveryRun ? 'held in every run ✅' : 'BROKEN ❌'}${b0 ? `, ${f(b0.seconds)} s per burst` : ''} |`,
);
md.push(
  `| throughput: HTTP orders/s (c=${THROUGHPUT.concurrency}) | ${sp(results.throughput.httpOrdersPerSecond, 0)} | gateway + JWT check + validation + handler + transaction (prices from the container cache) |`,
);
md.push(
  `| throughput: raw TransactWriteItems/s (c=${THROUGHPUT.concurrency}) | ${sp(results.throughput.rawTransactionsPerSecond, 0)} | same items, same DynamoDB Local |`,
);
md.push(`| **throughputRatio** | **${sp(results.throughput.ratio, 3)}** | goal ≥ 0.8 |`);
for (const [name, l] of Object.entries(latencySummary)) {
  md.push(
    `| latency ${name} p50 / p95 / p99 ms (c=${LATENCY.concurrency}) | ${f(l.p50.median)} / ${f(l.p95.median)} / ${f(l.p99.median)} | p99 range ${f(l.p99.min)}–${f(l.p99.max)} |`,
  );
}
md.push(`| cold start hello-world ms | ${sp(hello)} | fresh process, import + first invocation |`);
for (const c of coldStarts) {
  md.push(
    `| cold start ${c.name} ms · bundle KB | ${sp(c.ms)} · ${f(c.bytes / 1024)} | ratio ${f(c.ratio, 2)} (import alone: ${f(c.importMs.median)} ms, ${f(c.importRatio, 2)}); budget ${BUNDLE_BUDGET_BYTES / 1024} KB ${c.withinBudget ? '✅' : '❌'} |`,
  );
}
md.push(`| **coldStartRatio** (worst: ${worst.name}) | **${f(worst.ratio, 2)}** | goal ≤ 1.3 |`);
for (const c of cost as {
  lines: number;
  transactItems: number;
  reportedWcu: number;
  billedWcu: number;
  predictedWcu: number;
  reportedRcu: number;
  dynamoDbUsdPerMillionOrders: number;
  lambdaUsdPerMillionOrders: number;
  httpApiUsdPerMillionOrders: number;
}[]) {
  md.push(
    `| cost: ${c.lines}-line order | ${c.billedWcu} WCU billed (Local reports ${c.reportedWcu}) + ${c.reportedRcu} RCU on a price-cache miss | ${c.transactItems} transact items; per million orders: DynamoDB $${f(c.dynamoDbUsdPerMillionOrders, 2)}, Lambda $${f(c.lambdaUsdPerMillionOrders, 2)}, HTTP API $${f(c.httpApiUsdPerMillionOrders, 2)} |`,
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
process.stdout.write(`${table}\n\nwritten: bench/results.json, bench/results.md\n`);
process.exit(0);
