/**
 * The campaign entity and its deliveries: keys, stored shapes, reads and every write.
 *
 * | item      | pk                    | sk                     | gsi1pk     | gsi1sk              |
 * |-----------|-----------------------|------------------------|------------|---------------------|
 * | campaign  | CAMPAIGN#<id>         | CAMPAIGN               | CAMPAIGNS  | <createdAt>#<id>    |
 * | delivery  | CAMPAIGN#<id>         | DELIVERY#<customerId>  |            |                     |
 *
 * Status: `SCHEDULED` → `SENDING` (the send-time timer fired) → `SENT` (the last page recorded);
 * `CANCELLED` from `SCHEDULED` or `SENDING` (pages already sent stay sent; no further page starts).
 *
 * A delivery item is the once-guard of (campaign, customer): it is put with `attribute_not_exists`
 * BEFORE anything is sent (status `claimed`), then moved to `sent` or `failed`; a suppressed member
 * gets one too (status `suppressed`, with the reason). A claim left `claimed` (the sender died, or
 * the provider gave no answer, between the claim and the outcome) is never sent again: delivery is
 * at most once, and such a delivery counts as `unconfirmed`.
 *
 * The campaign's counts move once per page, in the transaction that records the page (conditioned
 * on the page number, so a redelivered page cannot count twice) — never per message.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { type PageRequest, queryPage } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';

export const CAMPAIGN_PK_PREFIX = 'CAMPAIGN#';
export const CAMPAIGNS_INDEX_PK = 'CAMPAIGNS';
export const DELIVERY_SK_PREFIX = 'DELIVERY#';
export const campaignKey = (id: string) => ({ pk: `${CAMPAIGN_PK_PREFIX}${id}`, sk: 'CAMPAIGN' }) as const;
export const deliveryKey = (campaignId: string, customerId: string) =>
  ({ pk: `${CAMPAIGN_PK_PREFIX}${campaignId}`, sk: `${DELIVERY_SK_PREFIX}${customerId}` }) as const;

export const CampaignChannel = z.enum(['email', 'sms']);
export type CampaignChannel = z.infer<typeof CampaignChannel>;
export const CampaignStatus = z.enum(['SCHEDULED', 'SENDING', 'SENT', 'CANCELLED']);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

/** Why a member got no message. */
export const SUPPRESSION_REASONS = ['noConsent', 'optedOut', 'noAddress'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const DeliveryCounts = z.object({
  /** Members processed so far (every outcome below). */
  members: z.int().min(0),
  sent: z.int().min(0),
  failed: z.int().min(0),
  /** Claimed but with no recorded outcome (a crash or no answer from the provider): at most once. */
  unconfirmed: z.int().min(0),
  suppressed: z.object({
    noConsent: z.int().min(0),
    optedOut: z.int().min(0),
    noAddress: z.int().min(0),
  }),
});
export type DeliveryCounts = z.infer<typeof DeliveryCounts>;

export const emptyCounts = (): DeliveryCounts => ({
  members: 0,
  sent: 0,
  failed: 0,
  unconfirmed: 0,
  suppressed: { noConsent: 0, optedOut: 0, noAddress: 0 },
});

export const CampaignRecord = z.object({
  id: z.string(),
  name: z.string(),
  channel: CampaignChannel,
  segmentId: z.string(),
  subject: z.string().optional(),
  template: z.string(),
  couponCode: z.string().optional(),
  sendAt: z.string(),
  status: CampaignStatus,
  /** The next page to send (0-based) and where it starts in the members (none: from the first). */
  page: z.int().min(0),
  cursor: z.string().optional(),
  counts: DeliveryCounts,
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  cancelledAt: z.string().optional(),
  /** Fingerprint of the request that created it under an Idempotency-Key. */
  requestHash: z.string().optional(),
});
export type Campaign = z.infer<typeof CampaignRecord>;

const campaignFromItem = (item: Record<string, unknown>): Campaign => {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, entity: _e, ...rest } = item;
  return CampaignRecord.parse(rest);
};

