/**
 * The function host captures what a handler writes (real worker threads, real Powertools): EMF
 * documents become metric series, JSON log lines land in the log buffer with their correlation id,
 * and the invocation series (invocations, errors) are recorded, none of it printed to the console.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionHost } from '#infra/local/functions.ts';
import { LocalTelemetry } from '#infra/local/telemetry.ts';
import type { Topology } from '#infra/topology/types.ts';
import { eventually } from '../../support/backbone.ts';

const fixture = { entry: 'tests/support/fixtures/capture-handler.ts', timeoutSeconds: 10, memoryMb: 256 };
const topology = { functions: { fixture } } as unknown as Topology;
const telemetry = new LocalTelemetry();
const printed: string[] = [];
let host: FunctionHost;

beforeAll(async () => {
  host = new FunctionHost({
    topology,
    rootDir: process.cwd(),
    environmentFor: () => ({
      POWERTOOLS_SERVICE_NAME: 'storeline-fixture',
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      AWS_LAMBDA_FUNCTION_NAME: 'fixture',
    }),
    onOutput: (name, line) => {
      const kind = telemetry.capture(name, line);
      if (kind === 'other') printed.push(line);
      return kind !== 'other';
    },
    onInvocationStart: (name) => telemetry.invocationStarted(name),
    onInvocationEnd: (name, ms, failed) => telemetry.invocationEnded(name, ms, failed),
  });
  await host.startAll();
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

const sumOf = (source: Parameters<LocalTelemetry['read']>[0]['source']) =>
  telemetry
    .read({ source, stat: 'Sum', label: 'x' }, 60_000)
    .points.reduce<number>((a, p) => a + (p ?? 0), 0);

describe('Function host: output capture', () => {
  it('captures the log lines and EMF metrics of each invocation, and counts invocations and errors', async () => {
    await expect(host.invoke('fixture', { correlationId: 'cap-1' })).resolves.toBe('ok');
    await expect(host.invoke('fixture', { correlationId: 'cap-2', fail: true })).rejects.toThrow(
      'failed on request',
    );

    const lines = await eventually(
      () => {
        const found = telemetry.logs.query({ correlationId: 'cap-2' });
        return found.length > 0 ? found : undefined;
      },
      { what: 'the log line of cap-2' },
    );
    expect(lines).toEqual([
      {
        function: 'fixture',
        line: expect.objectContaining({
          level: 'INFO',
          message: 'handled',
          service: 'storeline-fixture',
          correlation_id: 'cap-2',
        }),
      },
    ]);
    expect(telemetry.logs.query({ correlationId: 'cap-1' })).toHaveLength(1);
    await eventually(() => (sumOf({ kind: 'business', metric: 'OrdersPlaced' }) === 2 ? true : undefined), {
      what: 'two OrdersPlaced from EMF',
    });
    expect(sumOf({ kind: 'lambda', function: 'fixture', metric: 'Invocations' })).toBe(2);
    expect(sumOf({ kind: 'lambda', function: 'fixture', metric: 'Errors' })).toBe(1);
    expect(printed, printed.join('\n')).toEqual([]);
  });
});
