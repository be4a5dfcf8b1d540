/**
 * What the coupon routes (and the `coupon.issued` webhook) do: define a coupon, read it with its
 * redemptions, and redeem it outside an order. Order redemptions go through the orders context's
 * coupon hook (functions/orders/coupons.ts), with the same `planRedemption`.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import * as z from 'zod';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { idempotencyRecordPut, idempotentId, requestHash } from '#shared/idempotency.ts';
import { contention, type TaggedWrite, type TransactWrite, transactWrite } from '#shared/transactions.ts';
import type { CouponInput, CouponRedemptionView, CouponView, DirectRedemptionInput } from './contract.ts';
import {
  type CouponRecord,
  getCoupon,
  listRedemptions,
  type RedemptionPart,
  type RedemptionRecord,
  RedemptionRecord as RedemptionSchema,
  redemptionIdempotencyKey,
  saveCouponWrite,
} from './coupons.ts';
import { planRedemption } from './redeem.ts';
import { type CouponTerms, normaliseCode, redemptionCustomer } from './rules.ts';

/** Optimistic attempts at saving a coupon another request is changing too. */
const MAX_SAVE_ATTEMPTS = 3;

const iso = (t: string | undefined): string | undefined =>
  t === undefined ? undefined : new Date(t).toISOString();

/** The terms a request sets: timestamps normalised; `active` kept on update, true on creation. */
export function termsOf(input: CouponInput, existing: CouponRecord | undefined): CouponTerms {
  return {
    kind: input.kind,
    value: input.value,
    currency: input.currency,
    maxRedemptions: input.maxRedemptions,
    perCustomerLimit: input.perCustomerLimit,
    validFrom: iso(input.validFrom),
    validUntil: iso(input.validUntil),
    minSubtotal: input.minSubtotal,
    active: input.active ?? existing?.active ?? true,
    segmentId: input.segmentId,
  };
}

export type SaveOutcome =
  | { readonly kind: 'created' | 'updated'; readonly coupon: CouponRecord }
  /** `mayReplace` said no: the existing coupon is untouched. */
  | { readonly kind: 'kept'; readonly coupon: CouponRecord }
  /** A write of `extra` had its condition fail: nothing was saved. */
  | { readonly kind: 'extra-failed' };

export interface SaveOptions {
  readonly source: 'staff' | 'webhook';
  readonly at: string;
  /** Writes committed with the coupon or not at all (the webhook's claim of its event id). */
  readonly extra?: readonly TransactWrite[];
  /** Whether an existing coupon may be replaced (the webhook leaves staff coupons alone). */
  readonly mayReplace?: (existing: CouponRecord) => boolean;
}

/** Creates or replaces a coupon's terms, optimistically on its version; counters are never touched. */
export async function saveCoupon(
  code: string,
  input: CouponInput,
  options: SaveOptions,
): Promise<SaveOutcome> {
  for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
    const existing = await getCoupon(code);
    if (existing && options.mayReplace && !options.mayReplace(existing))
      return { kind: 'kept', coupon: existing };
    const writes: TaggedWrite<'coupon' | 'extra'>[] = [
      {
        tag: 'coupon',
        write: saveCouponWrite(code, termsOf(input, existing), {
          source: options.source,
          at: options.at,
          ...(existing ? { expectedVersion: existing.version } : {}),
        }),
      },
      ...(options.extra ?? []).map((write) => ({ tag: 'extra' as const, write })),
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) {
      const saved = await getCoupon(code);
      if (!saved) throw new Error(`Coupon ${code} saved but cannot be read`);
      return { kind: existing ? 'updated' : 'created', coupon: saved };
    }
    if (outcome.failed.includes('extra')) return { kind: 'extra-failed' };
    // Created or changed by someone else since we read it: read again.
  }
  throw contention(`Coupon ${code}`);
}

