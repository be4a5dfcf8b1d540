/**
 * Unit: the alarm model (`alarmsOf`), pure. For any topology — generated with fast-check from
 * plain, HTTP, consumer, stream and scheduled functions — every function gets an error-rate and a
 * throttles alarm, every consumer a DLQ, a queue-age alarm over visibility × receives and a
 * "stuck" composite, every stream reader its failure-queue, iterator-age and unpublishable alarms;
 * ids are unique; figures are consistent (datapoints ≤ periods, math within CloudWatch's 10 metrics
 * and naming only its metrics); composites name metric alarms of the same model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlarmSpec, alarmsOf, queueAgeBoundSeconds, runbookAnchors } from '#infra/topology/alarms.ts';
import type { FunctionSpec, Topology } from '#infra/topology/types.ts';
import { topology } from '#infra/topology.ts';

const base: Omit<FunctionSpec, 'routes' | 'consumer' | 'stream' | 'schedules'> = {
  entry: 'functions/platform/handler.ts',
  description: 'generated',
  memoryMb: 256,
  timeoutSeconds: 10,
  table: 'none',
};

type Kind = 'plain' | 'http' | 'consumer' | 'stream' | 'scheduled';

function specOf(kind: Kind, visibility: number, receives: number): FunctionSpec {
  switch (kind) {
    case 'plain':
      return base;
    case 'http':
      return {
        ...base,
        routes: {
          get: {
            method: 'GET',
            path: '/x',
            access: 'public',
            operationId: 'getX',
            summary: 'x',
            tag: 't',
            responses: {},
          },
        } as unknown as FunctionSpec['routes'],
      };
    case 'consumer':
      return {
        ...base,
        consumer: {
          events: [{ source: 's', detailTypes: ['T'] }],
          batchSize: 10,
          maxBatchingWindowSeconds: 0,
          visibilityTimeoutSeconds: visibility,
          maxReceiveCount: receives,
          dlqRetentionDays: 14,
        },
      };
    case 'stream':
      return {
        ...base,
        stream: {
          batchSize: 100,
          maxBatchingWindowSeconds: 0,
          retryAttempts: 10,
          bisectBatchOnError: true,
          parallelizationFactor: 1,
          filter: { eventName: 'INSERT', pkPrefix: 'OUTBOX#' },
        },
      };
    case 'scheduled':
      return { ...base, schedules: [{ name: 'daily', expression: 'rate(1 day)', description: 'd' }] };
  }
}

const topologyArbitrary = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z][a-zA-Z]{0,11}$/),
      kind: fc.constantFrom<Kind>('plain', 'http', 'consumer', 'stream', 'scheduled'),
      visibility: fc.integer({ min: 30, max: 900 }),
      receives: fc.integer({ min: 1, max: 10 }),
    }),
    { selector: (f) => f.name.toLowerCase(), minLength: 1, maxLength: 12 },
  )
  .map(
    (fns): Topology => ({
      ...topology,
      functions: Object.fromEntries(fns.map((f) => [f.name, specOf(f.kind, f.visibility, f.receives)])),
    }),
  );

/** What any model must satisfy, whatever the topology. */
function expectConsistent(model: AlarmSpec[]): void {
  const ids = model.map((a) => a.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const alarm of model) {
    expect(alarm.id).toMatch(/^[A-Z][A-Za-z0-9]*Alarm$/);
    expect(alarm.runbook).toBe(runbookAnchors[alarm.kind]);
    expect(alarm.justification.length).toBeGreaterThan(20);
    if (alarm.type === 'composite') {
      expect(alarm.allOf.length).toBeGreaterThan(1);
      for (const member of alarm.allOf) {
        expect(model.find((a) => a.id === member)?.type, `${alarm.id} → ${member}`).toBe('metric');
      }
      continue;
    }
    expect(alarm.datapointsToAlarm).toBeLessThanOrEqual(alarm.evaluationPeriods);
    expect(alarm.periodSeconds % 60).toBe(0);
    expect(Number.isFinite(alarm.threshold)).toBe(true);
    if (alarm.watch.type === 'math') {
      const metricIds = Object.keys(alarm.watch.metrics);
      expect(metricIds.length).toBeLessThanOrEqual(10);
      const named = new Set(alarm.watch.expression.match(/\b[a-z][a-zA-Z0-9_]*\b/g));
      for (const id of metricIds) expect(named, `${alarm.id} uses ${id}`).toContain(id);
    }
  }
}

describe('alarmsOf', () => {
  it('is consistent for Storeline’s topology', () => {
    expectConsistent(alarmsOf(topology));
  });

  it('alarms on every function, consumer and stream of any topology, consistently', () => {
    fc.assert(
      fc.property(topologyArbitrary, (t) => {
        const model = alarmsOf(t);
        expectConsistent(model);
        const watching = (kind: AlarmSpec['kind'], name: string) =>
          model.filter((a) => a.kind === kind && a.watches.includes(` ${name}:`));
        for (const [name, fn] of Object.entries(t.functions)) {
          expect(watching('functionErrorRate', name)).toHaveLength(1);
          expect(watching('functionThrottles', name)).toHaveLength(1);
          if (fn.consumer) {
            expect(model.filter((a) => a.type === 'metric' && a.dlqQueue === name)).toHaveLength(1);
            const [age] = watching('queueAge', name);
            expect(age?.type === 'metric' && age.threshold).toBe(queueAgeBoundSeconds(fn.consumer));
            expect(watching('consumerStuck', name)).toHaveLength(1);
          }
          if (fn.stream) {
            expect(
              model.filter((a) => a.type === 'metric' && a.dlqQueue === `${name}-stream-failures`),
            ).toHaveLength(1);
            expect(watching('streamIteratorAge', name)).toHaveLength(1);
          }
        }
        const has = (kind: AlarmSpec['kind']) => model.some((a) => a.kind === kind);
        const fns = Object.values(t.functions);
        expect(has('api5xxRate')).toBe(fns.some((fn) => fn.routes !== undefined));
        expect(has('schedulerFailures')).toBe(fns.some((fn) => (fn.schedules ?? []).length > 0));
        expect(has('tableSystemErrors') && has('tableThrottles')).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('guards every rate with a minimum count, so one failure in a quiet period is not 100 %', () => {
    for (const alarm of alarmsOf(topology)) {
      if (
        alarm.type === 'metric' &&
        alarm.watch.type === 'math' &&
        alarm.watch.expression.includes('100 *')
      ) {
        expect(alarm.watch.expression).toMatch(/^IF\([a-z]+ >= \d+, /);
      }
    }
  });
});
