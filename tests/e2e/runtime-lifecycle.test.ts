import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient } from '#infra/local/client.ts';
import { startRuntimeProcess } from '../support/runtime-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'storeline-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('Local runtime: lifecycle', () => {
  it('keeps data on disk: a product survives a restart', async () => {
    const first = await startRuntimeProcess({ dataDir });
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

  it('stops DynamoDB Local (Java) with itself', async () => {
    const runtime = await startRuntimeProcess({ inMemory: true });
    const dynamo = runtime.dynamoDbEndpoint;
    expect((await fetch(dynamo).catch(() => undefined))?.status).toBeDefined();
    await runtime.stop();
    await expect(fetch(dynamo)).rejects.toThrow();
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
