/**
 * The one envelope every Storeline event travels in, on the bus and in SQS: the EventBridge
 * `detail` is exactly this object. `data` is typed per detail-type by the catalogue.
 */
import * as z from 'zod';
import { IsoTimestamp, Ulid } from '../schemas.ts';

export const EventEnvelope = z.object({
  /** ULID: unique, sortable by creation; consumers deduplicate on it. */
  id: Ulid,
  /** The detail-type, e.g. `OrderPlaced`. */
  type: z.string().regex(/^[A-Z][A-Za-z]+$/),
  /** Schema version of `data`; a breaking change is a new version, never an edit. */
  version: z.int().min(1),
  /** Emitting context, e.g. `storeline.orders`. */
  source: z.string().regex(/^storeline\.[a-z-]+$/),
  occurredAt: IsoTimestamp,
  /** The id of the HTTP request (or upstream event) that caused this event. */
  correlationId: z.string().min(1).max(128),
  data: z.unknown(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** The envelope with `type`, `version` and `data` pinned for one catalogue entry. */
export function envelopeOf<const T extends string, const V extends number, D extends z.ZodType>(
  type: T,
  version: V,
  data: D,
) {
  return EventEnvelope.extend({ type: z.literal(type), version: z.literal(version), data });
}
