/**
 * The segments HTTP contract (docs/api.md: segments): staff define rule-based customer segments
 * and page through their members. Staff only, every route. Membership is kept by consumers
 * (consumer.ts, backfill.ts, review.ts), never computed on a request.
 */
import * as z from 'zod';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp, pageQueryShape, queryParams } from '#shared/schemas.ts';
import { MAX_SEGMENTS, MAX_WINDOW_DAYS, Rule } from './rules.ts';

export const SegmentId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'Lower-case letters, digits and dashes; at most 64 characters')
  .meta({ description: 'Chosen by staff, e.g. `big-spenders-eur`', example: 'big-spenders-eur' });

export const SegmentInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(1000).optional(),
    rule: Rule,
  })
  .meta({ id: 'SegmentInput' });

export const Segment = z
  .object({
    id: SegmentId,
    name: z.string(),
    description: z.string().optional(),
    rule: Rule,
    revision: z.int().min(1).meta({ description: 'Grows by one each time the rule changes' }),
    memberCount: z.int().min(0).meta({ description: 'Customers who are members now' }),
    backfill: z
      .object({
        revision: z.int().min(1),
        status: z.enum(['running', 'complete']),
        evaluated: z.int().min(0).meta({ description: 'Existing customers judged so far' }),
        completedAt: IsoTimestamp.optional(),
      })
      .meta({
        description:
          'Judging every existing customer by the current rule: until `complete`, members are still being added',
      }),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
    updatedBy: z.string(),
  })
  .meta({ id: 'Segment' });
export type SegmentView = z.infer<typeof Segment>;

export const SegmentPage = z
  .object({ items: z.array(Segment), nextCursor: z.string().nullable() })
  .meta({ id: 'SegmentPage' });

export const SegmentMember = z
  .object({
    customerId: z.string(),
    since: IsoTimestamp.meta({ description: 'When they entered' }),
    revision: z.int().min(1).meta({ description: 'The rule revision that let them in' }),
  })
  .meta({ id: 'SegmentMember' });

export const SegmentMemberPage = z
  .object({ items: z.array(SegmentMember), nextCursor: z.string().nullable() })
  .meta({ id: 'SegmentMemberPage' });

const IdParams = z.strictObject({ id: SegmentId });
export const ListQuery = queryParams(pageQueryShape);

export const segmentsTag: ApiTag = {
  name: 'segments',
  description:
    'Rule-based customer segments for staff, kept current as customers order, cancel, return, change ' +
    'consent or earn points, and as time passes.',
};

export const segmentRoutes = {
  putSegment: defineRoute({
    method: 'PUT',
    path: '/segments/{id}',
    operationId: 'putSegment',
    summary: 'Create a segment or change its rule',
    description:
      `Staff only. Creates the segment (201) or changes it (200); at most ${MAX_SEGMENTS} segments. The rule ` +
      'is conditions that must all hold (`all`), or alternatives of them (`any`), over the facts kept per ' +
      'customer: `lifetimeSpend` and `spendInLastDays` (net of cancellations and returns, one currency), ' +
      '`orderCount`, `lastOrderWithinDays`, `lastOrderBefore`, `consent`, `country` (of the latest order) and ' +
      `\`loyaltyBalance\`; windows are whole UTC days, today included, up to ${MAX_WINDOW_DAYS}. A new rule is a ` +
      'new `revision`: existing customers are judged by it in the background (`backfill`), and members then ' +
      'follow their facts within seconds. The same rule sent again changes nothing.',
    example: {
      name: 'Spent over 500 EUR in the last 365 days, email consent',
      rule: {
        all: [
          { fact: 'spendInLastDays', days: 365, currency: 'EUR', gte: 50000 },
          { fact: 'consent', channel: 'email', granted: true },
        ],
      },
    },
    tag: 'segments',
    access: 'staff',
    params: IdParams,
    body: SegmentInput,
    responses: {
      200: { description: 'Segment changed', schema: Segment },
      201: { description: 'Segment created', schema: Segment },
    },
    errors: ['SEGMENT_LIMIT_REACHED', 'RATE_LIMITED'],
  }),
  getSegment: defineRoute({
    method: 'GET',
    path: '/segments/{id}',
    operationId: 'getSegment',
    summary: 'A segment with its member count',
    description:
      'Staff only. Its rule, revision, how many customers are members, and the backfill’s progress.',
    tag: 'segments',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The segment', schema: Segment } },
    errors: ['NOT_FOUND'],
  }),
  listSegments: defineRoute({
    method: 'GET',
    path: '/segments',
    operationId: 'listSegments',
    summary: 'Every segment, by id',
    description: 'Staff only. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'segments',
    access: 'staff',
    query: ListQuery,
    responses: { 200: { description: 'One page of segments', schema: SegmentPage } },
  }),
  listSegmentMembers: defineRoute({
    method: 'GET',
    path: '/segments/{id}/members',
    operationId: 'listSegmentMembers',
    summary: 'The customers in a segment now, by customer id',
    description:
      'Staff only. One page of the members, read from the membership kept by the segment consumers (a ' +
      'customer enters or leaves within seconds of the event that changes their facts). Paged: pass ' +
      '`nextCursor` back as `cursor` until it is `null`.',
    tag: 'segments',
    access: 'staff',
    params: IdParams,
    query: ListQuery,
    responses: { 200: { description: 'One page of members', schema: SegmentMemberPage } },
    errors: ['NOT_FOUND'],
  }),
} as const;
