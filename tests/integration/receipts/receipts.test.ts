/**
 * The receipts consumer against DynamoDB Local and the local SES endpoint (its mailbox), with real
 * invoices issued by the invoicing consumer: one receipt per invoice whatever the redeliveries,
 * none for a customer who opted out or has no email, none again after a crash between the claim
 * and the outcome (at most once), SES refusals recorded, and the resend on request.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type EventOf, eventCatalogue } from '#events/catalog.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { listen } from '#infra/local/gateway.ts';
import { createMessagingServer, LOCAL_MAIL_FROM, LocalMailbox } from '#infra/local/messaging.ts';
import type { Principal } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';
import { sqsRecordFor } from '../../support/backbone.ts';
import { outboxEventsFor, placedEvent, storeOrder } from '../invoicing/fixtures.ts';

vi.hoisted(() => {
  process.env.EVENT_SOURCE = 'storeline.receipts';
});

// The local SES endpoint, as the runtime gives it to the receipts functions.
const mailbox = new LocalMailbox();
const server = createMessagingServer({
  mailbox,
  region: LOCAL_REGION,
  verifiedIdentities: ['storeline.local'],
  topics: [],
});
const endpoint = `http://127.0.0.1:${await listen(server, 0)}`;
Object.assign(process.env, { AWS_ENDPOINT_URL_SESV2: endpoint, MAIL_FROM: LOCAL_MAIL_FROM });

const { invoicing } = await import('#functions/invoicing/consumer.ts');
const { receipts } = await import('#functions/receipts/consumer.ts');
const { resendReceipt } = await import('#functions/receipts/delivery.ts');
const { claimReceipt, getReceipt } = await import('#functions/receipts/receipts.ts');
const { createCustomer, updateCustomer } = await import('#functions/customers/customers.ts');

afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

const ctx = {
  at: new Date().toISOString(),
  correlationId: 'req-test',
  by: 'staff-1',
  source: 'staff',
} as const;
let n = 0;

/** A customer (with an email unless told otherwise) and one invoiced order of theirs. */
async function invoicedCustomer(options: { email?: boolean; eReceipts?: boolean } = {}) {
  n += 1;
  const email = `buyer-${process.pid}-${n}-${Date.now()}@example.com`;
  const customer = await createCustomer(
    { name: `Buyer ${n}`, ...(options.email === false ? {} : { email }), origin: 'staff' },
    ctx,
  );
  if (options.eReceipts === false) await updateCustomer(customer.id, { eReceipts: false }, ctx);
  const placed = await storeOrder(
    placedEvent({
      customerId: customer.id,
      lines: [{ sku: 'SHIRT', quantity: 2, unitPrice: 1999 }],
      discount: 500,
    }),
  );
  expect(await invoicing.processRecord(sqsRecordFor(placed))).toBe('applied');
  const [issued] = await outboxEventsFor(placed.data.orderId, ['InvoiceIssued']);
  // The outbox holds the whole envelope the bus delivers.
  const event = eventCatalogue.InvoiceIssued.schema.parse(issued) as EventOf<'InvoiceIssued'>;
  return { customer, email, event };
}

const deliver = (event: EventOf<'InvoiceIssued'>) => receipts.processRecord(sqsRecordFor(event));
const mailTo = (email: string) => mailbox.list({ to: email, channel: 'email' });
const owner = (sub: string): Principal => ({ sub, groups: [], isStaff: false });

