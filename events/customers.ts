/** CRM events (source `storeline.customers`). */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { IsoTimestamp } from '#shared/schemas.ts';

export const ConsentChannel = z.enum(['email', 'sms']);
/** Who changed a consent: the customer, a staff member, or a marketing system's webhook. */
export const ConsentSource = z.enum(['customer', 'staff', 'webhook']);
export const InteractionKind = z.enum(['call', 'email', 'meeting', 'note']);

export const CustomerCreatedV1 = envelopeOf(
  'CustomerCreated',
  1,
  z.object({
    customerId: z.string(),
    /** Absent for a customer created from their first order (orders carry no email). */
    email: z.string().optional(),
    name: z.string(),
    /** What created the record. */
    origin: z.enum(['staff', 'order', 'webhook', 'lead']),
    createdAt: IsoTimestamp,
  }),
);

export const CustomerUpdatedV1 = envelopeOf(
  'CustomerUpdated',
  1,
  z.object({
    customerId: z.string(),
    /** The new version (the `If-Match` value of the next change). */
    version: z.int().min(1),
    /** Names of the fields that changed; values stay in the record. */
    changed: z.array(z.string()).min(1),
    updatedAt: IsoTimestamp,
    /** The `sub` of the customer or staff member, or `webhook`. */
    by: z.string(),
  }),
);

export const ConsentChangedV1 = envelopeOf(
  'ConsentChanged',
  1,
  z.object({
    customerId: z.string(),
    channel: ConsentChannel,
    granted: z.boolean(),
    source: ConsentSource,
    changedAt: IsoTimestamp,
  }),
);

export const InteractionLoggedV1 = envelopeOf(
  'InteractionLogged',
  1,
  z.object({
    interactionId: z.string(),
    /** What it is logged against: a customer, or a lead or opportunity of the sales pipeline. */
    subject: z.object({ type: z.enum(['customer', 'lead', 'opportunity']), id: z.string() }),
    /** The customer it concerns, when there is one (always for a `customer` subject). */
    customerId: z.string().optional(),
    kind: InteractionKind,
    /** Calls only. */
    direction: z.enum(['inbound', 'outbound']).optional(),
    durationSeconds: z.int().min(0).optional(),
    /** Staff-only entries are hidden from the customer (internal notes). */
    internal: z.boolean(),
    /** The first characters of the body, for timelines; the full body stays in the record. */
    summary: z.string(),
    author: z.string(),
    occurredAt: IsoTimestamp,
  }),
);

/**
 * Staff erased a customer's personal data (GDPR art. 17). Carries the id only: no name, email or
 * address, so the event itself re-identifies no one. Each context holding copies anonymises its own
 * items by this id (orders' addresses, tickets, timeline, campaign messages, interactions).
 */
export const CustomerErasedV1 = envelopeOf(
  'CustomerErased',
  1,
  z.object({
    customerId: z.string(),
    erasedAt: IsoTimestamp,
    /** The staff member's `sub`. */
    by: z.string(),
  }),
);
