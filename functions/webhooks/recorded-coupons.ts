/**
 * Applies the `coupon.issued` events recorded before coupons existed (reason
 * `coupons-not-available`, listed by type on gsi2): each becomes the coupon it describes, exactly
 * as if it arrived now (`receive.ts`), in one transaction with the settlement of its record, so a
 * re-run (or two at once) applies each event once. Events whose terms the coupon rules refuse stay
 * recorded with reason `invalid-coupon`. Every settled event leaves the by-type index. Run by
 * `node scripts/apply-recorded-coupons.ts` once after deploying coupons.
 *
 * The index is in `receivedAt` order and every such event was received before coupons existed, so
 * they come first: a page that starts with any other is the end of them.
 */
import { CouponInput } from '#functions/coupons/contract.ts';
import { saveCoupon } from '#functions/coupons/service.ts';
import { ddb } from '#shared/ddb.ts';
import { logger } from '#shared/observability.ts';
import { transactWrite } from '#shared/transactions.ts';
import { CouponIssuedData } from './contract.ts';
import { listRecordedEvents, settleRecordedEvent, type WebhookEventRecord } from './webhook-events.ts';

const OLD_REASON = 'coupons-not-available' as const;

export interface BackfillReport {
  readonly applied: string[];
  /** Codes staff had created meanwhile: left alone (reason `coupon-exists`). */
  readonly kept: string[];
  /** Event ids whose data is not a valid coupon, settled without a coupon. */
  readonly invalid: string[];
}

async function applyOne(event: WebhookEventRecord, report: BackfillReport): Promise<void> {
  const data = CouponIssuedData.safeParse(JSON.parse(event.data));
  const { code, ...terms } = data.success ? data.data : { code: undefined };
  const input = code === undefined ? undefined : CouponInput.safeParse(terms);
  if (code === undefined || !input?.success) {
    await transactWrite(ddb, [
      {
        tag: 'record',
        write: settleRecordedEvent(event.id, { outcome: 'recorded', reason: 'invalid-coupon' }, OLD_REASON),
      },
    ]);
    report.invalid.push(event.id);
    return;
  }
  const saved = await saveCoupon(code, input.data, {
    source: 'webhook',
    at: event.receivedAt,
    extra: [settleRecordedEvent(event.id, { outcome: 'applied', couponCode: code }, OLD_REASON)],
    mayReplace: (existing) => existing.source === 'webhook',
  });
  if (saved.kind === 'kept') {
    await transactWrite(ddb, [
      {
        tag: 'record',
        write: settleRecordedEvent(event.id, { outcome: 'recorded', reason: 'coupon-exists' }, OLD_REASON),
      },
    ]);
    report.kept.push(code);
  } else if (saved.kind !== 'extra-failed') {
    report.applied.push(code);
  }
  // extra-failed: another run settled it first.
}

/** Applies every recorded `coupon.issued`, oldest first, until none is left in the index. */
export async function applyRecordedCoupons(): Promise<BackfillReport> {
  const report: BackfillReport = { applied: [], kept: [], invalid: [] };
  for (;;) {
    const recorded = await listRecordedEvents('coupon.issued');
    const page = recorded.filter((e) => e.reason === OLD_REASON);
    if (page.length === 0) break;
    for (const event of page) await applyOne(event, report);
  }
  logger.info('recorded coupons applied', { ...report });
  return report;
}
