/**
 * SLA alarm function, invoked by EventBridge Scheduler (one-time schedules the SLA timers consumer
 * sets) with a timer payload. A thrown error makes the scheduler retry (its retry policy).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { logger, metrics } from '#shared/observability.ts';
import { type AlarmOutcome, raiseSlaAlarm } from './alarms.ts';

export const handler = middy<unknown, { outcome: AlarmOutcome }>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  .handler(async (payload) => {
    const outcome = await raiseSlaAlarm(payload);
    metrics.addMetric(outcome === 'emitted' ? 'SlaAlarmsRaised' : 'SlaAlarmsSkipped', MetricUnit.Count, 1);
    return { outcome };
  });
