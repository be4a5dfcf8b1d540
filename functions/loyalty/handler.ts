/** Loyalty API: thin handler over the account query (read only). */
import { httpApi, json } from '#shared/http/handler.ts';
import { type LoyaltyEntryView, loyaltyRoutes } from './contract.ts';
import type { LedgerEntry } from './ledger.ts';
import { loyaltyFor } from './loyalty.ts';

/** A ledger entry as the API shows it. */
export function entryView(entry: LedgerEntry): LoyaltyEntryView {
  return {
    id: entry.entryId,
    kind: entry.kind,
    points: entry.points,
    balance: entry.balanceAfter,
    ...(entry.orderId === undefined ? {} : { orderId: entry.orderId }),
    ...(entry.returnId === undefined ? {} : { returnId: entry.returnId }),
    ...(entry.shortfall === undefined ? {} : { shortfall: entry.shortfall }),
    at: entry.at,
  };
}

export const handler = httpApi(loyaltyRoutes, {
  // Ownership is checked in the domain: another customer's account is "not found".
  getCustomerLoyalty: async ({ params, query, principal }) => {
    const account = await loyaltyFor(principal, params.id, query);
    return json({
      customerId: account.customerId,
      balance: account.balance,
      items: account.items.map(entryView),
      nextCursor: account.nextCursor,
    });
  },
});
