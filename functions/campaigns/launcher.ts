/**
 * Campaign launcher function, invoked by EventBridge Scheduler (the one-time schedule set when the
 * campaign was created) with `{ campaignId }`. A thrown error makes the scheduler retry.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, observed } from '#shared/observability.ts';
import { type LaunchOutcome, launchCampaign } from './launch.ts';

export const handler = observed('timer', async (payload: unknown): Promise<{ outcome: LaunchOutcome }> => {
  // The launch's events carry `campaign-<id>` as their correlation id (launch.ts): so do its logs.
  const campaignId = (payload as { campaignId?: unknown } | null)?.campaignId;
  if (typeof campaignId === 'string') logger.setCorrelationId(`campaign-${campaignId}`);
  const outcome = await launchCampaign(payload);
  metrics.addMetric(
    outcome === 'started' ? 'CampaignsStarted' : 'CampaignTimersSkipped',
    MetricUnit.Count,
    1,
  );
  return { outcome };
});
