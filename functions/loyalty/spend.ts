/**
 * Spending points at checkout: what the orders context's loyalty hook
 * (`functions/orders/loyalty.ts`) asks of this context. It reads the balance, prices the points
 * (rules.ts) and returns the posting's writes — the balance update (condition: the sequence read
 * and a balance of at least the points), the spend entry and its `LoyaltyPointsChanged` — for the
 * order's own transaction, so the points are spent if and only if the order is placed. It never
 * throws a refusal: intake first checks whether the order was already placed (a retry).
 */
import { ulid } from 'ulid';
import { emit } from '#events/emit.ts';
import { AppError } from '#shared/errors.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { getBalance, postingWrites } from './ledger.ts';
import { SPEND_WRITES, spendValue } from './rules.ts';

export { SPEND_WRITES };

export interface SpendRequest {
  readonly customerId: string;
  readonly orderId: string;
  readonly points: number;
  /** What the order still costs after its coupon, in minor units. */
  readonly due: number;
  readonly currency: string;
  readonly at: string;
  readonly correlationId: string;
}

export type SpendPlan =
  | { readonly ok: true; readonly value: number; readonly writes: readonly TransactWrite[] }
  | { readonly ok: false; readonly refusal: AppError };

/** The spend of `points` on an order, or why it is refused (nothing is read beyond the balance). */
export async function planSpend(request: SpendRequest): Promise<SpendPlan> {
  const { customerId, orderId, points, due, currency, at, correlationId } = request;
  let value: number;
  try {
    value = spendValue(points, due, currency).value;
  } catch (error) {
    if (error instanceof AppError) return { ok: false, refusal: error };
    throw error;
  }
  const read = await getBalance(customerId);
  if (read.balance < points) {
    return {
      ok: false,
      refusal: new AppError(
        'INSUFFICIENT_POINTS',
        `The order spends ${points} loyalty points; the balance is ${read.balance}`,
        { balance: read.balance },
      ),
    };
  }
  const { writes } = postingWrites({
    customerId,
    read,
    changes: [{ kind: 'spend', points: -points, orderId }],
    at,
    newId: ulid,
    emitChanged: (data) => emit('LoyaltyPointsChanged', data, { correlationId, occurredAt: at }),
  });
  return { ok: true, value, writes };
}
