/**
 * The timeline consumer and query against DynamoDB Local: events derived from the catalogue
 * samples for one customer, delivered out of order and again, give one entry each, newest first,
 * paged in full pages for staff and for the customer's own view (staff-only entries hidden).
 */
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import { timeline } from '#functions/timeline/consumer.ts';
import type { TimelineEventType } from '#functions/timeline/mappings.ts';
import {
  listTimeline,
  type StoredTimelineEntry,
  type TimelineView,
  timelineFor,
  timelinePk,
} from '#functions/timeline/timeline.ts';
import type { Principal } from '#shared/auth.ts';
import { markerKey } from '#shared/consumer.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';

const staff: Principal = { sub: 'staff-timeline', groups: ['staff'], isStaff: true };
const customer = (id: string): Principal => ({ sub: id, groups: [], isStaff: false });

type TimelineEvent = EventOf<TimelineEventType>;

/** One customer's history, one event of every mapped type (three staff-only), a minute apart. */
function historyOf(customerId: string): TimelineEvent[] {
  const at = (minute: number) => new Date(Date.UTC(2031, 4, 1, 9, minute)).toISOString();
  const orderId = ulid();
  const events: TimelineEvent[] = [
    eventLike('CustomerCreated', { customerId, origin: 'order' }),
    eventLike('OrderPlaced', { customerId, orderId }),
    eventLike('InvoiceIssued', { customerId, orderId }),
    eventLike('InteractionLogged', {
      customerId,
      subject: { type: 'customer', id: customerId },
      internal: true,
      kind: 'note',
      summary: 'Asked twice about the delivery: call her first next time',
    }),
    eventLike('OrderShipped', { customerId, orderId }),
    eventLike('OrderDelivered', { customerId, orderId }),
    eventLike('InteractionLogged', { customerId, subject: { type: 'customer', id: customerId } }),
    eventLike('ReturnRequested', { customerId, orderId }),
    eventLike('ReturnReceived', { customerId, orderId }),
    eventLike('CreditNoteIssued', { customerId, orderId }),
    eventLike('CustomerUpdated', { customerId }),
    eventLike('ConsentChanged', { customerId }),
    eventLike('OrderCancelled', { customerId, orderId: ulid() }),
  ];
  return events.map((event, minute) => ({ ...event, occurredAt: at(minute) }));
}

const STAFF_ONLY = 3;

const apply = (event: TimelineEvent) => timeline.processRecord(sqsRecordFor(event));

/** A deterministic shuffle (no flaky orders): reversed halves interleaved. */
function outOfOrder<T>(items: readonly T[]): T[] {
  const half = Math.ceil(items.length / 2);
  const a = items.slice(0, half).reverse();
  const b = items.slice(half).reverse();
  return a.flatMap((item, i) => (b[i] === undefined ? [item] : [b[i], item]));
}

/** Every page of a view, followed by cursor. */
async function allPages(customerId: string, view: TimelineView, limit: number) {
  const pages: StoredTimelineEntry[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listTimeline(customerId, view, { limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 50);
  return pages;
}

/** The items stored in a customer's partition (one Query, not a scan). */
async function itemsOf(customerId: string) {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': timelinePk(customerId) },
    }),
  );
  return Items;
}

const newestFirst = (events: readonly TimelineEvent[]) =>
  [...events].sort((x, y) =>
    x.occurredAt === y.occurredAt ? (x.id < y.id ? 1 : -1) : x.occurredAt < y.occurredAt ? 1 : -1,
  );

