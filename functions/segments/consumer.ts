/**
 * The customer facts consumer: keeps one facts item per customer from the events about them and,
 * in the same transaction, judges the customer by every segment (membership.ts). Orders, their
 * cancellations and return credit notes go through a per-order contribution item (rules.ts), so
 * each takes back exactly what its order added, whatever order the events arrive in.
 *
 * The customer record carries no address (functions/customers/rules.ts `CustomerRecord`), so the
 * country fact is the shipping country of the customer's latest order. `CustomerCreated` and
 * `CustomerUpdated` read the record (customers.ts `getCustomer`) and take its consent states,
 * newest change wins, which also repairs consent if a `ConsentChanged` was ever lost.
 */
import { type ConsumerTx, consumer } from '#events/consumer.ts';
import { getCustomer } from '#functions/customers/customers.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { contributionPut, getContribution, getFacts } from './facts.ts';
import { judgedWrites, segmentsFor } from './membership.ts';
import {
  applyConsent,
  applyContribution,
  applyLoyalty,
  type CustomerFacts,
  dayOf,
  emptyContribution,
  emptyFacts,
  type OrderContribution,
} from './rules.ts';

/** The writes of one change to a customer's facts, with the judgement of the new facts. */
async function updateFacts(
  customerId: string,
  tx: ConsumerTx,
  change: (facts: CustomerFacts, today: string) => CustomerFacts,
  extra: readonly TransactWrite[] = [],
): Promise<TransactWrite[]> {
  const before = await getFacts(customerId);
  const base = before ?? emptyFacts(customerId, tx.now);
  const next = change(base, dayOf(tx.now));
  const segments = await segmentsFor();
  const { writes } = judgedWrites({
    before,
    next,
    segments,
    cause: 'facts',
    now: tx.now,
    emitEvent: tx.emit,
  });
  return [...writes, ...extra];
}

/** A change to one order's contribution (undefined: nothing to change), applied to its customer. */
async function updateContribution(
  orderId: string,
  customerId: string,
  tx: ConsumerTx,
  update: (c: OrderContribution) => OrderContribution | undefined,
): Promise<TransactWrite[]> {
  const before = (await getContribution(orderId)) ?? emptyContribution(orderId, customerId);
  const after = update(before);
  if (!after) return [];
  return updateFacts(customerId, tx, (facts, today) => applyContribution(facts, before, after, today), [
    contributionPut(after, before.version),
  ]);
}

/** Consent as the customer record holds it (a channel never set is left alone). */
async function consentFromRecord(customerId: string, tx: ConsumerTx): Promise<TransactWrite[]> {
  const customer = await getCustomer(customerId);
  return updateFacts(customerId, tx, (facts) => {
    let next = facts;
    if (!customer) return next;
    for (const channel of ['email', 'sms'] as const) {
      const state = customer.marketingConsent[channel];
      if (state.changedAt === undefined) continue;
      next = applyConsent(next, channel, state.granted, state.changedAt);
    }
    return next;
  });
}

export const segmentFacts = consumer({
  name: 'segmentFacts',
  handlers: {
    OrderPlaced: async ({ data }, tx) =>
      updateContribution(data.orderId, data.customerId, tx, (c) =>
        c.placed
          ? undefined
          : {
              ...c,
              placed: {
                at: data.placedAt,
                currency: data.currency,
                amount: data.subtotal - data.discount,
                ...(data.shippingAddress ? { country: data.shippingAddress.country } : {}),
              },
            },
      ),
    OrderCancelled: async ({ data }, tx) =>
      updateContribution(data.orderId, data.customerId, tx, (c) =>
        c.cancelled ? undefined : { ...c, cancelled: true },
      ),
    CreditNoteIssued: async ({ data }, tx) => {
      // A cancellation's credit note: OrderCancelled already took the whole order back.
      if (data.reason !== 'return') return [];
      const credited = -(data.subtotal - data.discount);
      if (credited <= 0) return [];
      return updateContribution(data.orderId, data.customerId, tx, (c) => ({
        ...c,
        returned: c.returned + credited,
      }));
    },
    ConsentChanged: async ({ data }, tx) =>
      updateFacts(data.customerId, tx, (facts) =>
        applyConsent(facts, data.channel, data.granted, data.changedAt),
      ),
    LoyaltyPointsChanged: async ({ data }, tx) =>
      updateFacts(data.customerId, tx, (facts) =>
        applyLoyalty(facts, data.balance, data.entryId, data.changedAt),
      ),
    CustomerCreated: async ({ data }, tx) => consentFromRecord(data.customerId, tx),
    CustomerUpdated: async ({ data }, tx) => consentFromRecord(data.customerId, tx),
  },
});

export const handler = segmentFacts.handler;
