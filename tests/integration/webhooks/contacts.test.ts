/**
 * Integration tier (DynamoDB Local): the contact events applied to customers through the customers
 * module, each in one transaction with the claim of its id — so a replay, or ten copies at once,
 * change a customer once and emit its events once.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCustomer, findCustomerByEmail, getCustomer } from '#functions/customers/customers.ts';
import type { WebhookEnvelope } from '#functions/webhooks/contract.ts';
import { type Delivery, receiveWebhook } from '#functions/webhooks/receive.ts';
import { getWebhookEvent } from '#functions/webhooks/webhook-events.ts';
import { outbox } from '../orders/fixtures.ts';

const newId = () => `evt_${randomUUID()}`;
const newEmail = () => `Contact.${randomUUID().slice(0, 8)}@Example.com`;

function delivery(event: WebhookEnvelope): Delivery {
  return {
    event,
    rawBody: JSON.stringify(event),
    signedAt: Math.floor(Date.now() / 1000),
    receivedAt: new Date().toISOString(),
    requestId: `req-${randomUUID()}`,
  };
}

const staffCtx = () => ({
  at: new Date().toISOString(),
  correlationId: 'setup',
  by: 'staff-1',
  source: 'staff' as const,
});

/** A customer with email consent granted by staff. */
async function subscribedCustomer(email = newEmail()) {
  return createCustomer(
    { email, name: 'Ada Lovelace', marketingConsent: { email: true }, origin: 'staff' },
    staffCtx(),
  );
}

const eventsOf = async (type: string, customerId: string) =>
  (await outbox()).filter((r) => r.type === type && r.event.data.customerId === customerId);

