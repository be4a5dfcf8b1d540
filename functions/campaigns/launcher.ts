/**
 * Campaign launcher function, invoked by EventBridge Scheduler (the one-time schedule set when the
 * campaign was created) with `{ campaignId }`. A thrown error makes the scheduler retry.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { logger, metrics } from '#shared/observability.ts';
import { type LaunchOutcome, launchCampaign } from './launch.ts';

export const handler = middy<unknown, { outcome: LaunchOutcome }>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics))
  .handler(async (payload) => {
    const outcome = await launchCampaign(payload);
    metrics.addMetric(
      outcome === 'started' ? 'CampaignsStarted' : 'CampaignTimersSkipped',
      MetricUnit.Count,
      1,
    );
    return { outcome };
  });
