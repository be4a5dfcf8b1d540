/**
 * Each context's erasure handler against DynamoDB Local, through its real consumer: the orders
 * context (opportunityOrders) anonymises shipping addresses, the timeline consumer the titles quoting
 * free text; both idempotent per event and by state (a second CustomerErased writes nothing more).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ERASED_ADDRESS_LINE, ERASED_TEXT, mentions } from '#functions/customers/anonymise.ts';
import { opportunityOrders } from '#functions/orders/opportunity-orders.ts';
import { getOrder, orderToItem } from '#functions/orders/orders.ts';
import { timeline } from '#functions/timeline/consumer.ts';
import { listTimeline } from '#functions/timeline/timeline.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, orderFromPlaced, sqsRecordFor, uniqueOrderId } from '../../support/backbone.ts';

const address = {
  name: 'Ada Lovelace',
  line1: '12 Marylebone Rd',
  city: 'London',
  postalCode: 'NW1 5LR',
  country: 'GB',
};
const unique = () => Math.random().toString(36).slice(2, 10);

describe('Erasure: orders context', () => {
  it('anonymises every order’s shipping address, keeping the country, once', async () => {
    const customerId = `cust-${unique()}`;
    const ids = [uniqueOrderId(), uniqueOrderId()];
    for (const orderId of ids) {
      const order = orderFromPlaced(
        eventLike('OrderPlaced', { customerId, orderId, shippingAddress: { ...address } }),
      );
      await ddb.send(new PutCommand({ TableName: tableName, Item: orderToItem(order) }));
    }
    const erased = eventLike('CustomerErased', { customerId });
    expect(await opportunityOrders.processRecord(sqsRecordFor(erased))).toBe('applied');
    expect(await opportunityOrders.processRecord(sqsRecordFor(erased))).toBe('duplicate');
    // A second erasure (another event id) finds nothing left to change.
    expect(
      await opportunityOrders.processRecord(sqsRecordFor(eventLike('CustomerErased', { customerId }))),
    ).toBe('applied');
    for (const id of ids) {
      const order = await getOrder(id);
      expect(order?.shippingAddress).toMatchObject({ line1: ERASED_ADDRESS_LINE, country: 'GB' });
      expect(mentions(JSON.stringify(order), ['Ada', 'Lovelace', 'Marylebone', 'London', 'NW1 5LR'])).toBe(
        false,
      );
    }
  });
});

describe('Erasure: timeline', () => {
  it('replaces the titles quoting free text in both views and keeps the others', async () => {
    const customerId = `cust-${unique()}`;
    const interaction = eventLike('InteractionLogged', {
      customerId,
      subject: { type: 'customer', id: customerId },
      internal: false,
      summary: 'Ada asked to ship to 12 Marylebone Rd',
    });
    const placed = eventLike('OrderPlaced', { customerId, orderId: uniqueOrderId() });
    for (const event of [interaction, placed]) {
      expect(await timeline.processRecord(sqsRecordFor(event))).toBe('applied');
    }
    expect(await timeline.processRecord(sqsRecordFor(eventLike('CustomerErased', { customerId })))).toBe(
      'applied',
    );
    for (const view of ['staff', 'customer'] as const) {
      const page = await listTimeline(customerId, view, { limit: 10 });
      expect(page.items).toHaveLength(2);
      expect(mentions(JSON.stringify(page.items), ['Ada', 'Marylebone'])).toBe(false);
      expect(page.items.find((e) => e.eventType === 'InteractionLogged')?.title).toBe(ERASED_TEXT);
      expect(page.items.find((e) => e.eventType === 'OrderPlaced')?.title).toMatch(/^Order placed/);
    }
  });
});
