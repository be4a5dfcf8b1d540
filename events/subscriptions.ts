/**
 * Consumer subscriptions written by detail-type only: the `source` of each comes from the
 * catalogue, so a topology rule cannot name an event that does not exist or pair it with the wrong
 * emitter.
 */
import { type EventType, eventCatalogue } from './catalog.ts';

export interface EventSubscription {
  readonly source: string;
  readonly detailTypes: readonly EventType[];
}

/** `ConsumerSpec.events` for these detail-types: one entry per emitting source, in first-seen order. */
export function subscribeTo(...types: readonly EventType[]): EventSubscription[] {
  const bySource = new Map<string, EventType[]>();
  for (const type of types) {
    const { source } = eventCatalogue[type];
    bySource.set(source, [...(bySource.get(source) ?? []), type]);
  }
  return [...bySource].map(([source, detailTypes]) => ({ source, detailTypes }));
}
