/**
 * The timeline's mappings against the catalogue's sample events, and their completeness: every
 * mapped type is subscribed and handled, every subscribed type is mapped, and every catalogue event
 * about a customer is on the timeline or deliberately left off.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import * as z from 'zod';
import { type EventOf, type EventType, eventCatalogue } from '#events/catalog.ts';
import {
  formatMoney,
  MAX_TITLE_LENGTH,
  type TimelineEventType,
  timelineEntryOf,
  timelineEventTypes,
  timelineKinds,
  timelineMappings,
} from '#functions/timeline/mappings.ts';
import { topology } from '#infra/topology.ts';
import { eventLike, sampleEvent } from '../../support/backbone.ts';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'unit-table';
});
const { timeline } = await import('#functions/timeline/consumer.ts');
const { timelineKey, viewsOf } = await import('#functions/timeline/timeline.ts');
const { timelineItem } = await import('#functions/timeline/handler.ts');

/**
 * Catalogue events that carry a `customerId` but are not on the timeline, each with its reason.
 * A new event about a customer must be mapped (functions/timeline/mappings.ts) or listed here.
 */
const NOT_ON_TIMELINE: Readonly<Partial<Record<EventType, string>>> = {
  OpportunityUpdated:
    'A change of amount, date or owner without a stage change is pipeline detail, kept in the opportunity’s history',
  TicketSlaChanged: 'The SLA clock’s bookkeeping; the due times are on the ticket itself',
  TicketSlaWarning: 'An early warning for agents; only an actual breach is worth a timeline entry',
  SegmentEntered:
    'Marketing bookkeeping that moves with rolling windows; the member list is GET /segments/{id}/members',
  SegmentLeft:
    'Marketing bookkeeping that moves with rolling windows; the member list is GET /segments/{id}/members',
  CustomerErased:
    'An entry would be a record kept about an erased person; the timeline consumer anonymises their entries instead',
};

