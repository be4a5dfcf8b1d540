/**
 * The local telemetry behind `/_local/ops` and `/_local/logs`: EMF documents as Powertools Metrics
 * writes them become series the dashboard's business widgets read, log lines are found by
 * correlation id, and everything stays bounded.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { opsData } from '#infra/local/ops-page.ts';
import { toConsole } from '#infra/local/runtime.ts';
import {
  BUCKET_MS,
  LocalTelemetry,
  LogBuffer,
  MAX_SERIES,
  MetricStore,
  percentile,
  RETENTION_MS,
} from '#infra/local/telemetry.ts';
import { dashboardOf, type MetricRef } from '#infra/topology/dashboard.ts';
import { topology } from '#infra/topology.ts';
import { BUSINESS_SERVICE, METRICS_NAMESPACE } from '#shared/business-metrics.ts';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');

/** The EMF line Powertools Metrics prints for these business metrics (its own serialiser). */
function emfLine(record: (m: Metrics) => void, at = T0): string {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: BUSINESS_SERVICE });
  record(metrics);
  metrics.setTimestamp(at);
  return JSON.stringify(metrics.serializeMetrics());
}

const ref = (source: MetricRef['source'], stat: MetricRef['stat'] = 'Sum'): MetricRef => ({
  source,
  stat,
  label: 'x',
});
const total = (points: readonly (number | null)[]) => points.reduce<number>((a, p) => a + (p ?? 0), 0);

describe('EMF capture', () => {
  it('turns Powertools EMF documents into business series, per breakdown value', () => {
    let now = T0;
    const telemetry = new LocalTelemetry({ now: () => now });
    for (const value of [1200, 800]) {
      expect(
        telemetry.capture(
          'orders',
          emfLine((m) => {
            m.addMetric('OrdersPlaced', MetricUnit.Count, 1);
          }),
        ),
      ).toBe('metrics');
      telemetry.capture(
        'orders',
        emfLine((m) => {
          m.addDimension('currency', 'EUR');
          m.addMetric('OrderValue', MetricUnit.NoUnit, value);
        }),
      );
    }
    telemetry.capture(
      'orders',
      emfLine((m) => {
        m.addDimension('currency', 'USD');
        m.addMetric('OrderValue', MetricUnit.NoUnit, 999);
      }, T0 + BUCKET_MS),
    );
    now = T0 + 2 * BUCKET_MS;
    const placed = telemetry.read(ref({ kind: 'business', metric: 'OrdersPlaced' }), 5 * 60_000);
    expect(total(placed.points)).toBe(2);
    const eur = telemetry.read(ref({ kind: 'business', metric: 'OrderValue', value: 'EUR' }), 5 * 60_000);
    expect(total(eur.points)).toBe(2000);
    const usd = telemetry.read(ref({ kind: 'business', metric: 'OrderValue', value: 'USD' }), 5 * 60_000);
    expect(total(usd.points)).toBe(999);
    // Buckets without data are gaps, not zeros: the USD bucket is the second one only.
    expect(usd.points.at(-3)).toBeNull();
    expect(usd.points.at(-2)).toBe(999);
  });

  it('keeps JSON log lines, not EMF, in the log buffer; other lines are left to the console', () => {
    const telemetry = new LocalTelemetry({ now: () => T0 });
    const log = JSON.stringify({
      level: 'INFO',
      message: 'event applied',
      correlation_id: 'c-1',
      service: 's',
    });
    expect(telemetry.capture('fulfilment', log)).toBe('log');
    expect(telemetry.capture('fulfilment', 'plain text')).toBe('other');
    expect(telemetry.capture('fulfilment', '{not json')).toBe('other');
    expect(telemetry.logs.query({ correlationId: 'c-1' })).toEqual([
      { function: 'fulfilment', line: JSON.parse(log) },
    ]);
    expect(telemetry.metrics.size).toBe(0);
  });

  it('sends EMF to the console only when asked, and log lines at or above the console level', () => {
    const info = '{"level":"INFO","message":"m"}';
    const error = '{"level":"ERROR","message":"m"}';
    expect(toConsole('metrics', '{}', {})).toBe(false);
    expect(toConsole('metrics', '{}', { emitMetrics: true })).toBe(true);
    expect(toConsole('log', info, { logLevel: 'WARN' })).toBe(false);
    expect(toConsole('log', error, { logLevel: 'WARN' })).toBe(true);
    expect(toConsole('log', info, { logLevel: 'INFO' })).toBe(true);
    expect(toConsole('other', 'anything', { logLevel: 'SILENT' })).toBe(true);
  });
});

