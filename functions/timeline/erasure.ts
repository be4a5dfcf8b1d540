/**
 * Erasure of a customer's personal data on their timeline (`CustomerErased`): the titles that quote
 * free text someone typed (an interaction's summary, a ticket's subject, an order's cancellation
 * reason) are replaced; the others (amounts, counts, statuses, ids) carry nothing personal and stay.
 * Read by the customer's partition, both views, newest first; bounded to `ERASED_ENTRIES_PER_VIEW`
 * entries per view per event. Idempotent: an erased title is skipped.
 */
import type { EventOf } from '#events/catalog.ts';
import { ERASED_TEXT } from '#functions/customers/anonymise.ts';
import { tableName } from '#shared/ddb.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { listTimeline, type TimelineView, timelineKey } from './timeline.ts';

/** Event types whose timeline title quotes free text. */
export const FREE_TEXT_TITLES: ReadonlySet<string> = new Set([
  'InteractionLogged',
  'TicketCreated',
  'OrderCancelled',
]);
export const ERASED_ENTRIES_PER_VIEW = 45;

export async function eraseTimelineTitles(
  event: EventOf<'CustomerErased'>,
): Promise<readonly TransactWrite[]> {
  const writes: TransactWrite[] = [];
  for (const view of ['staff', 'customer'] as const satisfies readonly TimelineView[]) {
    const page = await listTimeline(event.data.customerId, view, { limit: ERASED_ENTRIES_PER_VIEW });
    for (const entry of page.items) {
      if (!FREE_TEXT_TITLES.has(entry.eventType) || entry.title === ERASED_TEXT) continue;
      writes.push({
        Update: {
          TableName: tableName,
          Key: timelineKey(view, entry),
          UpdateExpression: 'SET title = :erased',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':erased': ERASED_TEXT },
        },
      });
    }
  }
  return writes;
}