export function campaignItem(campaign: Campaign) {
  return {
    ...campaignKey(campaign.id),
    entity: 'Campaign',
    gsi1pk: CAMPAIGNS_INDEX_PK,
    gsi1sk: `${campaign.createdAt}#${campaign.id}`,
    ...campaign,
  };
}

/** One campaign, strongly consistent. */
export async function getCampaign(id: string): Promise<Campaign | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: campaignKey(id), ConsistentRead: true }),
  );
  return Item ? campaignFromItem(Item) : undefined;
}

export async function getCampaignOrThrow(id: string): Promise<Campaign> {
  const campaign = await getCampaign(id);
  if (!campaign) throw notFound(`Campaign ${id}`);
  return campaign;
}

/** Newest first, across all campaigns (one index partition: campaigns are created by staff, rarely). */
export function listCampaigns(page: PageRequest) {
  return queryPage({
    index: 'gsi1',
    partition: CAMPAIGNS_INDEX_PK,
    order: 'newest-first',
    page,
    parse: campaignFromItem,
  });
}

/** Stores a new campaign; false when one with its id exists (an Idempotency-Key retry). */
export async function putNewCampaign(campaign: Campaign): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: campaignItem(campaign),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Cancels a campaign that is scheduled or sending; anything else is 409 `INVALID_STATE`.
 * Answers the campaign as cancelled.
 */
export async function cancelCampaignRecord(id: string, at: string): Promise<Campaign> {
  try {
    const { Attributes } = await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: campaignKey(id),
        UpdateExpression: 'SET #status = :cancelled, cancelledAt = :at, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND #status IN (:scheduled, :sending)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':cancelled': 'CANCELLED',
          ':scheduled': 'SCHEDULED',
          ':sending': 'SENDING',
          ':at': at,
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return campaignFromItem(Attributes ?? {});
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (!error.Item) throw notFound(`Campaign ${id}`);
    const status = String((error.Item.status as { S?: string } | undefined)?.S ?? '');
    throw new AppError('INVALID_STATE', `A ${status.toLowerCase()} campaign cannot be cancelled`, {
      currentStatus: status,
    });
  }
}

/**
 * The write that starts sending: `SCHEDULED` → `SENDING`, on condition that it is still scheduled
 * (a second firing of the timer, or a cancelled campaign, writes nothing).
 */
export function startSendingUpdate(id: string, at: string): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: campaignKey(id),
      UpdateExpression: 'SET #status = :sending, startedAt = :at, updatedAt = :at',
      ConditionExpression: '#status = :scheduled',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sending': 'SENDING', ':scheduled': 'SCHEDULED', ':at': at },
    },
  };
}

/**
 * The write recording page `page` as done with its tally: the page number moves on, the counts
 * grow by the tally, and the next page's cursor is stored (or removed on the last page, which also
 * makes a sending campaign `SENT`). Conditioned on the page and the status the sender saw, so a
 * redelivered or stale page, or one that raced a cancellation, commits nothing.
 */
export function pageDoneUpdate(options: {
  readonly campaignId: string;
  readonly page: number;
  readonly status: CampaignStatus;
  readonly tally: DeliveryCounts;
  readonly nextCursor: string | undefined;
  readonly last: boolean;
  readonly at: string;
}): TransactWrite {
  const { campaignId, page, status, tally, nextCursor, last, at } = options;
  const sets = [
    'page = :next',
    'updatedAt = :at',
    'counts.members = counts.members + :members',
    'counts.sent = counts.sent + :sent',
    'counts.failed = counts.failed + :failed',
    'counts.unconfirmed = counts.unconfirmed + :unconfirmed',
    'counts.suppressed.noConsent = counts.suppressed.noConsent + :noConsent',
    'counts.suppressed.optedOut = counts.suppressed.optedOut + :optedOut',
    'counts.suppressed.noAddress = counts.suppressed.noAddress + :noAddress',
  ];
  const values: Record<string, unknown> = {
    ':page': page,
    ':next': page + 1,
    ':seen': status,
    ':at': at,
    ':members': tally.members,
    ':sent': tally.sent,
    ':failed': tally.failed,
    ':unconfirmed': tally.unconfirmed,
    ':noConsent': tally.suppressed.noConsent,
    ':optedOut': tally.suppressed.optedOut,
    ':noAddress': tally.suppressed.noAddress,
  };
  if (!last && nextCursor !== undefined) {
    sets.push('#cursor = :cursor');
    values[':cursor'] = nextCursor;
  }
  if (last && status === 'SENDING') {
    sets.push('#status = :sent_status', 'completedAt = :at');
    values[':sent_status'] = 'SENT';
  }
  return {
    Update: {
      TableName: tableName,
      Key: campaignKey(campaignId),
      UpdateExpression: `SET ${sets.join(', ')}${last || nextCursor === undefined ? ' REMOVE #cursor' : ''}`,
      ConditionExpression: 'page = :page AND #status = :seen',
      ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
      ExpressionAttributeValues: values,
    },
  };
}

