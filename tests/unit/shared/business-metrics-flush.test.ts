/**
 * `recordBusinessMetric` and the `observed` flush: the recorded values leave as CloudWatch EMF lines
 * in the `Storeline` namespace with `service=storeline`, one document per breakdown value, summed
 * per invocation, and nothing is printed when nothing was recorded.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
const { flushBusinessMetrics, observed, recordBusinessMetric } = await import('#shared/observability.ts');

interface Emf {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

let out: string[] = [];
beforeEach(() => {
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

/** The EMF documents printed in the Storeline namespace with the business service dimension. */
const businessDocuments = (): Emf[] =>
  out
    .map((line) => JSON.parse(line) as Emf)
    .filter(
      (doc) => doc._aws?.CloudWatchMetrics?.[0]?.Namespace === 'Storeline' && doc.service === 'storeline',
    );

describe('business metrics flush', () => {
  it('sums values per metric and breakdown, one EMF document per breakdown value', () => {
    // Act
    recordBusinessMetric('OrdersPlaced', 1);
    recordBusinessMetric('OrdersPlaced', 1);
    recordBusinessMetric('OrderValue', 4848, 'EUR');
    recordBusinessMetric('OrderValue', 152, 'EUR');
    recordBusinessMetric('OrderValue', 1000, 'USD');
    flushBusinessMetrics();

    // Assess
    const docs = businessDocuments();
    expect(docs.find((d) => 'OrdersPlaced' in d)?.OrdersPlaced).toBe(2);
    const values = docs.filter((d) => 'OrderValue' in d).map((d) => [d.currency, d.OrderValue]);
    expect(values.sort()).toEqual([
      ['EUR', 5000],
      ['USD', 1000],
    ]);
    for (const doc of docs.filter((d) => 'OrderValue' in d)) {
      expect(doc._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
        expect.arrayContaining(['service', 'currency']),
      );
    }
  });

  it('prints nothing when nothing was recorded', () => {
    flushBusinessMetrics();
    expect(businessDocuments()).toEqual([]);
  });

  it('observed() flushes what the handler recorded, also when it fails', async () => {
    // Prepare
    const ok = observed('schedule', async () => {
      recordBusinessMetric('DlqArrivals', 3);
      return 'done';
    });
    const failing = observed('schedule', async () => {
      recordBusinessMetric('WebhooksRefused', 1, 'signature');
      throw new Error('boom');
    });

    // Act
    await ok({}, lambdaContext('ops'));
    await expect(failing({}, lambdaContext('ops'))).rejects.toThrow('boom');

    // Assess
    const docs = businessDocuments();
    expect(docs.find((d) => 'DlqArrivals' in d)?.DlqArrivals).toBe(3);
    expect(docs.find((d) => 'WebhooksRefused' in d)).toMatchObject({
      WebhooksRefused: 1,
      reason: 'signature',
    });
  });
});
