/**
 * The coupon, its per-customer counter and its redemption records. This module owns their keys and
 * stored shapes; every access pattern is a named function and every write carries a condition.
 *
 * | item                     | pk              | sk                              |
 * |--------------------------|-----------------|---------------------------------|
 * | coupon                   | COUPON#<CODE>   | COUPON                          |
 * | customer's counter       | COUPON#<CODE>   | CUSTOMER#<customerId>           |
 * | redemption               | COUPON#<CODE>   | REDEMPTION#<redeemedAt>#<id>    |
 * | direct idempotency       | IDEMPOTENCY#<id>| COUPON_REDEMPTION               |
 *
 * `<CODE>` is the normalised (upper-case) code. The coupon item carries `redemptions`, the live
 * count; the counter item `count`, the customer's. A redemption commits, in the caller's ONE
 * transaction (an order's intake, or a direct redemption): the coupon's `redemptions + 1` with
 * every term as its condition (active, window, currency, minimum subtotal, segment, terms unchanged
 * since read, `redemptions < maxRedemptions`), the customer's `count + 1` (`count < limit`), the
 * segment membership ConditionCheck, the redemption Put and `CouponRedeemed`. A release
 * (cancellation) flips the record REDEEMED → RELEASED with that as its condition, and takes one
 * off both counters, so a redemption is given back at most once.
 *
 * An order's redemption has the order's id and `placedAt`, so its key is derived from the order.
 *
 * The coupon item is written by every redemption of that coupon: the one serialisation point its
 * global limit needs (as invoice numbering's counter is). It is per coupon, never per request.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { emit } from '#events/emit.ts';
import { segmentMemberKey } from '#functions/segments/keys.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { queryPage } from '#shared/query-page.ts';
import type { TaggedWrite, TransactWrite } from '#shared/transactions.ts';
import { type CouponState, type CouponTerms, normaliseCode } from './rules.ts';

export const COUPON_PK_PREFIX = 'COUPON#';
export const couponPk = (code: string): string => `${COUPON_PK_PREFIX}${normaliseCode(code)}`;
export const couponKey = (code: string) => ({ pk: couponPk(code), sk: 'COUPON' }) as const;
export const customerCounterKey = (code: string, customerId: string) =>
  ({ pk: couponPk(code), sk: `CUSTOMER#${customerId}` }) as const;
export const REDEMPTION_SK_PREFIX = 'REDEMPTION#';
export const redemptionKey = (code: string, redeemedAt: string, id: string) =>
  ({ pk: couponPk(code), sk: `${REDEMPTION_SK_PREFIX}${redeemedAt}#${id}` }) as const;
export const redemptionIdempotencyKey = (id: string) =>
  ({ pk: `IDEMPOTENCY#${id}`, sk: 'COUPON_REDEMPTION' }) as const;

/** A coupon as stored (without its key attributes). */
export const CouponRecord = z.object({
  /** The code as last given (display); the key holds it normalised. */
  code: z.string(),
  kind: z.enum(['percent', 'fixed']),
  value: z.int(),
  currency: z.string().optional(),
  maxRedemptions: z.int().optional(),
  perCustomerLimit: z.int().optional(),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
  minSubtotal: z.int().optional(),
  active: z.boolean(),
  segmentId: z.string().optional(),
  /** Live redemptions: redeemed and not released. */
  redemptions: z.int(),
  /** Bumped by every change of the terms (not by redemptions). */
  version: z.int(),
  /** Who created it: staff (PUT) or the marketing system (`coupon.issued`). */
  source: z.enum(['staff', 'webhook']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CouponRecord = z.infer<typeof CouponRecord>;

export const RedemptionRecord = z.object({
  id: z.string(),
  /** Normalised code. */
  code: z.string(),
  customerId: z.string(),
  source: z.enum(['order', 'direct']),
  orderId: z.string().optional(),
  subtotal: z.int().optional(),
  discount: z.int().optional(),
  currency: z.string().optional(),
  status: z.enum(['REDEEMED', 'RELEASED']),
  redeemedAt: z.string(),
  releasedAt: z.string().optional(),
  /** The principal who redeemed (the customer, or staff for them). */
  redeemedBy: z.string(),
});
export type RedemptionRecord = z.infer<typeof RedemptionRecord>;

const CounterRecord = z.object({ count: z.int().default(0) });

export const couponFromItem = (item: unknown): CouponRecord => CouponRecord.parse(item);
export const redemptionFromItem = (item: unknown): RedemptionRecord => RedemptionRecord.parse(item);

/** The coupon by code (any case), strongly consistent. */
export async function getCoupon(code: string): Promise<CouponRecord | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: couponKey(code), ConsistentRead: true }),
  );
  return result.Item ? couponFromItem(result.Item) : undefined;
}

/** One customer's live redemptions of a coupon (0 when never redeemed), strongly consistent. */
export async function getCustomerRedemptions(code: string, customerId: string): Promise<number> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: customerCounterKey(code, customerId), ConsistentRead: true }),
  );
  return CounterRecord.parse(result.Item ?? {}).count;
}

