/**
 * Export of everything held about a customer (`GET /customers/{id}/export`): the customer themself or
 * staff; another customer's is 404. Read through each context's own access patterns (no scans), one
 * bounded page per section: `EXPORT_SECTION_LIMIT` items each, newest first, with `truncated` naming
 * the sections that hold more (their own paged routes list the rest).
 */

import { getBalance, listLedger } from '#functions/loyalty/ledger.ts';
import { listOrdersForCustomer, orderView } from '#functions/orders/orders.ts';
import { listTicketsForCustomer, summaryOf } from '#functions/tickets/tickets.ts';
import { listTimeline } from '#functions/timeline/timeline.ts';
import type { Principal } from '#shared/auth.ts';
import { getCustomerFor } from './customers.ts';
import { interactionView, listInteractions } from './interactions.ts';
import { customerView } from './service.ts';

/** Items per section of one export (the bound of its size and of its reads: 6 queries of 100). */
export const EXPORT_SECTION_LIMIT = 100;

export async function exportCustomerFor(principal: Principal, id: string) {
  const customer = await getCustomerFor(principal, id);
  const page = { limit: EXPORT_SECTION_LIMIT };
  const [interactions, orders, tickets, timeline, balance, ledger] = await Promise.all([
    listInteractions(id, page),
    listOrdersForCustomer(id, page),
    listTicketsForCustomer(id, page),
    listTimeline(id, principal.isStaff ? 'staff' : 'customer', page),
    getBalance(id),
    listLedger(id, page),
  ]);
  // Internal notes are staff's, not the customer's (docs/security.md: internal ticket notes).
  const visibleInteractions = interactions.items.filter((i) => principal.isStaff || !i.internal);
  const sections = { interactions, orders, tickets, timeline, loyaltyLedger: ledger };
  return {
    exportedAt: new Date().toISOString(),
    sectionLimit: EXPORT_SECTION_LIMIT,
    truncated: Object.entries(sections)
      .filter(([, s]) => s.nextCursor !== null)
      .map(([name]) => name),
    customer: customerView(customer),
    interactions: visibleInteractions.map(interactionView),
    orders: orders.items.map(orderView),
    tickets: tickets.items.map(summaryOf),
    timeline: timeline.items,
    loyalty: { balance: balance.balance, ledger: ledger.items },
  };
}
