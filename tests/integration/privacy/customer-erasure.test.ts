/**
 * Erasure in the customers context against DynamoDB Local: the record anonymised, the email's
 * uniqueness item released (the address can be used again), one `CustomerErased` carrying the id only,
 * a repeat writing nothing; and the customerProfiles consumer anonymising the interaction log.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ERASED_NAME, ERASED_TEXT } from '#functions/customers/anonymise.ts';
import { customerProfiles } from '#functions/customers/consumer.ts';
import {
  createCustomer,
  customerEmailKey,
  findCustomerByEmail,
  getCustomer,
} from '#functions/customers/customers.ts';
import { eraseCustomer } from '#functions/customers/erasure.ts';
import { exportCustomerFor } from '#functions/customers/export.ts';
import { listInteractions, logInteraction } from '#functions/customers/interactions.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';
import { outbox } from '../orders/fixtures.ts';

const ctx = {
  at: new Date().toISOString(),
  correlationId: 'it-erasure',
  by: 'staff-1',
  source: 'staff',
} as const;
const unique = () => Math.random().toString(36).slice(2, 10);

describe('Erasure: customers context', () => {
  it('anonymises the record, releases the email and emits CustomerErased once', async () => {
    const email = `grace.${unique()}@example.com`;
    const customer = await createCustomer(
      {
        email,
        name: 'Grace Hopper',
        phone: '+1 555 0100',
        origin: 'staff',
        marketingConsent: { email: true },
      },
      ctx,
    );
    const erased = await eraseCustomer({ id: customer.id, by: 'staff-1', correlationId: 'it-erasure' });
    expect(erased).toMatchObject({ id: customer.id, name: ERASED_NAME, version: customer.version + 1 });
    const stored = await getCustomer(customer.id);
    expect(stored?.email).toBeUndefined();
    expect(stored?.phone).toBeUndefined();
    expect(stored?.erasedAt).toBeDefined();
    expect(stored?.marketingConsent.email.granted).toBe(false);
    const raw = await ddb.send(
      new GetCommand({ TableName: tableName, Key: { pk: `CUSTOMER#${customer.id}`, sk: 'PROFILE' } }),
    );
    expect(JSON.stringify(raw.Item)).not.toMatch(/grace|hopper|555/i);
    expect(raw.Item?.gsi2pk).toBeUndefined();
    const emailItem = await ddb.send(new GetCommand({ TableName: tableName, Key: customerEmailKey(email) }));
    expect(emailItem.Item).toBeUndefined();
    expect(await findCustomerByEmail(email)).toBeUndefined();

    // Idempotent: a repeat answers the erased record and writes nothing more.
    const again = await eraseCustomer({ id: customer.id, by: 'staff-1', correlationId: 'it-erasure-2' });
    expect(again.version).toBe(erased.version);
    const events = (await outbox()).filter(
      (r) => r.type === 'CustomerErased' && r.event.data.customerId === customer.id,
    );
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]!.event)).not.toMatch(/grace|hopper|example\.com/i);

    // The address is free again.
    const reused = await createCustomer({ email, name: 'Someone Else', origin: 'staff' }, ctx);
    expect(reused.id).not.toBe(customer.id);
  });

  it('is 404 for an unknown customer', async () => {
    await expect(
      eraseCustomer({ id: `nobody-${unique()}`, by: 's', correlationId: 'c' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('the consumer anonymises interaction bodies, idempotently per event', async () => {
    const customer = await createCustomer(
      { email: `ada.${unique()}@example.com`, name: 'Ada Lovelace', origin: 'staff' },
      ctx,
    );
    for (const body of ['Ada called about her address at 1 Main St', 'Emailed ada@home']) {
      await logInteraction({
        customerId: customer.id,
        input: { kind: 'call', body },
        author: 'staff-1',
        correlationId: 'c',
      });
    }
    const event = eventLike('CustomerErased', { customerId: customer.id });
    expect(await customerProfiles.processRecord(sqsRecordFor(event))).toBe('applied');
    expect(await customerProfiles.processRecord(sqsRecordFor(event))).toBe('duplicate');
    const page = await listInteractions(customer.id, { limit: 10 });
    expect(page.items).toHaveLength(2);
    expect(page.items.every((i) => i.body === ERASED_TEXT)).toBe(true);
  });

  it('exports the customer to themselves, hides internal notes from them, and 404s another customer', async () => {
    const customer = await createCustomer(
      { email: `lin.${unique()}@example.com`, name: 'Lin', origin: 'staff' },
      ctx,
    );
    await logInteraction({
      customerId: customer.id,
      input: { kind: 'note', body: 'internal' },
      author: 's',
      correlationId: 'c',
    });
    await logInteraction({
      customerId: customer.id,
      input: { kind: 'call', body: 'public' },
      author: 's',
      correlationId: 'c',
    });
    const self: Principal = { sub: customer.id, groups: [], isStaff: false };
    const staff: Principal = { sub: 'staff-1', groups: ['staff'], isStaff: true };
    const own = await exportCustomerFor(self, customer.id);
    expect(own.customer.name).toBe('Lin');
    expect(own.interactions.map((i) => i.body)).toEqual(['public']);
    expect((await exportCustomerFor(staff, customer.id)).interactions).toHaveLength(2);
    const other: Principal = { sub: `x-${unique()}`, groups: [], isStaff: false };
    await expect(exportCustomerFor(other, customer.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
