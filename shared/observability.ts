/**
 * Powertools instances, created once per container (module scope) and shared by every handler
 * in the bundle, and the one middleware stack every Lambda handler is wrapped in (`observed`).
 * Service name and namespace come from the environment the topology sets.
 *
 * - `logger`: Powertools' log structure, PII masked (log-masking.ts). Every line carries `service`
 *   and `correlation_id`: `observed` sets the invocation's own id first, then the HTTP edge, the
 *   consumers, the publisher and the timers replace it with the request's or the envelope's.
 * - `metrics`: the function's technical metrics (`service` = the function's service name).
 * - business metrics (`recordBusinessMetric`): the catalogue in business-metrics.ts, namespace
 *   `Storeline`, dimension `service=storeline` whichever function records them.
 *
 * No Powertools Tracer: measured in docs/operations.md ("Logs, traces and correlation"), it adds
 * ~124 KB (aws-xray-sdk-core) to every bundle, which would put every function over the 200 KB budget.
 * Lambda's active tracing still records each invocation and its AWS SDK calls' timing in X-Ray.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  type BreakdownOf,
  BUSINESS_SERVICE,
  type BusinessMetricName,
  type BusinessMetricPoint,
  businessMetrics,
  METRICS_NAMESPACE,
} from './business-metrics.ts';
import { MaskingLogFormatter } from './log-masking.ts';

export const logger = new Logger({ logFormatter: new MaskingLogFormatter() });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Storeline' });
/** The business metrics' sink: its default dimension is `service=storeline`, whatever the function. */
const business = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: BUSINESS_SERVICE });

/** Business metric values recorded in this invocation, by name and breakdown value ('' for none). */
const pendingBusiness = new Map<string, { name: BusinessMetricName; breakdown?: string; value: number }>();

type BreakdownArg<N extends BusinessMetricName> = [BreakdownOf<N>] extends [never]
  ? []
  : [breakdown: BreakdownOf<N>];

/**
 * Records a business metric (see the catalogue); the `observed` middleware flushes it at the end
 * of the invocation, failed or not. A metric with a breakdown dimension takes one of its values.
 */
export function recordBusinessMetric<N extends BusinessMetricName>(
  name: N,
  value: number,
  ...breakdown: BreakdownArg<N>
): void {
  const by = breakdown[0] as string | undefined;
  const key = `${name}|${by ?? ''}`;
  const found = pendingBusiness.get(key);
  if (found) found.value += value;
  else pendingBusiness.set(key, { name, value, ...(by === undefined ? {} : { breakdown: by }) });
}

/** Records a point (a value with its breakdown), as `recordBusinessMetric` does. */
export function recordBusinessMetricPoint(point: BusinessMetricPoint): void {
  const record = recordBusinessMetric as (
    name: BusinessMetricName,
    value: number,
    breakdown?: string,
  ) => void;
  if (point.breakdown === undefined) record(point.name, point.value);
  else record(point.name, point.value, point.breakdown);
}

/**
 * Writes the recorded business metrics as EMF lines: one for those without a breakdown, one per
 * breakdown value (a dimension set per document). Called by `observed`; exported for tests.
 */
export function flushBusinessMetrics(): void {
  if (pendingBusiness.size === 0) return;
  for (const { name, breakdown, value } of pendingBusiness.values()) {
    const spec = businessMetrics[name];
    const unit = spec.unit === 'Count' ? MetricUnit.Count : MetricUnit.NoUnit;
    if (breakdown !== undefined && 'dimension' in spec) {
      const single = business.singleMetric();
      single.addDimension(spec.dimension.name, breakdown);
      single.addMetric(name, unit, value);
    } else business.addMetric(name, unit, value);
  }
  pendingBusiness.clear();
  if (business.hasStoredMetrics()) business.publishStoredMetrics();
}

/** The coupon refusals `CouponRejections` breaks down by (the codes the edge answers). */
const COUPON_REFUSALS: ReadonlySet<string> = new Set(businessMetrics.CouponRejections.dimension.values);

/**
 * Counts a coupon refusal answered at the edge (an order or a direct redemption): its error code
 * is the breakdown. Other codes count nothing.
 */
export function recordCouponRejection(code: string | undefined): void {
  if (code !== undefined && COUPON_REFUSALS.has(code))
    recordBusinessMetric('CouponRejections', 1, code as BreakdownOf<'CouponRejections'>);
}

/** What invokes a handler: shapes nothing, but names the handler in tests and logs. */
export type HandlerKind = 'http' | 'consumer' | 'stream' | 'schedule' | 'timer' | 'sns';

/** Set on every handler `observed` wraps (a test checks every topology entry's handler has it). */
export const OBSERVED_KIND = 'observedKind';

export type ObservedHandler<E, R> = ((event: E, context: Context) => Promise<R>) & {
  readonly [OBSERVED_KIND]: HandlerKind;
};

/**
 * The service metrics of this invocation, written when there are any. Powertools' own `logMetrics`
 * middleware warns on every invocation that recorded none (most consumer and timer invocations),
 * a log line per invocation in production for nothing; dimensions added for an invocation that
 * recorded no metric are cleared so the next one starts clean.
 */
function flushServiceMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  else metrics.clearDimensions();
}

/** The default correlation id (the invocation's) and the service and business metrics flushes. */
const observation = (kind: HandlerKind): MiddlewareObj => ({
  before: (request) => {
    pendingBusiness.clear();
    logger.appendKeys({ handler_kind: kind });
    logger.setCorrelationId(request.context.awsRequestId);
  },
  after: () => {
    flushServiceMetrics();
    flushBusinessMetrics();
  },
  onError: () => {
    flushServiceMetrics();
    flushBusinessMetrics();
  },
});

/**
 * The one middleware stack of every Lambda handler: the logger's Lambda context (cold start,
 * function request id; state cleared per invocation), a correlation id, the service metrics flush
 * and the business metrics flush. The wrapped handler answers every kind of invocation the same.
 */
export function observed<E, R>(
  kind: HandlerKind,
  core: (event: E, context: Context) => Promise<R>,
): ObservedHandler<E, R> {
  const handler = middy<E, R>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(observation(kind))
    .handler(core);
  return Object.assign(handler as unknown as (event: E, context: Context) => Promise<R>, {
    [OBSERVED_KIND]: kind,
  });
}
