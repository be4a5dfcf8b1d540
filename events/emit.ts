/**
 * The one emit path: `emit(type, data, { correlationId, occurredAt })` validates `data` against the
 * catalogue's newest version of `type`, builds the envelope and returns the outbox Put for the
 * caller's transaction. Every producer uses it; nothing else builds envelopes or outbox items.
 */
import { emitter } from '#shared/outbox.ts';
import { eventCatalogue } from './catalog.ts';

export type { EmitContext } from '#shared/outbox.ts';

export const emit = emitter(eventCatalogue);
