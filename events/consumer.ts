/**
 * Consumers of Storeline's events: the generic framework (`#shared/consumer.ts`) bound to the
 * catalogue. A consumer names the event types it handles; each handler receives the newest version
 * of its event, whatever version was emitted.
 */
import {
  type Consumer,
  type ConsumerDefinition,
  type ConsumerTx as ConsumerTxOf,
  consumer as consumerOf,
  type EventHandlers,
  parseEventMessage as parseWith,
} from '#shared/consumer.ts';
import { type EventCatalogue, eventCatalogue } from './catalog.ts';

export type { ApplyOutcome, Consumer } from '#shared/consumer.ts';

/** What a handler gets besides its event (the table, the time, `emit`). */
export type ConsumerTx = ConsumerTxOf<EventCatalogue>;

export function consumer<const H extends EventHandlers<EventCatalogue>>(
  definition: ConsumerDefinition<EventCatalogue, H>,
): Consumer {
  return consumerOf(eventCatalogue, definition);
}

/** Reads an SQS record's body as a catalogue event in its newest shape (throws when it cannot). */
export const parseEventMessage = (body: string) => parseWith(eventCatalogue, body);
