/**
 * The customerProfiles consumer against DynamoDB Local: an order's customer without a record gets
 * one, exactly once, however many of their orders and redeliveries arrive at once; an existing
 * customer is never touched.
 */
import { describe, expect, it } from 'vitest';
import { customerProfiles } from '#functions/customers/consumer.ts';
import { createCustomer, getCustomer } from '#functions/customers/customers.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';
import { outbox } from '../orders/fixtures.ts';

const address = { name: 'Ada Lovelace', line1: '1 Main St', city: 'London', postalCode: 'N1', country: 'GB' };
const created = async (customerId: string) =>
  (await outbox()).filter((r) => r.type === 'CustomerCreated' && r.event.data.customerId === customerId);

describe('Consumer: customerProfiles', () => {
  it('creates the record of a new customer once under concurrent orders and redeliveries', async () => {
    const customerId = `cust-${Math.random().toString(36).slice(2, 10)}`;
    const orders = [1, 2, 3, 4, 5].map(() =>
      eventLike('OrderPlaced', { customerId, shippingAddress: { ...address } }),
    );
    // Every order delivered twice, all at once.
    const outcomes = await Promise.all(
      [...orders, ...orders].map((event) => customerProfiles.processRecord(sqsRecordFor(event))),
    );
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(5);

    const customer = await getCustomer(customerId);
    expect(customer).toMatchObject({ id: customerId, name: 'Ada Lovelace', origin: 'order', version: 1 });
    expect(customer?.email).toBeUndefined();
    expect(customer?.marketingConsent).toEqual({ email: { granted: false }, sms: { granted: false } });
    const events = await created(customerId);
    expect(events).toHaveLength(1);
    expect(events[0]!.event.data).toMatchObject({ customerId, origin: 'order', name: 'Ada Lovelace' });
    expect(events[0]!.event.correlationId).toBe(orders[0]!.correlationId);
  });

  it('leaves an existing customer alone', async () => {
    const existing = await createCustomer(
      { email: `kept-${Math.random().toString(36).slice(2, 8)}@example.com`, name: 'Kept', origin: 'staff' },
      { at: new Date().toISOString(), correlationId: 'c', by: 'staff', source: 'staff' },
    );
    const outcome = await customerProfiles.processRecord(
      sqsRecordFor(eventLike('OrderPlaced', { customerId: existing.id, shippingAddress: { ...address } })),
    );
    expect(outcome).toBe('applied');
    expect(await getCustomer(existing.id)).toEqual(existing);
    // Only the staff create's own event: the order added none.
    expect((await created(existing.id)).map((r) => r.event.data.origin)).toEqual(['staff']);
  });
});
