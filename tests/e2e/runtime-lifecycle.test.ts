import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { apiClient } from '#infra/local/client.ts';
import { freePort } from '#infra/local/processes.ts';
import { startRuntimeProcess } from '../support/runtime-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every live process below `pid` (children, grandchildren, …), from `ps`, which Linux and macOS both have. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of rows) {
      if (ppid === parent && child !== undefined) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** Gone, or a zombie nobody has reaped yet (it holds no port and runs nothing). */
function isGone(pid: number): boolean {
  try {
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return state === '' || state.startsWith('Z');
  } catch {
    return true; // ps exits 1 when there is no such process
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

/** Polls until `done` holds; fails with `why()` after `limitMs` (a bound on the wait, not a timing assertion). */
async function eventually(done: () => boolean | Promise<boolean>, limitMs: number, why: () => string) {
  const deadline = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 200));
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'storeline-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('Local runtime: lifecycle', () => {
  it('loses nothing acknowledged when killed mid-burst (SIGKILL to node and Java): orders, invoices, tickets, counters exact after restart on the same data', async () => {
    const first = await startRuntimeProcess({ dataDir, processGroup: true });
    onTestFinished(() => {
      if (first.child.exitCode === null && first.child.signalCode === null) void first.crash();
    });
    expect((await fetch(first.dynamoDbEndpoint).catch(() => undefined))?.status).toBeDefined();
    const api1 = apiClient(first.url);
    const staff = await api1.token('ops', ['staff']);
    const put = (path: string, body: unknown) => api1.request('PUT', path, { token: staff, body });
    expect((await put('/products/KEEP-1', { name: 'Kept', price: 100, currency: 'EUR' })).status).toBe(201);
    const skus = ['CRASH-A', 'CRASH-B'];
    for (const sku of skus) {
      expect((await put(`/products/${sku}`, { name: sku, price: 1000, currency: 'EUR' })).status).toBe(201);
      const moved = await api1.request('POST', `/products/${sku}/stock-movements`, {
        token: staff,
        body: { quantity: 1000, reason: 'receipt' },
      });
      expect(moved.status).toBe(201);
    }
    expect((await put('/coupons/CRASH10', { kind: 'fixed', value: 100, currency: 'EUR' })).status).toBe(201);

    // The burst: every request keyed, so it can be sent again after the restart.
    const orders = Array.from({ length: 24 }, (_, i) => ({
      customer: `crash-${i}`,
      key: `crash-order-${i}`,
      body: {
        lines: [{ sku: skus[i % 2] as string, quantity: 1 + (i % 3) }],
        shippingAddress: {
          name: 'Crash',
          line1: '1 Main St',
          city: 'Berlin',
          postalCode: '10115',
          country: 'DE',
        },
        ...(i % 3 === 0 ? { couponCode: 'CRASH10' } : {}),
      },
    }));
    const tickets = Array.from({ length: 8 }, (_, i) => ({
      key: `crash-ticket-${i}`,
      body: { type: 'incident', subject: `Crash ${i}`, description: 'Mid-burst', priority: 'normal' },
    }));
    const tokens = await Promise.all(orders.map((o) => api1.token(o.customer)));
    const acked = new Map<string, string>(); // idempotency key → id answered with a 2xx
    const send = (
      api: ReturnType<typeof apiClient>,
      token: string,
      path: string,
      key: string,
      body: unknown,
    ) => api.request<{ id: string }>('POST', path, { token, headers: { 'idempotency-key': key }, body });
    const burst = [
      ...orders.map((o, i) => ({ path: '/orders', key: o.key, body: o.body, token: tokens[i] as string })),
      ...tickets.map((t) => ({ path: '/tickets', key: t.key, body: t.body, token: staff })),
    ];
    const inFlight = burst.map((r) =>
      send(api1, r.token, r.path, r.key, r.body)
        .then((res) => {
          if (res.status >= 200 && res.status < 300) acked.set(r.key, res.body.id);
        })
        .catch(() => undefined),
    );
    await eventually(
      () => acked.size >= 4,
      60_000,
      () => `only ${acked.size} answers before the crash: ${first.output()}`,
    );
    await first.crash();
    await Promise.all(inFlight);
    await expect(fetch(first.dynamoDbEndpoint)).rejects.toThrow();

    const second = await startRuntimeProcess({ dataDir });
    try {
      const api2 = apiClient(second.url);
      const staff2 = await api2.token('ops', ['staff']);
      const get = <T>(path: string) => api2.request<T>('GET', path, { token: staff2 });
      expect(second.output()).toContain('table storeline found');
      const kept = await get('/products/KEEP-1');
      expect(kept.status).toBe(200);
      expect(kept.body).toMatchObject({ sku: 'KEEP-1', name: 'Kept' });

      // Every request sent again with its key: an acknowledged one answers its first id (it exists).
      const tokens2 = await Promise.all(orders.map((o) => api2.token(o.customer)));
      const ids = new Map<string, string>();
      // One at a time: the restarted runtime is also draining the outbox and the queues.
      for (const [i, r] of burst.entries()) {
        const token = i < orders.length ? (tokens2[i] as string) : staff2;
        const res = await send(api2, token, r.path, r.key, r.body);
        expect(res.status, `${r.key}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        if (acked.has(r.key)) expect(res.body.id, r.key).toBe(acked.get(r.key));
        ids.set(r.key, res.body.id);
      }
      const orderIds = orders.map((o) => ids.get(o.key) as string);

      // Each order invoiced exactly once (OrderPlaced consumed once), numbers without gaps.
      const invoiced = async (id: string) =>
        (await get<{ invoiceId?: string }>(`/orders/${id}`)).body.invoiceId !== undefined;
      await eventually(
        async () => (await Promise.all(orderIds.map(invoiced))).every(Boolean),
        90_000,
        () => 'not every order invoiced after the restart',
      );
      const invoiceNumbers = await Promise.all(
        orderIds.map(async (id) => {
          const docs = await get<{ items: { kind: string; number: string }[] }>(`/invoices?orderId=${id}`);
          const invoices = docs.body.items.filter((d) => d.kind === 'invoice');
          expect(invoices, `invoices of ${id}`).toHaveLength(1);
          return Number(/(\d+)$/.exec(invoices[0]?.number ?? '')?.[1]);
        }),
      );
      const gapless = (numbers: number[]) => {
        const sorted = [...numbers].sort((a, b) => a - b);
        return sorted.every((n, i) => n === (sorted[0] as number) + i);
      };
      expect(gapless(invoiceNumbers), `invoice numbers ${invoiceNumbers.join(',')}`).toBe(true);

      // Tickets: each exists once, numbered without gaps.
      const ticketNumbers = await Promise.all(
        tickets.map(async (t) => {
          const res = await get<{ number: string }>(`/tickets/${ids.get(t.key)}`);
          expect(res.status).toBe(200);
          return Number(/(\d+)$/.exec(res.body.number)?.[1]);
        }),
      );
      expect(new Set(ticketNumbers).size).toBe(tickets.length);
      expect(gapless(ticketNumbers), `ticket numbers ${ticketNumbers.join(',')}`).toBe(true);

      // Counters exact: each order reserved its stock once, each coupon order redeemed once.
      for (const [s, sku] of skus.entries()) {
        const reserved = orders
          .filter((_, i) => i % 2 === s)
          .reduce((sum, o) => sum + (o.body.lines[0]?.quantity ?? 0), 0);
        const res = await get<{ stock: Record<string, number> }>(`/products/${sku}`);
        expect(res.body.stock).toMatchObject({ available: 1000 - reserved, reserved, shipped: 0 });
      }
      const coupon = await get<{ redemptions: number }>('/coupons/CRASH10');
      expect(coupon.body.redemptions).toBe(orders.filter((o) => 'couponCode' in o.body).length);
    } finally {
      await second.stop();
    }
  }, 300_000);

  it('stops everything, Java included, when `npm start` itself gets SIGTERM (a supervisor’s or IDE’s stop)', async () => {
    const port = await freePort();
    const dynamoDbPort = await freePort();
    const npm = spawn(
      'npm',
      ['start', '--', '--in-memory', '--port', String(port), '--dynamodb-port', String(dynamoDbPort)],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'WARN' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    npm.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    npm.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const family: number[] = [];
    try {
      await eventually(
        () => output.includes('Ctrl-C stops everything') || npm.exitCode !== null,
        90_000,
        () => `npm start not ready: ${output}`,
      );
      expect(npm.exitCode, output).toBeNull();
      family.push(...descendants(npm.pid ?? -1));
      expect(await isListening(port)).toBe(true);
      expect(await isListening(dynamoDbPort)).toBe(true);
      // The runtime's node and DynamoDB Local's java, at least, run below npm.
      expect(family.length).toBeGreaterThanOrEqual(2);

      npm.kill('SIGTERM');

      await eventually(
        async () => family.every(isGone) && !(await isListening(port)) && !(await isListening(dynamoDbPort)),
        30_000,
        () =>
          `still running after SIGTERM to npm: pids ${family.filter((p) => !isGone(p)).join(', ')}; ` +
          `ports ${port}, ${dynamoDbPort}`,
      );
    } finally {
      for (const pid of [npm.pid ?? -1, ...family]) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('leaves no Java behind even when the runtime is killed outright (SIGKILL runs no handler)', async () => {
    const runtime = await startRuntimeProcess({ inMemory: true });
    const dynamoDbPort = Number(new URL(runtime.dynamoDbEndpoint).port);
    const java = descendants(runtime.child.pid ?? -1);
    try {
      expect(await isListening(dynamoDbPort)).toBe(true);
      runtime.child.kill('SIGKILL');
      await eventually(
        async () => java.every(isGone) && !(await isListening(dynamoDbPort)),
        30_000,
        () => `DynamoDB Local still running after its runtime was killed: ${java.join(', ')}`,
      );
    } finally {
      for (const pid of java) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('reports a taken port in one line and exits 1', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((r) =>
      blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)),
    );
    try {
      const runtime = await startRuntimeProcess({ inMemory: true, port, expectFailure: true });
      expect(runtime.child.exitCode).toBe(1);
      expect(runtime.output().trim()).toMatch(
        new RegExp(`^storeline: Port ${port} \\(HTTP API\\) is already in use`),
      );
      expect(runtime.output().trim().split('\n')).toHaveLength(1);
    } finally {
      blocker.close();
    }
  });

  it('reports missing Java in one line naming what to install', async () => {
    // Only Node's own folder on PATH: no java to be found.
    const runtime = await startRuntimeProcess({
      inMemory: true,
      env: { PATH: dirname(process.execPath) },
      expectFailure: true,
    });
    expect(runtime.child.exitCode).toBe(1);
    const lines = runtime.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^storeline: Java is not installed.*openjdk-17-jre-headless/);
  });
});