describe('Module: webhooks/receive, contact events (DynamoDB Local)', () => {
  it('contact.unsubscribed withdraws the email consent (source webhook), with one ConsentChanged', async () => {
    // Prepare
    const customer = await subscribedCustomer();
    const event = {
      id: newId(),
      type: 'contact.unsubscribed',
      data: { email: customer.email!.toLowerCase() },
    };

    // Act
    const receipt = await receiveWebhook(delivery(event));

    // Assess
    expect(receipt).toEqual({ id: event.id, type: event.type, outcome: 'applied', customerId: customer.id });
    const after = await getCustomer(customer.id);
    expect(after?.marketingConsent.email).toMatchObject({ granted: false, source: 'webhook' });
    expect(after?.marketingConsent.sms).toEqual(customer.marketingConsent.sms);
    expect(after?.version).toBe(customer.version + 1);
    const consent = await eventsOf('ConsentChanged', customer.id);
    expect(consent.map((e) => e.event.data)).toContainEqual(
      expect.objectContaining({ channel: 'email', granted: false, source: 'webhook' }),
    );
    expect(consent.filter((e) => e.event.data.granted === false)).toHaveLength(1);
    expect(consent.find((e) => e.event.data.granted === false)?.event.correlationId).toBe(
      (await getWebhookEvent(event.id))?.requestId,
    );
  });

  it('the same unsubscribe sent ten times at once is applied once: one new version, one ConsentChanged', async () => {
    // Prepare
    const customer = await subscribedCustomer();
    const event = { id: newId(), type: 'contact.unsubscribed', data: { email: customer.email! } };

    // Act
    const receipts = await Promise.all(Array.from({ length: 10 }, () => receiveWebhook(delivery(event))));

    // Assess
    expect(receipts.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(receipts.filter((r) => r.outcome === 'duplicate')).toHaveLength(9);
    const after = await getCustomer(customer.id);
    expect(after?.version).toBe(customer.version + 1);
    expect(after?.marketingConsent.email.granted).toBe(false);
    const withdrawn = (await eventsOf('ConsentChanged', customer.id)).filter(
      (e) => e.event.data.granted === false,
    );
    expect(withdrawn).toHaveLength(1);
    expect(await eventsOf('CustomerUpdated', customer.id)).toHaveLength(1);
  });

  it('a replay after the customer changed again does not undo the later change', async () => {
    // Prepare: unsubscribe (event A), then subscribe (event B)
    const customer = await subscribedCustomer();
    const a = { id: newId(), type: 'contact.unsubscribed', data: { email: customer.email! } };
    const b = { id: newId(), type: 'contact.subscribed', data: { email: customer.email! } };
    await receiveWebhook(delivery(a));
    expect((await receiveWebhook(delivery(b))).outcome).toBe('applied');
    const before = await getCustomer(customer.id);

    // Act: the sender retries A
    const replay = await receiveWebhook(delivery(a));

    // Assess
    expect(replay.outcome).toBe('duplicate');
    expect(await getCustomer(customer.id)).toEqual(before);
    expect(before?.marketingConsent.email.granted).toBe(true);
  });

  it('a consent event for an email no customer has is recorded (202), and creates no customer', async () => {
    // Prepare
    const email = newEmail();
    const event = { id: newId(), type: 'contact.subscribed', data: { email } };

    // Act
    const receipt = await receiveWebhook(delivery(event));

    // Assess
    expect(receipt).toEqual({
      id: event.id,
      type: event.type,
      outcome: 'recorded',
      reason: 'unknown-customer',
    });
    expect(await findCustomerByEmail(email)).toBeUndefined();
    expect(await getWebhookEvent(event.id)).toMatchObject({
      outcome: 'recorded',
      reason: 'unknown-customer',
    });
  });

  it('contact.updated creates the customer by email (origin webhook), then updates it; a replay changes nothing', async () => {
    // Prepare
    const email = newEmail();
    const create = { id: newId(), type: 'contact.updated', data: { email } };
    const update = {
      id: newId(),
      type: 'contact.updated',
      data: { email: email.toUpperCase(), name: 'Grace Hopper', phone: '+1 555 0100' },
    };

    // Act
    const created = await receiveWebhook(delivery(create));
    const updated = await receiveWebhook(delivery(update));
    const afterUpdate = await findCustomerByEmail(email);
    const replayed = await receiveWebhook(delivery(create));

    // Assess
    expect(created).toMatchObject({ outcome: 'applied' });
    expect(updated).toMatchObject({
      outcome: 'applied',
      customerId: (created as { customerId: string }).customerId,
    });
    expect(afterUpdate).toMatchObject({
      id: (created as { customerId: string }).customerId,
      email,
      name: 'Grace Hopper',
      phone: '+1 555 0100',
      origin: 'webhook',
      createdBy: 'webhook',
      version: 2,
      marketingConsent: { email: { granted: false }, sms: { granted: false } },
    });
    expect(replayed.outcome).toBe('duplicate');
    expect(await findCustomerByEmail(email)).toEqual(afterUpdate);
    expect(await eventsOf('CustomerCreated', afterUpdate!.id)).toHaveLength(1);
  });

  it('different contact.updated events racing for one new email create one customer and update it', async () => {
    // Prepare
    const email = newEmail();
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: newId(),
      type: 'contact.updated',
      data: { email, name: `Name ${i}` },
    }));

    // Act
    const receipts = await Promise.all(events.map((event) => receiveWebhook(delivery(event))));

    // Assess
    const ids = new Set(receipts.map((r) => r.customerId));
    expect(receipts.every((r) => r.outcome === 'applied')).toBe(true);
    expect(ids.size).toBe(1);
    const customer = await findCustomerByEmail(email);
    expect(customer?.id).toBe([...ids][0]);
    expect(await eventsOf('CustomerCreated', customer!.id)).toHaveLength(1);
  });

  it('refuses invalid contact data with 400 paths into body.data, claiming nothing', async () => {
    const event = { id: newId(), type: 'contact.updated', data: { email: 'not-an-email', nickname: 'x' } };
    await expect(receiveWebhook(delivery(event))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await getWebhookEvent(event.id)).toBeUndefined();
  });
});
