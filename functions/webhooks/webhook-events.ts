/**
 * The received-webhook item: the dedupe record of an event id and the record of what was done with
 * it. This module owns its keys and stored shape.
 *
 * | item          | pk              | sk        | gsi2pk                      | gsi2sk                  |
 * |---------------|-----------------|-----------|-----------------------------|-------------------------|
 * | webhook event | WEBHOOK#<id>    | WEBHOOK   | WEBHOOK#RECORDED#<type> (1) | <receivedAt>#<id> (1)   |
 *
 * (1) only on events recorded and not applied, so they can be listed by type and applied later
 * (`coupon.issued` events received before coupons existed: `applyRecordedCoupons`, which removes
 * them from the index as it settles each).
 *
 * It is written with `attribute_not_exists(pk)` in the SAME transaction as the event's effect: the
 * first delivery of an id commits both, every later one (a replay, or one of ten racing copies)
 * fails that condition and commits nothing. `expiresAt` (TTL) keeps ids for `DEDUPE_DAYS`.
 */
import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { RecordedReason } from './contract.ts';

/** Days an event id is remembered: replays within them change nothing. The contract promises ≥ 7. */
export const DEDUPE_DAYS = 30;

export const WEBHOOK_PK_PREFIX = 'WEBHOOK#';
export const webhookEventKey = (id: string) => ({ pk: `${WEBHOOK_PK_PREFIX}${id}`, sk: 'WEBHOOK' }) as const;
export const recordedByTypePk = (type: string): string => `WEBHOOK#RECORDED#${type}`;

export const WebhookEventRecord = z.object({
  id: z.string(),
  type: z.string(),
  outcome: z.enum(['applied', 'recorded']),
  reason: RecordedReason.optional(),
  customerId: z.string().optional(),
  /** The coupon an applied `coupon.issued` saved. */
  couponCode: z.string().optional(),
  /** The event's `data` as the sender sent it (JSON text: any shape, stored as is). */
  data: z.string(),
  /** SHA-256 of the raw body: a replay with another body is logged. */
  bodyHash: z.string(),
  /** The signed `X-Webhook-Timestamp`, ISO. */
  signedAt: z.string(),
  receivedAt: z.string(),
  /** The API request that delivered it (the correlation id of what it caused). */
  requestId: z.string(),
  expiresAt: z.int(),
});
export type WebhookEventRecord = z.infer<typeof WebhookEventRecord>;

export const bodyHash = (rawBody: string): string =>
  createHash('sha256').update(rawBody, 'utf8').digest('hex');

/** Epoch seconds `DEDUPE_DAYS` after `receivedAt`. */
export const expiryOf = (receivedAt: string): number =>
  Math.floor(Date.parse(receivedAt) / 1000) + DEDUPE_DAYS * 24 * 3600;

export function webhookEventToItem(record: WebhookEventRecord) {
  return {
    ...webhookEventKey(record.id),
    entity: 'WebhookEvent',
    ...(record.outcome === 'recorded'
      ? { gsi2pk: recordedByTypePk(record.type), gsi2sk: `${record.receivedAt}#${record.id}` }
      : {}),
    ...record,
  };
}

/** The Put that claims the id: fails its condition when the id was received before. */
export function claimWebhookEvent(record: WebhookEventRecord): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: webhookEventToItem(record),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The record of an id, strongly consistent. */
export async function getWebhookEvent(id: string): Promise<WebhookEventRecord | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: webhookEventKey(id), ConsistentRead: true }),
  );
  return result.Item ? WebhookEventRecord.parse(result.Item) : undefined;
}

/** Events of a type recorded and not applied, oldest first (for applying them once their context exists). */
export async function listRecordedEvents(type: string, limit = 100): Promise<WebhookEventRecord[]> {
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': recordedByTypePk(type) },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => WebhookEventRecord.parse(item));
}

/**
 * Settles an event recorded before its type could be applied (in the transaction applying it):
 * `applied` with what it changed, or still `recorded` with a new reason. Either way it leaves the
 * by-type index, so it is settled once; the condition makes a second settlement fail.
 */
export function settleRecordedEvent(
  id: string,
  settled:
    | { readonly outcome: 'applied'; readonly couponCode: string }
    | { readonly outcome: 'recorded'; readonly reason: RecordedReason },
  previousReason: RecordedReason,
): TransactWrite {
  const applied = settled.outcome === 'applied';
  return {
    Update: {
      TableName: tableName,
      Key: webhookEventKey(id),
      UpdateExpression: applied
        ? 'SET outcome = :outcome, couponCode = :code REMOVE reason, gsi2pk, gsi2sk'
        : 'SET reason = :reason REMOVE gsi2pk, gsi2sk',
      ConditionExpression: 'outcome = :recorded AND reason = :previous',
      ExpressionAttributeValues: {
        ':recorded': 'recorded',
        ':previous': previousReason,
        ...(applied ? { ':outcome': 'applied', ':code': settled.couponCode } : { ':reason': settled.reason }),
      },
    },
  };
}
