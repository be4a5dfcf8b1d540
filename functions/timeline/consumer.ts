/**
 * Timeline consumer (queue fed by every event in `timelineMappings`): projects each event into the
 * timeline of the customer it concerns. The handlers are derived from the mappings, so a new event
 * on the timeline is a new mapping, not new code here. Each entry commits with the consumer's
 * marker, conditioned on its own keys: written once, however often its event arrives.
 */
import type { EventOf } from '#events/catalog.ts';
import { type ConsumerTx, consumer } from '#events/consumer.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { eraseTimelineTitles } from './erasure.ts';
import { type TimelineEventType, timelineEntryOf, timelineEventTypes } from './mappings.ts';
import { timelineEntryExists, timelineEntryPuts } from './timeline.ts';

async function project<T extends TimelineEventType>(
  event: EventOf<T>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const entry = timelineEntryOf(event);
  // An event about no customer (an interaction with a lead) leaves only the marker.
  if (!entry) return [];
  if (await timelineEntryExists(entry)) return [];
  return timelineEntryPuts(entry, tx.now);
}

const handlers: {
  [T in TimelineEventType]?: (event: EventOf<T>, tx: ConsumerTx) => Promise<readonly TransactWrite[]>;
} = {};
for (const type of timelineEventTypes) handlers[type] = project;

// Not a mapping (an erasure is no entry): it anonymises the customer's entries.
export const timeline = consumer({
  name: 'timeline',
  handlers: { ...handlers, CustomerErased: eraseTimelineTitles },
});

export const handler = timeline.handler;
