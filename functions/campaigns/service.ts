/**
 * Staff operations on campaigns: create (schedule its send-time timer), cancel (delete it).
 *
 * Creating sets the timer BEFORE storing the campaign: a timer whose campaign was never stored
 * fires, finds nothing scheduled and writes nothing, while a stored campaign without its timer
 * would never be sent. A retry with the same `Idempotency-Key` lands on the same id and sets the
 * timer again (idempotent), so a request that failed between the two steps is repaired by its retry.
 */
import { ulid } from 'ulid';
import { getSegment } from '#functions/segments/segments.ts';
import { AppError } from '#shared/errors.ts';
import { idempotentId, requestHash } from '#shared/idempotency.ts';
import { logger } from '#shared/observability.ts';
import { cancelTimer, setTimer, type Timer, timerFromEnv } from '#shared/timers.ts';
import {
  type Campaign,
  cancelCampaignRecord,
  emptyCounts,
  getCampaign,
  putNewCampaign,
} from './campaigns.ts';
import type { CampaignInput } from './contract.ts';

/** The topology's timer of the campaigns function (`timers: [{ name: 'campaignSends', … }]`). */
export const CAMPAIGN_TIMER = 'campaignSends';

let timer: Timer | undefined;
const campaignTimer = () => {
  timer ??= timerFromEnv(CAMPAIGN_TIMER);
  return timer;
};

/** The schedule name of a campaign's send time (a ULID-length id keeps it within 64 characters). */
export const campaignTimerName = (id: string) => `campaign-${id}`;

export async function createCampaign(request: {
  readonly input: CampaignInput;
  readonly by: string;
  readonly idempotencyKey?: string | undefined;
  readonly now?: string;
}): Promise<Campaign> {
  const { input, by, idempotencyKey } = request;
  const now = request.now ?? new Date().toISOString();
  if (!(await getSegment(input.segmentId))) {
    throw new AppError('VALIDATION_FAILED', `body.segmentId: segment ${input.segmentId} does not exist`, {
      errors: [{ path: 'body.segmentId', message: 'No such segment' }],
    });
  }
  const hash = idempotencyKey === undefined ? undefined : requestHash(input);
  const id = idempotencyKey === undefined ? ulid() : idempotentId('campaign', by, idempotencyKey);
  const campaign: Campaign = {
    id,
    name: input.name,
    channel: input.channel,
    segmentId: input.segmentId,
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    template: input.template,
    ...(input.couponCode === undefined ? {} : { couponCode: input.couponCode }),
    sendAt: new Date(input.sendAt).toISOString(),
    status: 'SCHEDULED',
    page: 0,
    counts: emptyCounts(),
    createdAt: now,
    createdBy: by,
    updatedAt: now,
    ...(hash === undefined ? {} : { requestHash: hash }),
  };
  if (hash !== undefined) {
    const existing = await getCampaign(id);
    if (existing) return retried(existing, hash);
  }
  await setTimer(campaignTimer(), campaignTimerName(id), new Date(campaign.sendAt), { campaignId: id });
  if (await putNewCampaign(campaign)) {
    logger.info('campaign scheduled', {
      campaignId: id,
      segmentId: input.segmentId,
      sendAt: campaign.sendAt,
    });
    return campaign;
  }
  // Raced by a concurrent retry with the same key.
  const existing = await getCampaign(id);
  if (!existing || hash === undefined) throw new Error(`Campaign ${id} exists but cannot be read`);
  return retried(existing, hash);
}

/** A retry's answer: the campaign as it is now, its timer set again while still scheduled. */
async function retried(existing: Campaign, hash: string): Promise<Campaign> {
  if (existing.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request',
    );
  }
  if (existing.status === 'SCHEDULED') {
    await setTimer(campaignTimer(), campaignTimerName(existing.id), new Date(existing.sendAt), {
      campaignId: existing.id,
    });
  }
  return existing;
}

/** Cancels the campaign, then deletes its timer (one that still fires finds it cancelled). */
export async function cancelCampaign(id: string, now: string = new Date().toISOString()): Promise<Campaign> {
  const cancelled = await cancelCampaignRecord(id, now);
  await cancelTimer(campaignTimer(), campaignTimerName(id));
  logger.info('campaign cancelled', { campaignId: id });
  return cancelled;
}
