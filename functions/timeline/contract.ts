/**
 * The timeline's HTTP contract (docs/api.md: `GET /customers/{id}/timeline`). The customers
 * context owns every other `/customers` route; this group serves only the timeline.
 */
import * as z from 'zod';
import { CustomerId } from '#functions/orders/contract.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp, pageQueryShape, queryParams } from '#shared/schemas.ts';
import { TIMELINE_VISIBILITIES, timelineKinds } from './mappings.ts';

export const TimelineItem = z
  .object({
    id: z.string().meta({ description: 'The id of the event the entry records (one entry per event)' }),
    type: z.string().meta({
      description:
        `What happened: ${timelineKinds.map((k) => `\`${k}\``).join(', ')}. ` +
        'New kinds appear as more contexts put their events on the timeline; clients should show ' +
        'an unknown one by its title.',
      example: 'order.placed',
    }),
    at: IsoTimestamp.meta({ description: 'When it happened (the event’s time); entries are newest first' }),
    title: z
      .string()
      .meta({ description: 'One line for people', example: 'Order placed: 3 items, 48.48 EUR' }),
    refs: z.record(z.string(), z.string()).meta({
      description: 'Ids the entry refers to, by name (`orderId`, `invoiceId`, `creditNoteId`, `returnId` …)',
      example: { orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC' },
    }),
    visibility: z.enum(TIMELINE_VISIBILITIES).optional().meta({
      description:
        'Staff callers only: `customer` (the customer sees it too) or `staff` (internal, hidden from the customer)',
    }),
  })
  .meta({ id: 'TimelineItem' });
export type TimelineItem = z.infer<typeof TimelineItem>;

export const TimelinePage = z
  .object({ items: z.array(TimelineItem), nextCursor: z.string().nullable() })
  .meta({ id: 'TimelinePage' });

export const timelineTag: ApiTag = {
  name: 'timeline',
  description:
    'Everything that happened to a customer, newest first: orders, invoices and credit notes, returns, ' +
    'consent changes, interactions. Projected from the events, so an entry appears a second or two after its change.',
};

export const timelineRoutes = {
  getCustomerTimeline: defineRoute({
    method: 'GET',
    path: '/customers/{id}/timeline',
    operationId: 'getCustomerTimeline',
    summary: "A customer's timeline, newest first",
    description:
      'The customer themselves (`id` is their token’s `sub`) or staff. Another customer’s timeline is ' +
      '`NOT_FOUND`. Staff see every entry with its `visibility`; the customer sees only entries meant for ' +
      'them (internal notes and the record’s audit entries are hidden), in full pages. Paged: pass ' +
      '`nextCursor` back as `cursor` until it is `null`; a cursor works only for the list it came from.',
    tag: 'timeline',
    access: 'authenticated',
    params: z.strictObject({ id: CustomerId }),
    query: queryParams(pageQueryShape),
    responses: { 200: { description: 'One page of entries, newest first', schema: TimelinePage } },
    errors: ['NOT_FOUND'],
  }),
} as const;
