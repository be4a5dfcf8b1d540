/**
 * A consumer run on DynamoDB Local flushes its metrics as EMF lines: the service metrics of each
 * outcome, and `DlqArrivals` (`service=storeline`) exactly when a record fails on its last allowed
 * receive (`MAX_RECEIVE_COUNT`, which the topology gives every consumer). Every log line of the run
 * carries `service` and a correlation id: the envelope's while a record is applied.
 */
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { busMessage, lambdaContext, sampleEvent, sqsRecord } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.MAX_RECEIVE_COUNT = '3';
  // Each invocation resets the logger to its initial level: INFO here, SILENT elsewhere in the suite.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});
const { consumer } = await import('#events/consumer.ts');

const metricsTest = consumer({
  name: 'metricsTest',
  handlers: {
    OrderShipped: async () => [],
    OrderDelivered: async () => {
      throw new Error('cannot apply this one');
    },
  },
});

function record(type: 'OrderShipped' | 'OrderDelivered', correlationId: string, receiveCount: number) {
  const envelope: EventEnvelope = { ...sampleEvent(type), id: ulid(), correlationId };
  return sqsRecord(JSON.stringify(busMessage(envelope)), receiveCount);
}

let lines: Record<string, unknown>[] = [];
beforeEach(() => {
  lines = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ unparsed: line });
        }
      }
      return true;
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const emf = () => lines.filter((l) => '_aws' in l);
const logLines = () => lines.filter((l) => !('_aws' in l));

describe('consumer metrics', () => {
  it('counts a DLQ arrival for a record failing on its last receive, not before', async () => {
    // Act
    const response = await metricsTest.handler(
      {
        Records: [
          record('OrderShipped', 'corr-ok', 1),
          record('OrderDelivered', 'corr-early', 2),
          record('OrderDelivered', 'corr-last', 3),
        ],
      },
      lambdaContext('metricsTest'),
    );

    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
    const business = emf().filter((l) => l.service === 'storeline');
    expect(business.map((l) => l.DlqArrivals)).toEqual([1]);
    const service = emf().filter((l) => l.service !== 'storeline');
    expect(service.some((l) => l.EventsApplied === 1)).toBe(true);
    expect(
      service.some((l) =>
        Array.isArray(l.EventsFailed) ? l.EventsFailed.length === 2 : l.EventsFailed === 2,
      ),
    ).toBe(true);
    const lastReceive = logLines().find(
      (l) => l.message === 'last allowed receive failed: the message goes to the DLQ',
    );
    expect(lastReceive?.correlation_id).toBe('corr-last');
  });

  it('puts service and a correlation id on every log line, the envelope’s inside a record', async () => {
    // Prepare
    const context = lambdaContext('metricsTest');

    // Act
    await metricsTest.handler(
      { Records: [record('OrderShipped', 'corr-1', 1), sqsRecord('not json', 1)] },
      context,
    );

    // Assess
    const logged = logLines();
    expect(logged.length).toBeGreaterThan(1);
    for (const line of logged) {
      expect(line.service).toBeTypeOf('string');
      expect(line.correlation_id).toBeTypeOf('string');
    }
    expect(logged.find((l) => l.message === 'event applied')?.correlation_id).toBe('corr-1');
    expect(logged.find((l) => String(l.message).startsWith('malformed message'))?.correlation_id).toBe(
      context.awsRequestId,
    );
  });
});