/** What clients see of a coupon. */
export function couponView(coupon: CouponRecord): CouponView {
  const { code, kind, value, active, redemptions, source, version, createdAt, updatedAt } = coupon;
  const optional = <K extends keyof CouponRecord>(key: K) =>
    coupon[key] === undefined ? {} : { [key]: coupon[key] };
  return {
    code,
    kind,
    value,
    ...optional('currency'),
    ...optional('maxRedemptions'),
    ...optional('perCustomerLimit'),
    ...optional('validFrom'),
    ...optional('validUntil'),
    ...optional('minSubtotal'),
    active,
    ...optional('segmentId'),
    redemptions,
    source,
    version,
    createdAt,
    updatedAt,
  };
}

/** What clients see of a redemption: not who keyed it in. */
export function redemptionView(redemption: RedemptionRecord): CouponRedemptionView {
  const { redeemedBy: _by, ...view } = redemption;
  return view;
}

/** The coupon, or 404. */
export async function getCouponOr404(code: string): Promise<CouponRecord> {
  const coupon = await getCoupon(code);
  if (!coupon) throw notFound(`Coupon ${code}`);
  return coupon;
}

/** A page of a coupon's redemptions, newest first; 404 for an unknown coupon. */
export async function listCouponRedemptions(
  code: string,
  page: { limit: number; cursor?: string | undefined },
) {
  await getCouponOr404(code);
  const result = await listRedemptions(code, page);
  return { items: result.items.map(redemptionView), nextCursor: result.nextCursor };
}

const StoredDirect = z.object({ requestHash: z.string(), redemption: RedemptionSchema });

function replayed(item: unknown, hash: string): RedemptionRecord {
  const stored = StoredDirect.parse(item);
  if (stored.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request',
    );
  }
  return stored.redemption;
}

export interface DirectRedemptionRequest {
  readonly code: string;
  readonly principal: Principal;
  readonly input: DirectRedemptionInput;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
}

/**
 * Redeems a coupon outside an order, under the same conditions as an order's redemption, in one
 * transaction (with the idempotency record when keyed). A retry with the same key answers the
 * first redemption, even once the coupon is used up.
 */
export async function redeemDirect(
  request: DirectRedemptionRequest,
): Promise<{ created: boolean; redemption: RedemptionRecord }> {
  const { code, principal, input, idempotencyKey, correlationId } = request;
  const customerId = redemptionCustomer(principal, input.customerId);
  const hash = requestHash({ code: normaliseCode(code), customerId, ...input });
  const keyedId = idempotencyKey
    ? idempotentId('coupon-redemption', principal.sub, idempotencyKey)
    : undefined;
  const idemKey = keyedId ? redemptionIdempotencyKey(keyedId) : undefined;
  const stored = async () =>
    idemKey
      ? (await ddb.send(new GetCommand({ TableName: tableName, Key: idemKey, ConsistentRead: true }))).Item
      : undefined;

  const first = await stored();
  if (first) return { created: false, redemption: replayed(first, hash) };

  const now = new Date().toISOString();
  const plan = await planRedemption({
    code,
    customerId,
    id: keyedId ?? ulid(),
    source: 'direct',
    orderId: input.orderId,
    subtotal: input.subtotal,
    currency: input.currency,
    now,
    by: principal.sub,
    correlationId,
  });
  const writes: TaggedWrite<RedemptionPart>[] = [
    ...(idemKey
      ? [
          {
            tag: 'idempotency' as const,
            write: idempotencyRecordPut(tableName, idemKey, {
              requestHash: hash,
              at: now,
              first: { redemption: plan.redemption },
            }),
          },
        ]
      : []),
    ...plan.writes,
  ];
  const outcome = await transactWrite(ddb, writes);
  if (outcome.ok) return { created: true, redemption: plan.redemption };
  if (outcome.failed.includes('idempotency')) {
    const winner = await stored();
    if (winner) return { created: false, redemption: replayed(winner, hash) };
  }
  throw await plan.refusal(outcome.failed);
}
