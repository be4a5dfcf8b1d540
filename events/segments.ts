/**
 * Customer segment events (source `storeline.segments`). A segment is a staff-defined rule over the
 * facts the segments context keeps per customer; its membership is kept current as those facts
 * change (functions/segments/). `revision` numbers a segment's rule: it grows by one each time
 * staff change the rule, so a consumer can tell which rule a membership change was judged by.
 */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { IsoTimestamp } from '#shared/schemas.ts';

const Membership = z.object({
  segmentId: z.string(),
  customerId: z.string(),
  /** The rule revision the customer was judged by. */
  revision: z.int().min(1),
});

export const SegmentEnteredV1 = envelopeOf(
  'SegmentEntered',
  1,
  Membership.extend({
    /** What moved them in: an event about the customer, a new rule (backfill), or time passing. */
    cause: z.enum(['facts', 'rule', 'time']),
    enteredAt: IsoTimestamp,
  }),
);

export const SegmentLeftV1 = envelopeOf(
  'SegmentLeft',
  1,
  Membership.extend({
    cause: z.enum(['facts', 'rule', 'time']),
    leftAt: IsoTimestamp,
  }),
);

export const SegmentDefinedV1 = envelopeOf(
  'SegmentDefined',
  1,
  z.object({
    segmentId: z.string(),
    /** The new rule's revision: every customer is evaluated against it (the backfill). */
    revision: z.int().min(1),
    name: z.string(),
    /** The staff member's `sub`. */
    by: z.string(),
    definedAt: IsoTimestamp,
  }),
);

export const SegmentBackfillContinuedV1 = envelopeOf(
  'SegmentBackfillContinued',
  1,
  z.object({
    segmentId: z.string(),
    revision: z.int().min(1),
    /** The facts shard to read next (0-based) and where in it; no cursor: from its start. */
    shard: z.int().min(0),
    cursor: z.string().optional(),
    /** Customers evaluated so far by this backfill. */
    evaluated: z.int().min(0),
  }),
);
