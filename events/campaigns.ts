/**
 * Campaign events (source `storeline.campaigns`). A campaign is sent to a segment's members page by
 * page (functions/campaigns/): each page's delivery is chained to the next by `CampaignPageDue`,
 * emitted through the outbox in the transaction that records the page, so a crash between pages
 * loses nothing and a redelivered page sends nobody twice.
 */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';

export const CampaignPageDueV1 = envelopeOf(
  'CampaignPageDue',
  1,
  z.object({
    campaignId: z.string(),
    /** 0-based number of the page of members to send to; must be the campaign's next page. */
    page: z.int().min(0),
    /** Where in the segment's members the page starts (an opaque key); none: from the first. */
    cursor: z.string().optional(),
  }),
);