/** What each sample must project to (titles read as a person would). */
const expected: { [T in TimelineEventType]: object } = {
  OrderPlaced: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'order.placed',
    title: 'Order placed: 3 items, 48.48 EUR',
    refs: { orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
  OrderShipped: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'order.shipped',
    title: 'Order shipped with DHL, tracking number JJD000390007825912',
    refs: { orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
  OrderDelivered: {
    kind: 'order.delivered',
    title: 'Order delivered',
    refs: { orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
  OrderCancelled: {
    kind: 'order.cancelled',
    title: 'Order cancelled',
    refs: { orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
  InvoiceIssued: {
    customerId: 'b8e1f0c2-4d3a-4e6f-9a1b-2c3d4e5f6a7b',
    kind: 'invoice.issued',
    title: 'Invoice INV-2026-000042 issued: 47.58 EUR',
    refs: { invoiceId: '01JQ8A1B2C3D4E5F6G7H8J9K0N', orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC' },
    visibility: 'customer',
  },
  CreditNoteIssued: {
    kind: 'credit_note.issued',
    title: 'Credit note CRN-2026-000007 issued: 23.79 EUR credited (return)',
    refs: {
      creditNoteId: '01JQ9B1B2C3D4E5F6G7H8J9K0N',
      invoiceId: '01JQ8A1B2C3D4E5F6G7H8J9K0N',
      orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC',
      returnId: '01JQ9A0B2C3D4E5F6G7H8J9K0P',
    },
    visibility: 'customer',
  },
  ReturnRequested: {
    kind: 'return.requested',
    title: 'Return requested: 1 item (Too small)',
    refs: { returnId: '01JQ9A0B2C3D4E5F6G7H8J9K0P', orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC' },
    visibility: 'customer',
  },
  ReturnApproved: {
    kind: 'return.approved',
    title: 'Return approved',
    refs: { returnId: '01JQ9A0B2C3D4E5F6G7H8J9K0P', orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC' },
    visibility: 'customer',
  },
  ReturnRejected: {
    kind: 'return.rejected',
    title: 'Return rejected: 1 item',
    refs: { returnId: '01JQ9A0B2C3D4E5F6G7H8J9K0Q', orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC' },
    visibility: 'customer',
  },
  ReturnReceived: {
    kind: 'return.received',
    title: 'Return received: 1 item',
    refs: { returnId: '01JQ9A0B2C3D4E5F6G7H8J9K0P', orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC' },
    visibility: 'customer',
  },
  CustomerCreated: {
    customerId: '01JQ6C0B2C3D4E5F6G7H8J9K0N',
    kind: 'customer.created',
    title: 'Customer record created by staff',
    refs: {},
    visibility: 'staff',
  },
  CustomerUpdated: {
    kind: 'customer.updated',
    title: 'Customer record updated by staff-7f3a: phone',
    refs: {},
    visibility: 'staff',
  },
  ConsentChanged: {
    kind: 'consent.changed',
    title: 'Email marketing consent withdrawn via the marketing system',
    refs: {},
    visibility: 'customer',
  },
  LeadConverted: {
    customerId: '01JQ7B0B2C3D4E5F6G7H8J9K0Q',
    kind: 'lead.converted',
    title: 'Lead converted: opportunity opened, customer record created',
    refs: { leadId: '01JQ7A0B2C3D4E5F6G7H8J9K0N', opportunityId: '01JQ7B0B2C3D4E5F6G7H8J9K0P' },
    visibility: 'staff',
  },
  OpportunityCreated: {
    customerId: '01JQ7B0B2C3D4E5F6G7H8J9K0Q',
    kind: 'opportunity.created',
    title: 'Opportunity Cobol Works: 40 licences: 48000.00 EUR in prospecting',
    refs: { opportunityId: '01JQ7B0B2C3D4E5F6G7H8J9K0P' },
    visibility: 'staff',
  },
  OpportunityStageChanged: {
    customerId: '01JQ7B0B2C3D4E5F6G7H8J9K0Q',
    kind: 'opportunity.stage_changed',
    title: 'Opportunity moved from prospecting to proposal: 45000.00 EUR',
    refs: { opportunityId: '01JQ7B0B2C3D4E5F6G7H8J9K0P' },
    visibility: 'staff',
  },
  TicketCreated: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'ticket.created',
    title: 'Ticket TCK-000123 opened (complaint, normal): Parcel arrived damaged',
    refs: { ticketId: '01JR2B5C7D9E1F3G5H7J9K1M3P', orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
  TicketStatusChanged: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'ticket.status_changed',
    title: 'Ticket TCK-000123 moved from OPEN to PENDING',
    refs: { ticketId: '01JR2B5C7D9E1F3G5H7J9K1M3P' },
    visibility: 'customer',
  },
  TicketSlaBreached: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'ticket.sla_breached',
    title: 'Ticket TCK-000123 missed its response target (due 2026-03-03T13:15:00.000Z)',
    refs: { ticketId: '01JR2B5C7D9E1F3G5H7J9K1M3P' },
    visibility: 'staff',
  },
  TicketResolved: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'ticket.resolved',
    title: 'Ticket TCK-000123 resolved',
    refs: { ticketId: '01JR2B5C7D9E1F3G5H7J9K1M3P' },
    visibility: 'customer',
  },
  LoyaltyPointsChanged: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'loyalty.points_changed',
    title: 'Earned 48 points; balance 148',
    refs: { entryId: '01JR2B5C7D9E1F3G5H7J9K1M3Y', orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
  OpportunityWon: {
    customerId: '01JQ7B0B2C3D4E5F6G7H8J9K0Q',
    kind: 'opportunity.won',
    title: 'Opportunity won (45000.00 EUR): order of 40 items requested',
    refs: { opportunityId: '01JQ7B0B2C3D4E5F6G7H8J9K0P', orderId: 'R9JB6ZVETDG02AFQ64625NSWES' },
    visibility: 'staff',
  },
  InteractionLogged: {
    customerId: '01JQ6C0B2C3D4E5F6G7H8J9K0N',
    kind: 'interaction.logged',
    title: 'Inbound call (4 min): Asked about the delivery date of her last order',
    refs: { interactionId: '01JQ6F0B2C3D4E5F6G7H8J9K0N' },
    visibility: 'customer',
  },
  CouponRedeemed: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'coupon.redeemed',
    title: 'Coupon SPRING10 redeemed: 4.85 EUR off',
    refs: { redemptionId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D', orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
  CouponRedemptionReleased: {
    customerId: '3f6c2a9e-8d41-4b7a-9c25-1e0f7d8b4a62',
    kind: 'coupon.redemption_released',
    title: 'Coupon SPRING10 given back: its order was cancelled',
    refs: { redemptionId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D', orderId: '8M4Q2ZK7XH3W9R5T1V6N0B2C4D' },
    visibility: 'customer',
  },
};

describe('Timeline mappings: the catalogue samples', () => {
  it.each(timelineEventTypes)('%s projects its sample into its customer’s timeline', (type) => {
    // Prepare
    const event = sampleEvent(type);
    // Act
    const entry = timelineEntryOf(event);
    // Assess
    expect(entry).toMatchObject({
      customerId: event.data.customerId,
      eventId: event.id,
      eventType: type,
      at: event.occurredAt,
      ...expected[type],
    });
    expect(entry?.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
  });

  it('hides internal interactions from the customer and leaves interactions about no customer out', () => {
    const internal = eventLike('InteractionLogged', {
      internal: true,
      kind: 'note',
      direction: undefined,
      durationSeconds: undefined,
      summary: 'Prefers not to be called before 10',
    });
    expect(timelineEntryOf(internal)).toMatchObject({
      visibility: 'staff',
      title: 'Note: Prefers not to be called before 10',
    });

    const aboutALead = eventLike('InteractionLogged', {
      subject: { type: 'lead', id: 'lead-1' },
      customerId: undefined,
    });
    expect(timelineEntryOf(aboutALead)).toBeUndefined();

    // A win without an order is the stage change's entry alone.
    expect(timelineEntryOf(eventLike('OpportunityWon', { order: undefined }))).toBeUndefined();

    const aboutAnOpportunity = eventLike('InteractionLogged', {
      subject: { type: 'opportunity', id: 'opp-1' },
      kind: 'meeting',
    });
    expect(timelineEntryOf(aboutAnOpportunity)).toMatchObject({
      title: 'Meeting: Asked about the delivery date of her last order',
      refs: { interactionId: aboutAnOpportunity.data.interactionId, opportunityId: 'opp-1' },
    });
  });

  it('names a cancellation’s reason and a credit note for a cancellation', () => {
    expect(timelineEntryOf(eventLike('OrderCancelled', { reason: 'Ordered twice' }))?.title).toBe(
      'Order cancelled: Ordered twice',
    );
    const credit = eventLike('CreditNoteIssued', { reason: 'cancellation', returnId: undefined });
    expect(timelineEntryOf(credit)).toMatchObject({
      title: 'Credit note CRN-2026-000007 issued: 23.79 EUR credited (cancellation)',
    });
    expect(timelineEntryOf(credit)?.refs).not.toHaveProperty('returnId');
  });

  it('normalises the time so entries sort as text, and cuts long titles', () => {
    const event = eventLike(
      'InteractionLogged',
      { summary: 'x'.repeat(500) },
      { occurredAt: '2026-03-01T09:00:00Z' },
    );
    const entry = timelineEntryOf(event);
    expect(entry?.at).toBe('2026-03-01T09:00:00.000Z');
    expect(entry?.title).toHaveLength(MAX_TITLE_LENGTH);
    expect(entry?.title.endsWith('…')).toBe(true);
  });

  it('formats integer minor units in the currency’s own digits', () => {
    expect(formatMoney(4848, 'EUR')).toBe('48.48 EUR');
    expect(formatMoney(5, 'EUR')).toBe('0.05 EUR');
    expect(formatMoney(-2379, 'EUR')).toBe('-23.79 EUR');
    expect(formatMoney(1200, 'JPY')).toBe('1200 JPY');
    expect(formatMoney(1234, 'KWD')).toBe('1.234 KWD');
    fc.assert(
      fc.property(
        fc.integer({ min: -1e11, max: 1e11 }),
        fc.constantFrom('EUR', 'JPY', 'KWD'),
        (minor, currency) => {
          const [amount] = formatMoney(minor, currency).split(' ');
          const digits = { EUR: 2, JPY: 0, KWD: 3 }[currency] ?? 2;
          expect(Math.round(Number(amount) * 10 ** digits)).toBe(minor);
        },
      ),
    );
  });
});

describe('Timeline mappings: completeness', () => {
  const subscribed = topology.functions.timeline.consumer.events.flatMap((e) => e.detailTypes);

  it('maps only catalogue events, each kind once', () => {
    for (const type of Object.keys(timelineMappings)) expect(Object.keys(eventCatalogue)).toContain(type);
    expect(new Set(timelineKinds).size).toBe(timelineKinds.length);
    for (const kind of timelineKinds) expect(kind).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });

  it('subscribes and handles exactly the mapped types (and CustomerErased, which erases instead of mapping)', () => {
    const handled = [...Object.keys(timelineMappings), 'CustomerErased'].sort();
    expect([...subscribed].sort()).toEqual(handled);
    expect([...timeline.eventTypes].sort()).toEqual(handled);
  });

  it('puts every catalogue event about a customer on the timeline, or says why not', () => {
    const aboutCustomers = Object.entries(eventCatalogue)
      .filter(([, definition]) => {
        const data = definition.schema.shape.data;
        return data instanceof z.ZodObject && 'customerId' in data.shape;
      })
      .map(([type]) => type);
    expect(aboutCustomers.length).toBeGreaterThan(0);
    for (const type of aboutCustomers) {
      const mapped = Object.hasOwn(timelineMappings, type);
      expect(mapped || Object.hasOwn(NOT_ON_TIMELINE, type), `${type} is about a customer`).toBe(true);
    }
  });

  it('types every mapping for its own event', () => {
    expectTypeOf<TimelineEventType>().toExtend<EventType>();
    expectTypeOf(timelineMappings.OrderPlaced.project).parameter(0).toEqualTypeOf<EventOf<'OrderPlaced'>>();
    expectTypeOf(timelineMappings.InteractionLogged.project)
      .parameter(0)
      .toEqualTypeOf<EventOf<'InteractionLogged'>>();
  });
});

describe('Timeline entries: views', () => {
  it('writes customer-visible entries to both views, staff-only ones to the staff view alone', () => {
    expect(viewsOf('customer')).toEqual(['staff', 'customer']);
    expect(viewsOf('staff')).toEqual(['staff']);
  });

  it('keys entries newest-last in text order: by time, then event id', () => {
    const entry = (at: string, eventId: string) => ({ customerId: 'c-1', at, eventId });
    const keys = [
      timelineKey('staff', entry('2026-03-01T09:00:00.000Z', '01B')),
      timelineKey('staff', entry('2026-03-01T09:00:00.000Z', '01A')),
      timelineKey('staff', entry('2026-02-28T23:59:59.999Z', '01Z')),
    ];
    expect(keys.map((k) => k.sk).sort()).toEqual([keys[2]?.sk, keys[1]?.sk, keys[0]?.sk]);
    expect(new Set(keys.map((k) => k.pk))).toEqual(new Set(['CUSTOMER#c-1']));
  });

  it('shows an entry’s visibility to staff only', () => {
    const stored = {
      customerId: 'c-1',
      eventId: 'e-1',
      eventType: 'OrderPlaced',
      kind: 'order.placed',
      at: '2026-03-01T09:00:00.000Z',
      title: 'Order placed',
      refs: { orderId: 'o-1' },
      visibility: 'customer' as const,
    };
    expect(timelineItem(stored, 'staff')).toEqual({
      id: 'e-1',
      type: 'order.placed',
      at: stored.at,
      title: 'Order placed',
      refs: { orderId: 'o-1' },
      visibility: 'customer',
    });
    expect(timelineItem(stored, 'customer')).not.toHaveProperty('visibility');
  });
});