// ---- deliveries ----

export const DeliveryStatus = z.enum(['claimed', 'sent', 'failed', 'suppressed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const DeliveryRecord = z.object({
  campaignId: z.string(),
  customerId: z.string(),
  status: DeliveryStatus,
  channel: CampaignChannel,
  page: z.int().min(0),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  to: z.string().optional(),
  messageId: z.string().optional(),
  failure: z.string().optional(),
  claimedAt: z.string(),
  sentAt: z.string().optional(),
});
export type Delivery = z.infer<typeof DeliveryRecord>;

const deliveryFromItem = (item: Record<string, unknown>): Delivery => {
  const { pk: _pk, sk: _sk, entity: _e, ...rest } = item;
  return DeliveryRecord.parse(rest);
};

/**
 * Puts a delivery item unless one exists for (campaign, customer). Answers `{ claimed: true }`, or
 * `{ claimed: false, existing }` with the item a previous attempt left (its outcome is what counts).
 */
export async function claimDelivery(
  delivery: Delivery,
): Promise<{ claimed: true } | { claimed: false; existing: Delivery }> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...deliveryKey(delivery.campaignId, delivery.customerId),
          entity: 'CampaignDelivery',
          ...delivery,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const existing = await getDelivery(delivery.campaignId, delivery.customerId);
  if (!existing) throw new Error(`Delivery ${delivery.campaignId}/${delivery.customerId} vanished`);
  return { claimed: false, existing };
}

export async function getDelivery(campaignId: string, customerId: string): Promise<Delivery | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: deliveryKey(campaignId, customerId), ConsistentRead: true }),
  );
  return Item ? deliveryFromItem(Item) : undefined;
}

/** Records a claimed delivery's outcome (`sent` with the provider's id, or `failed` with why). */
export async function recordOutcome(
  campaignId: string,
  customerId: string,
  outcome:
    | { status: 'sent'; messageId: string; at: string }
    | { status: 'failed'; failure: string; at: string },
): Promise<void> {
  const detail =
    outcome.status === 'sent'
      ? { set: 'messageId = :detail, sentAt = :at', detail: outcome.messageId }
      : { set: 'failure = :detail', detail: outcome.failure };
  await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: deliveryKey(campaignId, customerId),
      UpdateExpression: `SET #status = :status, ${detail.set}`,
      ConditionExpression: '#status = :claimed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': outcome.status,
        ':claimed': 'claimed',
        ':detail': detail.detail,
        ...(outcome.status === 'sent' ? { ':at': outcome.at } : {}),
      },
    }),
  );
}

/** Gives a claim back when nothing was sent (the provider throttled): the page retries it. */
export async function releaseDelivery(campaignId: string, customerId: string): Promise<void> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: tableName,
        Key: deliveryKey(campaignId, customerId),
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** Every delivery of a campaign, by customer id (operations and tests; paged). */
export function listDeliveries(campaignId: string, page: PageRequest) {
  return queryPage({
    partition: campaignKey(campaignId).pk,
    sortKeyPrefix: DELIVERY_SK_PREFIX,
    order: 'oldest-first',
    page,
    parse: deliveryFromItem,
  });
}
