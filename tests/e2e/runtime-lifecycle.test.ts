import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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
  it('keeps data on disk: a product survives a restart; stops DynamoDB Local (Java) with itself', async () => {
    const first = await startRuntimeProcess({ dataDir });
    expect((await fetch(first.dynamoDbEndpoint).catch(() => undefined))?.status).toBeDefined();
    const api1 = apiClient(first.url);
    const staff = await api1.token('ops', ['staff']);
    expect(
      (
        await api1.request('PUT', '/products/KEEP-1', {
          token: staff,
          body: { name: 'Kept', price: 100, currency: 'EUR' },
        })
      ).status,
    ).toBe(201);
    expect(await first.stop()).toBe(0);
    await expect(fetch(first.dynamoDbEndpoint)).rejects.toThrow();

    const second = await startRuntimeProcess({ dataDir });
    try {
      const api2 = apiClient(second.url);
      const res = await api2.request('GET', '/products/KEEP-1', {
        token: await api2.token('ops', ['staff']),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ sku: 'KEEP-1', name: 'Kept' });
      expect(second.output()).toContain('table storeline found');
    } finally {
      await second.stop();
    }
  });

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