/** Whether the customer is a member of the segment (the segments context's item). */
export async function isSegmentMember(segmentId: string, customerId: string): Promise<boolean> {
  const result = await ddb.send(
    new GetCommand({
      TableName: tableName,
      Key: segmentMemberKey(segmentId, customerId),
      ConsistentRead: true,
      ProjectionExpression: 'pk',
    }),
  );
  return result.Item !== undefined;
}

/** A coupon's redemptions, newest first; the cursor is pinned to the coupon. */
export async function listRedemptions(
  code: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: RedemptionRecord[]; nextCursor: string | null }> {
  return queryPage({
    partition: couponPk(code),
    sortKeyPrefix: REDEMPTION_SK_PREFIX,
    order: 'newest-first',
    page,
    parse: redemptionFromItem,
  });
}

const OPTIONAL_TERMS = [
  'currency',
  'maxRedemptions',
  'perCustomerLimit',
  'validFrom',
  'validUntil',
  'minSubtotal',
  'segmentId',
] as const;

/**
 * Creates a coupon (`expectedVersion` undefined: the code must be new) or replaces its terms
 * (the version read must still be current). Counters are never touched: `redemptions` starts at 0
 * and keeps its value through updates; terms left out are removed.
 */
export function saveCouponWrite(
  code: string,
  terms: CouponTerms,
  meta: { readonly source: 'staff' | 'webhook'; readonly at: string; readonly expectedVersion?: number },
): TransactWrite {
  const sets = [
    'entity = :entity',
    'code = :code',
    'kind = :kind',
    '#value = :value',
    'active = :active',
    '#source = if_not_exists(#source, :source)',
    'redemptions = if_not_exists(redemptions, :zero)',
    'version = if_not_exists(version, :zero) + :one',
    'createdAt = if_not_exists(createdAt, :at)',
    'updatedAt = :at',
  ];
  const removes: string[] = [];
  const values: Record<string, unknown> = {
    ':entity': 'Coupon',
    ':code': code,
    ':kind': terms.kind,
    ':value': terms.value,
    ':active': terms.active,
    ':source': meta.source,
    ':zero': 0,
    ':one': 1,
    ':at': meta.at,
  };
  for (const name of OPTIONAL_TERMS) {
    const value = terms[name];
    if (value === undefined) removes.push(name);
    else {
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
  }
  const created = meta.expectedVersion === undefined;
  if (!created) values[':expected'] = meta.expectedVersion;
  return {
    Update: {
      TableName: tableName,
      Key: couponKey(code),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: created ? 'attribute_not_exists(pk)' : 'version = :expected',
      ExpressionAttributeNames: { '#value': 'value', '#source': 'source' },
      ExpressionAttributeValues: values,
    },
  };
}

/** The items of a redemption's writes, each with its own answer when its condition fails. */
export const REDEMPTION_PARTS = [
  'coupon',
  'customer',
  'segment',
  'redemption',
  'idempotency',
  'outbox',
] as const;
export type RedemptionPart = (typeof REDEMPTION_PARTS)[number];
export const isRedemptionPart = (part: string): part is RedemptionPart =>
  (REDEMPTION_PARTS as readonly string[]).includes(part);

/**
 * The coupon's condition for a redemption: it exists with the terms read, applies at `now` to
 * this amount, and is below its limit. Comparing attributes (`redemptions < maxRedemptions`) keeps
 * the limit the one stored, whatever it is now.
 */
function couponCondition(
  coupon: CouponState,
  ctx: { readonly now: string; readonly subtotal?: number; readonly currency?: string },
): { expression: string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {
    ':true': true,
    ':kind': coupon.kind,
    ':value': coupon.value,
    ':now': ctx.now,
  };
  const pinned = (name: 'perCustomerLimit' | 'segmentId' | 'currency' | 'minSubtotal' | 'maxRedemptions') => {
    const value = coupon[name];
    if (value === undefined) return `attribute_not_exists(${name})`;
    values[`:${name}`] = value;
    return `${name} = :${name}`;
  };
  const parts = [
    'active = :true',
    'kind = :kind',
    '#value = :value',
    pinned('perCustomerLimit'),
    pinned('segmentId'),
    pinned('currency'),
    pinned('minSubtotal'),
    pinned('maxRedemptions'),
    '(attribute_not_exists(validFrom) OR validFrom <= :now)',
    '(attribute_not_exists(validUntil) OR validUntil > :now)',
    '(attribute_not_exists(maxRedemptions) OR redemptions < maxRedemptions)',
  ];
  if (ctx.currency !== undefined) {
    parts.push('(attribute_not_exists(currency) OR currency = :orderCurrency)');
    values[':orderCurrency'] = ctx.currency;
  }
  if (ctx.subtotal !== undefined) {
    parts.push('(attribute_not_exists(minSubtotal) OR minSubtotal <= :subtotal)');
    values[':subtotal'] = ctx.subtotal;
  } else {
    parts.push('attribute_not_exists(minSubtotal)');
  }
  return { expression: parts.join(' AND '), values };
}

export interface RedeemRequest {
  /** The coupon as read just before (its terms become the transaction's conditions). */
  readonly coupon: CouponState;
  readonly redemption: RedemptionRecord;
  readonly correlationId: string;
}

/**
 * The writes redeeming a coupon, for the caller's transaction, each tagged with its part:
 * `coupon` failing means a term or the global limit (read the coupon again to tell which),
 * `customer` the customer's limit, `segment` that the customer is not in the coupon's segment.
 */
export function redeemWrites(request: RedeemRequest): TaggedWrite<RedemptionPart>[] {
  const { coupon, redemption, correlationId } = request;
  const at = redemption.redeemedAt;
  const condition = couponCondition(coupon, {
    now: at,
    ...(redemption.subtotal === undefined ? {} : { subtotal: redemption.subtotal }),
    ...(redemption.currency === undefined ? {} : { currency: redemption.currency }),
  });
  const limit = coupon.perCustomerLimit;
  const writes: TaggedWrite<RedemptionPart>[] = [
    {
      tag: 'coupon',
      write: {
        Update: {
          TableName: tableName,
          Key: couponKey(coupon.code),
          UpdateExpression: 'SET redemptions = redemptions + :one',
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: { '#value': 'value' },
          ExpressionAttributeValues: { ...condition.values, ':one': 1 },
        },
      },
    },
    {
      tag: 'customer',
      write: {
        Update: {
          TableName: tableName,
          Key: customerCounterKey(coupon.code, redemption.customerId),
          UpdateExpression:
            'SET entity = :entity, code = :code, customerId = :customer, #count = if_not_exists(#count, :zero) + :one, updatedAt = :at',
          ...(limit === undefined
            ? {}
            : { ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit' }),
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':entity': 'CouponCustomerCounter',
            ':code': redemption.code,
            ':customer': redemption.customerId,
            ':zero': 0,
            ':one': 1,
            ':at': at,
            ...(limit === undefined ? {} : { ':limit': limit }),
          },
        },
      },
    },
  ];
  if (coupon.segmentId !== undefined) {
    writes.push({
      tag: 'segment',
      write: {
        ConditionCheck: {
          TableName: tableName,
          Key: segmentMemberKey(coupon.segmentId, redemption.customerId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    });
  }
  writes.push(
    {
      tag: 'redemption',
      write: {
        Put: {
          TableName: tableName,
          Item: {
            ...redemptionKey(redemption.code, at, redemption.id),
            entity: 'CouponRedemption',
            ...redemption,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    {
      tag: 'outbox',
      write: emit(
        'CouponRedeemed',
        {
          code: redemption.code,
          customerId: redemption.customerId,
          redemptionId: redemption.id,
          source: redemption.source,
          ...(redemption.orderId === undefined ? {} : { orderId: redemption.orderId }),
          ...(redemption.discount === undefined ? {} : { discount: redemption.discount }),
          ...(redemption.currency === undefined ? {} : { currency: redemption.currency }),
          redeemedAt: at,
        },
        { correlationId, occurredAt: at },
      ),
    },
  );
  return writes;
}

/**
 * The writes giving an order's redemption back, for the cancellation's transaction: the record
 * REDEEMED → RELEASED (its condition makes a second release impossible), one off the coupon's and
 * the customer's counters, and `CouponRedemptionReleased`.
 */
export function releaseWrites(
  redemption: {
    readonly code: string;
    readonly id: string;
    readonly redeemedAt: string;
    readonly customerId: string;
    readonly orderId?: string;
  },
  context: { readonly at: string; readonly correlationId: string },
): TransactWrite[] {
  const { at, correlationId } = context;
  const code = normaliseCode(redemption.code);
  return [
    {
      Update: {
        TableName: tableName,
        Key: redemptionKey(code, redemption.redeemedAt, redemption.id),
        UpdateExpression: 'SET #status = :released, releasedAt = :at',
        ConditionExpression: '#status = :redeemed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':released': 'RELEASED', ':redeemed': 'REDEEMED', ':at': at },
      },
    },
    {
      Update: {
        TableName: tableName,
        Key: couponKey(code),
        UpdateExpression: 'SET redemptions = redemptions - :one',
        ConditionExpression: 'redemptions >= :one',
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
    {
      Update: {
        TableName: tableName,
        Key: customerCounterKey(code, redemption.customerId),
        UpdateExpression: 'SET #count = #count - :one, updatedAt = :at',
        ConditionExpression: '#count >= :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':at': at },
      },
    },
    emit(
      'CouponRedemptionReleased',
      {
        code,
        customerId: redemption.customerId,
        redemptionId: redemption.id,
        ...(redemption.orderId === undefined ? {} : { orderId: redemption.orderId }),
        reason: 'order-cancelled',
        releasedAt: at,
      },
      { correlationId, occurredAt: at },
    ),
  ];
}

/** The number of writes `releaseWrites` returns. */
export const RELEASE_ITEMS = 4;