describe('Timeline: consumer and query (DynamoDB Local)', () => {
  it('projects events delivered out of order and redelivered once each, newest first', async () => {
    // Prepare
    const customerId = `tl-${ulid()}`;
    const events = historyOf(customerId);
    // Act: out of order, then every event again, two copies of each at once.
    const first = [];
    for (const event of outOfOrder(events)) first.push(await apply(event));
    const again = await Promise.all(events.flatMap((event) => [apply(event), apply(event)]));
    // Assess
    expect(first).toEqual(events.map(() => 'applied'));
    expect(again.every((outcome) => outcome === 'duplicate')).toBe(true);
    const staffView = await listTimeline(customerId, 'staff', { limit: 100 });
    expect(staffView.nextCursor).toBeNull();
    expect(staffView.items.map((e) => e.eventId)).toEqual(newestFirst(events).map((e) => e.id));
    expect(staffView.items[0]).toMatchObject({
      customerId,
      eventType: 'OrderCancelled',
      kind: 'order.cancelled',
      title: 'Order cancelled',
      visibility: 'customer',
    });
    // One item per entry and view: customer-visible entries twice, staff-only ones once.
    expect(await itemsOf(customerId)).toHaveLength(2 * events.length - STAFF_ONLY);
  });

  it('pages the staff view in full pages, every entry once', async () => {
    // Prepare
    const customerId = `tl-${ulid()}`;
    const events = historyOf(customerId);
    for (const event of outOfOrder(events)) await apply(event);
    // Act
    const pages = await allPages(customerId, 'staff', 4);
    // Assess: 13 entries → 4, 4, 4, 1, and no empty page after the last.
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 1]);
    expect(pages.flat().map((e) => e.eventId)).toEqual(newestFirst(events).map((e) => e.id));
    const exact = await allPages(customerId, 'staff', 13);
    expect(exact.map((p) => p.length)).toEqual([13]);
  });

  it('shows the customer only entries meant for them, still in full pages', async () => {
    // Prepare
    const customerId = `tl-${ulid()}`;
    const events = historyOf(customerId);
    for (const event of outOfOrder(events)) await apply(event);
    const visible = newestFirst(events).filter(
      (e) =>
        e.type !== 'CustomerCreated' &&
        e.type !== 'CustomerUpdated' &&
        !(e.type === 'InteractionLogged' && e.data.internal),
    );
    // Act
    const pages: StoredTimelineEntry[][] = [];
    let cursor: string | undefined;
    do {
      const page = await timelineFor(customer(customerId), customerId, {
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.view).toBe('customer');
      pages.push(page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    // Assess: 10 visible entries → 3, 3, 3, 1.
    expect(visible).toHaveLength(events.length - STAFF_ONLY);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 1]);
    expect(pages.flat().map((e) => e.eventId)).toEqual(visible.map((e) => e.id));
    expect(pages.flat().every((e) => e.visibility === 'customer')).toBe(true);
    const asStaff = await timelineFor(staff, customerId, { limit: 100 });
    expect(asStaff.view).toBe('staff');
    expect(
      asStaff.items
        .filter((e) => e.visibility === 'staff')
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['customer.created', 'customer.updated', 'interaction.logged']);
  });

  it('refuses another customer (404) and cursors from another list (400)', async () => {
    // Prepare
    const customerId = `tl-${ulid()}`;
    const other = `tl-${ulid()}`;
    for (const event of [...historyOf(customerId), ...historyOf(other)]) await apply(event);
    const staffCursor = (await listTimeline(customerId, 'staff', { limit: 1 })).nextCursor ?? undefined;
    const otherCursor = (await listTimeline(other, 'customer', { limit: 1 })).nextCursor ?? undefined;
    expect(staffCursor && otherCursor).toBeTruthy();
    // Act / Assess
    await expect(timelineFor(customer(other), customerId, { limit: 10 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      timelineFor(customer(customerId), customerId, { limit: 10, cursor: staffCursor }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      timelineFor(customer(customerId), customerId, { limit: 10, cursor: otherCursor }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // A staff cursor is fine for staff.
    const next = await timelineFor(staff, customerId, { limit: 10, cursor: staffCursor });
    expect(next.items).toHaveLength(10);
  });

  it('orders events of the same instant by event id', async () => {
    const customerId = `tl-${ulid()}`;
    const occurredAt = '2031-06-01T12:00:00.000Z';
    const events = [
      '01JV0000000000000000000003',
      '01JV0000000000000000000001',
      '01JV0000000000000000000002',
    ].map((id) => eventLike('ConsentChanged', { customerId }, { id, occurredAt }));
    for (const event of events) await apply(event);
    const page = await listTimeline(customerId, 'customer', { limit: 10 });
    expect(page.items.map((e) => e.eventId)).toEqual([
      '01JV0000000000000000000003',
      '01JV0000000000000000000002',
      '01JV0000000000000000000001',
    ]);
  });

  it('skips events about no customer, and an entry already written when its marker is gone', async () => {
    // Prepare
    const customerId = `tl-${ulid()}`;
    const aboutALead = eventLike('InteractionLogged', {
      subject: { type: 'lead', id: 'lead-1' },
      customerId: undefined,
    });
    const placed = eventLike('OrderPlaced', { customerId });
    await apply(placed);
    const before = await itemsOf(customerId);
    // A replay after the markers expired (or into a renamed consumer): no marker, entry present.
    await ddb.send(new DeleteCommand({ TableName: tableName, Key: markerKey('timeline', placed.id) }));
    // Act
    const outcomes = [await apply(aboutALead), await apply(placed)];
    // Assess
    expect(outcomes).toEqual(['applied', 'applied']);
    expect(await itemsOf(customerId)).toEqual(before);
    expect(before).toHaveLength(2);
  });
});