describe('runtime series', () => {
  it('records API requests overall and per route group, with 4xx, 5xx and latency percentiles', () => {
    const telemetry = new LocalTelemetry({ now: () => T0 });
    for (let i = 1; i <= 100; i++) telemetry.apiRequest({ routeGroup: 'orders', status: 201, latencyMs: i });
    telemetry.apiRequest({ routeGroup: 'orders', status: 404, latencyMs: 5 });
    telemetry.apiRequest({ status: 503, latencyMs: 5 });
    const read = (source: MetricRef['source'], stat: MetricRef['stat'] = 'Sum') =>
      telemetry.read(ref(source, stat), 60_000).points.at(-1);
    expect(read({ kind: 'api', metric: 'Count' })).toBe(102);
    expect(read({ kind: 'api', metric: 'Count', routeGroup: 'orders' })).toBe(101);
    expect(read({ kind: 'api', metric: '4xx', routeGroup: 'orders' })).toBe(1);
    expect(read({ kind: 'api', metric: '5xx' })).toBe(1);
    expect(read({ kind: 'api', metric: '5xx', routeGroup: 'orders' })).toBe(0);
    expect(read({ kind: 'api', metric: 'Latency', routeGroup: 'orders' }, 'p99')).toBe(99);
    expect(read({ kind: 'api', metric: 'Count', routeGroup: 'tickets' })).toBeNull();
  });

  it('counts invocations, errors and the highest concurrency of a function', () => {
    const telemetry = new LocalTelemetry({ now: () => T0 });
    telemetry.invocationStarted('fulfilment');
    telemetry.invocationStarted('fulfilment');
    telemetry.invocationEnded('fulfilment', 30, false);
    telemetry.invocationEnded('fulfilment', 50, true);
    const last = (metric: 'Invocations' | 'Errors' | 'ConcurrentExecutions', stat: MetricRef['stat']) =>
      telemetry.read(ref({ kind: 'lambda', function: 'fulfilment', metric }, stat), 60_000).points.at(-1);
    expect(last('Invocations', 'Sum')).toBe(2);
    expect(last('Errors', 'Sum')).toBe(1);
    expect(last('ConcurrentExecutions', 'Maximum')).toBe(2);
  });

  it('says which sources are not measured locally rather than drawing zeros', () => {
    const telemetry = new LocalTelemetry({ now: () => T0 });
    const reading = telemetry.read(ref({ kind: 'table', metric: 'ThrottledRequests' }), 60_000);
    expect(reading.notMeasured).toMatch(/DynamoDB Local/);
    expect(reading.points).toEqual([]);
  });
});

describe('bounds', () => {
  it('drops buckets older than the retention and series beyond the limit', () => {
    let now = T0;
    const store = new MetricStore(() => now);
    store.put('n', 'm', {}, 1);
    now = T0 + RETENTION_MS + BUCKET_MS;
    store.put('n', 'm', {}, 2);
    const series = store.exact('n', 'm', {});
    expect(series?.buckets.size).toBe(1);
    for (let i = 0; i < MAX_SERIES + 10; i++) store.put('n', `m${i}`, {}, 1);
    expect(store.size).toBe(MAX_SERIES);
    expect(store.dropped).toBe(11);
  });

  it('keeps the newest lines of a full log buffer, newest last, and honours limit', () => {
    const logs = new LogBuffer(3);
    for (let i = 1; i <= 5; i++)
      logs.push({ function: 'f', line: { i, correlation_id: i % 2 ? 'odd' : 'even' } });
    expect(logs.all().map((l) => l.line.i)).toEqual([3, 4, 5]);
    expect(logs.query({ correlationId: 'odd' }).map((l) => l.line.i)).toEqual([3, 5]);
    expect(logs.query({ limit: 1 }).map((l) => l.line.i)).toEqual([5]);
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
  });
});

describe('ops data', () => {
  it('has every section and widget of dashboardOf(topology), with a figure per metric', () => {
    const telemetry = new LocalTelemetry({ now: () => T0 });
    telemetry.capture(
      'tickets',
      emfLine((m) => {
        m.addMetric('TicketsOpened', MetricUnit.Count, 1);
      }),
    );
    telemetry.queueSample('alerting', 'dlq', 1);
    const dashboard = dashboardOf(topology);
    const data = opsData(telemetry, dashboard, 15, T0);
    expect(data.sections.map((s) => s.title)).toEqual(dashboard.map((s) => s.title));
    expect(data.sections.map((s) => s.widgets.length)).toEqual(dashboard.map((s) => s.widgets.length));
    const metric = (widgetTitle: string, label: string) =>
      data.sections
        .flatMap((s) => s.widgets)
        .flatMap((w) => (w.type !== 'text' && w.title === widgetTitle ? w.metrics : []))
        .find((m) => m.label === label);
    expect(metric('Service desk', 'TicketsOpened')).toMatchObject({ value: 1, summary: 'total' });
    expect(metric('alerting queue: visible, oldest age (s), DLQ depth', 'DLQ depth')).toMatchObject({
      value: 1,
      summary: 'max',
    });
    expect(metric('Table consumed capacity', 'WCU')?.notMeasured).toBeDefined();
  });
});
