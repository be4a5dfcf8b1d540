/**
 * A campaign's send time came: its one-time timer invokes the launcher with `{ campaignId }`. In
 * one transaction the campaign goes `SCHEDULED` → `SENDING` and `CampaignPageDue` for page 0 goes
 * to the outbox; the sender consumer takes it from there, page by page. A second firing, a
 * cancelled campaign or an unknown one writes nothing.
 */
import * as z from 'zod';
import { emit } from '#events/emit.ts';
import { ddb } from '#shared/ddb.ts';
import { logger } from '#shared/observability.ts';
import { transactWrite } from '#shared/transactions.ts';
import { startSendingUpdate } from './campaigns.ts';

export const CampaignTimerPayload = z.object({ campaignId: z.string().min(1).max(64) });
export type CampaignTimerPayload = z.infer<typeof CampaignTimerPayload>;

/** `stale`: not scheduled any more (sent, sending, cancelled, or unknown); `invalid`: not a payload. */
export type LaunchOutcome = 'started' | 'stale' | 'invalid';

export async function launchCampaign(
  payload: unknown,
  now: string = new Date().toISOString(),
): Promise<LaunchOutcome> {
  const parsed = CampaignTimerPayload.safeParse(payload);
  if (!parsed.success) {
    logger.error('not a campaign timer payload: dropped', { issues: z.prettifyError(parsed.error) });
    return 'invalid';
  }
  const { campaignId } = parsed.data;
  const outcome = await transactWrite(ddb, [
    { write: startSendingUpdate(campaignId, now), tag: 'campaign' as const },
    {
      write: emit(
        'CampaignPageDue',
        { campaignId, page: 0 },
        { correlationId: `campaign-${campaignId}`, occurredAt: now },
      ),
      tag: 'event' as const,
    },
  ]);
  if (outcome.ok) {
    logger.info('campaign sending started', { campaignId });
    return 'started';
  }
  logger.info('campaign timer fired for a campaign not scheduled: nothing started', { campaignId });
  return 'stale';
}