describe('Consumer: receipts (DynamoDB Local, local SES)', () => {
  it('emails the invoice’s receipt once: transactional, tagged with the invoice, recorded as sent', async () => {
    // Prepare
    const { customer, email, event } = await invoicedCustomer();

    // Act
    const first = await deliver(event);
    const again = await deliver(event);

    // Assess
    expect([first, again]).toEqual(['applied', 'duplicate']);
    const mails = mailTo(email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail).toMatchObject({
      channel: 'email',
      to: [email],
      from: LOCAL_MAIL_FROM,
      category: 'transactional',
      tags: { kind: 'ereceipt', invoiceId: event.data.invoiceId, customerId: customer.id },
    });
    expect(mail?.subject).toContain(event.data.number);
    expect(mail?.text).toContain(`Total: ${'€'}`);
    expect(mail?.text).toContain('SHIRT');
    expect(await getReceipt(event.data.invoiceId)).toMatchObject({
      status: 'sent',
      messageId: mail?.id,
      claimedBy: event.id,
      resends: 0,
    });
  });

  it('sends no second receipt for the invoice when its event comes again under another id', async () => {
    const { email, event } = await invoicedCustomer();
    await deliver(event);
    expect(
      await deliver({ ...event, id: `${event.id.slice(0, 25)}${event.id.endsWith('Z') ? 'Y' : 'Z'}` }),
    ).toBe('applied');
    expect(mailTo(email)).toHaveLength(1);
  });

  it('sends nothing to a customer who turned eReceipts off, or who has no email', async () => {
    const optedOut = await invoicedCustomer({ eReceipts: false });
    const noEmail = await invoicedCustomer({ email: false });
    expect(await deliver(optedOut.event)).toBe('applied');
    expect(await deliver(noEmail.event)).toBe('applied');
    expect(mailTo(optedOut.email)).toEqual([]);
    expect(mailbox.list({ channel: 'email' }).some((m) => m.tags.customerId === noEmail.customer.id)).toBe(
      false,
    );
    expect(await getReceipt(optedOut.event.data.invoiceId)).toBeUndefined();
    expect(await getReceipt(noEmail.event.data.invoiceId)).toBeUndefined();
  });

  it('does not send again after a crash between the claim and the outcome (at most once)', async () => {
    // Prepare: an earlier delivery claimed the receipt and died before writing the outcome.
    const { email, event } = await invoicedCustomer();
    const { invoiceId, number, customerId } = event.data;
    expect(await claimReceipt({ invoiceId, number, customerId, eventId: event.id, at: ctx.at })).toBe(true);

    // Act: SQS redelivers the event.
    expect(await deliver(event)).toBe('applied');

    // Assess: no email; the claim stays for a resend on request.
    expect(mailTo(email)).toEqual([]);
    expect(await getReceipt(invoiceId)).toMatchObject({ status: 'sending', claimedBy: event.id });
  });

  it('records an SES refusal as failed, without retrying it', async () => {
    const { email, event } = await invoicedCustomer();
    process.env.MAIL_FROM = 'billing@unverified.example';
    try {
      expect(await deliver(event)).toBe('applied');
    } finally {
      process.env.MAIL_FROM = LOCAL_MAIL_FROM;
    }
    expect(mailTo(email)).toEqual([]);
    const receipt = await getReceipt(event.data.invoiceId);
    expect(receipt?.status).toBe('failed');
    expect(receipt?.failure).toMatch(/MessageRejected/);
  });

  it('resends on request to the owner: one more email, counted; refuses others, opted-out and no-email', async () => {
    // Prepare
    const { customer, email, event } = await invoicedCustomer();
    await deliver(event);
    const { invoiceId } = event.data;

    // Act
    const resent = await resendReceipt(owner(customer.id), invoiceId);
    const byStaff = await resendReceipt({ sub: 'staff-1', groups: ['staff'], isStaff: true }, invoiceId);

    // Assess
    const mails = mailTo(email);
    expect(mails).toHaveLength(3);
    expect(mails[0]?.id).toBe(byStaff.messageId);
    expect(mails[1]?.id).toBe(resent.messageId);
    expect(resent).toMatchObject({ invoiceId, number: event.data.number, to: email, resends: 1 });
    expect(byStaff.resends).toBe(2);
    expect(await getReceipt(invoiceId)).toMatchObject({
      status: 'sent',
      resends: 2,
      lastMessageId: byStaff.messageId,
    });

    await expect(resendReceipt(owner('someone-else'), invoiceId)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const optedOut = await invoicedCustomer({ eReceipts: false });
    const refusal = await resendReceipt(owner(optedOut.customer.id), optedOut.event.data.invoiceId).catch(
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({
      code: 'RECIPIENT_UNAVAILABLE',
      status: 422,
      extra: { reason: 'opted_out' },
    });
    const noEmail = await invoicedCustomer({ email: false });
    await expect(
      resendReceipt(owner(noEmail.customer.id), noEmail.event.data.invoiceId),
    ).rejects.toMatchObject({
      code: 'RECIPIENT_UNAVAILABLE',
      extra: { reason: 'no_email' },
    });
    expect(mailTo(optedOut.email)).toEqual([]);
  });

  it('resends a receipt whose automatic send was lost in the crash window, and marks it sent', async () => {
    const { customer, email, event } = await invoicedCustomer();
    const { invoiceId, number, customerId } = event.data;
    await claimReceipt({ invoiceId, number, customerId, eventId: event.id, at: ctx.at });
    await deliver(event);
    const resent = await resendReceipt(owner(customer.id), invoiceId);
    expect(mailTo(email).map((m) => m.id)).toEqual([resent.messageId]);
    expect(await getReceipt(invoiceId)).toMatchObject({ status: 'sent', resends: 1 });
  });
});
