/**
 * Loyalty points from order events, and the account a customer reads. Each event handler reads the
 * order, its loyalty record and the balance, then returns ONE posting (balance, entries, events)
 * with the order record at its next version, for the consumer framework to commit with its marker.
 * The rules are rules.ts's; once-per-order guards are the order record's (ledger.ts).
 *
 * - `OrderDelivered` → earn: once per order, from the order's total paid.
 * - `CreditNoteIssued` (reason `return`) → reverse: proportional to the net amount credited,
 *   capped at the balance (the shortfall is recorded). A return's credit is issued only for a
 *   delivered order; if its earn was not applied yet (SQS gives no order between queues'
 *   events), the earn is posted first, in the same transaction, and the later `OrderDelivered`
 *   finds it done.
 * - `OrderCancelled` → refund: the points the order spent, once per order.
 */
import { ulid } from 'ulid';
import type { EventOf } from '#events/catalog.ts';
import type { ConsumerTx } from '#events/consumer.ts';
import { getOrder, type Order } from '#functions/orders/orders.ts';
import type { Principal } from '#shared/auth.ts';
import { logger } from '#shared/observability.ts';
import { visibleTo } from '#shared/ownership.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import {
  getBalance,
  getLoyaltyOrder,
  type LedgerEntry,
  type LoyaltyOrder,
  listLedger,
  loyaltyOrderPut,
  newLoyaltyOrder,
  postingWrites,
} from './ledger.ts';
import { cappedReversal, type LoyaltyChange, pointsEarned, reversalDue } from './rules.ts';

/** The order named by an event; it was written before the event, so missing is a fault. */
async function requireOrder(orderId: string, eventId: string): Promise<Order> {
  const order = await getOrder(orderId);
  if (!order) throw new Error(`Order ${orderId} of event ${eventId} does not exist`);
  return order;
}

/**
 * One transaction's writes: the changes posted to the customer's balance as read now, and the
 * order record at its next version (both conditioned on what was read).
 */
async function commit(
  record: LoyaltyOrder,
  plan: (balance: number) => { changes: LoyaltyChange[]; record: LoyaltyOrder },
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const read = await getBalance(record.customerId);
  const planned = plan(read.balance);
  const posting = postingWrites({
    customerId: record.customerId,
    read,
    changes: planned.changes,
    at: tx.now,
    newId: ulid,
    emitChanged: (data) => tx.emit('LoyaltyPointsChanged', data),
  });
  return [...posting.writes, loyaltyOrderPut({ ...planned.record, version: record.version })];
}

/** The earn of a delivered order: its record with `earned` and `basis` set, and the change. */
function earning(order: Order, record: LoyaltyOrder): { changes: LoyaltyChange[]; record: LoyaltyOrder } {
  const earned = pointsEarned(order.total, order.currency);
  return {
    changes: earned > 0 ? [{ kind: 'earn', points: earned, orderId: order.id }] : [],
    record: { ...record, earned, basis: order.total },
  };
}

/** `OrderDelivered` → the order's points, unless it earned already. */
export async function earnForDelivery(
  event: EventOf<'OrderDelivered'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { orderId, customerId } = event.data;
  const record = (await getLoyaltyOrder(customerId, orderId)) ?? newLoyaltyOrder(customerId, orderId);
  if (record.earned !== undefined) {
    logger.info('order already earned its points: nothing to do', { orderId });
    return [];
  }
  const order = await requireOrder(orderId, event.id);
  return commit(record, () => earning(order, record), tx);
}

/** `CreditNoteIssued` for a return → the points its credit takes back (earning first if needed). */
export async function reverseForReturn(
  event: EventOf<'CreditNoteIssued'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { orderId, customerId, returnId, reason } = event.data;
  if (reason !== 'return' || returnId === undefined) return [];
  const read = (await getLoyaltyOrder(customerId, orderId)) ?? newLoyaltyOrder(customerId, orderId);
  if (read.returns[returnId] !== undefined) {
    logger.info('return already reversed: nothing to do', { orderId, returnId });
    return [];
  }
  let before: { changes: LoyaltyChange[]; record: LoyaltyOrder } = { changes: [], record: read };
  if (read.earned === undefined) {
    const order = await requireOrder(orderId, event.id);
    if (order.status !== 'DELIVERED') {
      // Credits for returns follow deliveries; anything else is a fault to retry, not to guess.
      throw new Error(`Return ${returnId} credited for order ${orderId} in status ${order.status}`);
    }
    before = earning(order, read);
  }
  // Credit-note amounts are negative: the net credited is −(subtotal − discount).
  const creditedNet = Math.max(0, -(event.data.subtotal - event.data.discount));
  return commit(
    read,
    (balance) => {
      const record = before.record;
      const earned = record.earned ?? 0;
      const credited = record.credited + creditedNet;
      const dueInAll = reversalDue(earned, record.basis ?? 0, credited);
      const due = Math.max(0, dueInAll - record.reversedDue);
      const available = balance + before.changes.reduce((sum, c) => sum + c.points, 0);
      const { taken, shortfall } = cappedReversal(due, available);
      const reverse: LoyaltyChange[] =
        due > 0
          ? [
              {
                kind: 'reverse',
                points: taken === 0 ? 0 : -taken,
                orderId,
                returnId,
                ...(shortfall > 0 ? { shortfall } : {}),
              },
            ]
          : [];
      if (shortfall > 0) logger.info('reversal short of points: the rest is written off', { shortfall });
      return {
        changes: [...before.changes, ...reverse],
        record: {
          ...record,
          credited,
          reversedDue: record.reversedDue + due,
          reversed: record.reversed + taken,
          returns: { ...record.returns, [returnId]: taken },
        },
      };
    },
    tx,
  );
}

/** `OrderCancelled` → the points the order spent, given back once. */
export async function refundForCancellation(
  event: EventOf<'OrderCancelled'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { orderId, customerId } = event.data;
  const order = await requireOrder(orderId, event.id);
  const spent = order.loyaltyPoints ?? 0;
  if (spent === 0) return [];
  const record = (await getLoyaltyOrder(customerId, orderId)) ?? newLoyaltyOrder(customerId, orderId);
  if (record.refunded !== undefined) {
    logger.info('cancellation already refunded: nothing to do', { orderId });
    return [];
  }
  return commit(
    record,
    () => ({
      changes: [{ kind: 'refund', points: spent, orderId }],
      record: { ...record, refunded: spent },
    }),
    tx,
  );
}

/** A customer's loyalty account: balance and one page of the ledger, newest first. */
export interface LoyaltyAccount {
  readonly customerId: string;
  readonly balance: number;
  readonly items: LedgerEntry[];
  readonly nextCursor: string | null;
}

/** The account of `customerId` for the principal: themselves or staff; anyone else 404. */
export async function loyaltyFor(
  principal: Principal,
  customerId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<LoyaltyAccount> {
  visibleTo(principal, customerId, (id) => id, `Customer ${customerId}`);
  const [balance, ledger] = await Promise.all([getBalance(customerId), listLedger(customerId, page)]);
  return { customerId, balance: balance.balance, ...ledger };
}
