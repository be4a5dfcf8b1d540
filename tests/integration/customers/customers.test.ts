/**
 * The customer entity against DynamoDB Local: the email uniqueness item under racing creates and
 * email changes, If-Match versions, consent events, the caller's extra writes, search, and the
 * interaction log.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type CustomerContext,
  createCustomer,
  customerEmailKey,
  customerKey,
  ExtraWritesFailed,
  findCustomerByEmail,
  getCustomer,
  updateCustomer,
} from '#functions/customers/customers.ts';
import { listInteractions, logInteraction } from '#functions/customers/interactions.ts';
import { searchCustomers } from '#functions/customers/search.ts';
import { createCustomerFor, updateCustomerFor } from '#functions/customers/service.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { outbox, settle } from '../orders/fixtures.ts';

const staff: Principal = { sub: 'staff-crm', groups: ['staff'], isStaff: true };
const ctx = (over: Partial<CustomerContext> = {}): CustomerContext => ({
  at: new Date().toISOString(),
  correlationId: 'it-customers',
  by: 'staff-crm',
  source: 'staff',
  ...over,
});

let n = 0;
const uniqueEmail = (local = 'ada') =>
  `${local}.${++n}.${Math.random().toString(36).slice(2, 8)}@example.com`;

const rawItem = async (key: { pk: string; sk: string }) =>
  (await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

const eventsAbout = async (type: string, customerId: string) =>
  (await outbox()).filter((r) => r.type === type && r.event.data.customerId === customerId);

describe('Customers: email uniqueness', () => {
  it('racing creates with one email in three letter cases make exactly one customer', async () => {
    const email = uniqueEmail();
    const cases = [email, email.toUpperCase(), email.replace(/^a/, 'A')];
    const attempts = cases.flatMap((address) =>
      [1, 2, 3].map(() => createCustomer({ email: address, name: 'Ada', origin: 'staff' }, ctx())),
    );
    const outcome = await settle(attempts);
    expect(outcome.count('ok')).toBe(1);
    expect(outcome.count('ALREADY_EXISTS')).toBe(attempts.length - 1);
    const [winner] = outcome.values;
    for (const address of cases) expect((await findCustomerByEmail(address))?.id).toBe(winner!.id);
    expect(await eventsAbout('CustomerCreated', winner!.id)).toHaveLength(1);
  });

  it('changing the email moves the uniqueness item in one transaction', async () => {
    const first = uniqueEmail('grace');
    const second = uniqueEmail('hopper');
    const created = await createCustomer({ email: first, name: 'Grace', origin: 'staff' }, ctx());

    const { customer, changed } = await updateCustomer(created.id, { email: second }, ctx(), {
      expectedVersion: 1,
    });
    expect(changed).toEqual(['email']);
    expect(customer).toMatchObject({ email: second, version: 2 });
    expect(await rawItem(customerEmailKey(first))).toBeUndefined();
    expect((await rawItem(customerEmailKey(second)))?.customerId).toBe(created.id);
    expect(await findCustomerByEmail(first)).toBeUndefined();
    expect((await findCustomerByEmail(second.toUpperCase()))?.id).toBe(created.id);

    // The old address is free for someone else; the new one is not.
    const other = await createCustomer({ email: first, name: 'Other', origin: 'staff' }, ctx());
    expect(other.email).toBe(first);
    await expect(
      createCustomer({ email: second.toUpperCase(), name: 'Clash', origin: 'staff' }, ctx()),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(updateCustomer(other.id, { email: second }, ctx())).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    expect((await getCustomer(other.id))?.email).toBe(first);

    // Another letter case of one's own address keeps the item and changes its display form.
    const upper = second.toUpperCase();
    const recased = await updateCustomer(created.id, { email: upper }, ctx());
    expect(recased.customer.email).toBe(upper);
    expect(await rawItem(customerEmailKey(second))).toMatchObject({ customerId: created.id, email: upper });
  });
});

describe('Customers: versions and consent', () => {
  it('a stale If-Match version is VERSION_CONFLICT and changes nothing', async () => {
    const email = uniqueEmail('stale');
    const created = await createCustomer({ email, name: 'Stale', origin: 'staff' }, ctx());
    await updateCustomer(created.id, { name: 'Fresh' }, ctx(), { expectedVersion: 1 });
    const before = await rawItem(customerKey(created.id));
    const eventsBefore = (await outbox()).length;

    await expect(
      updateCustomer(
        created.id,
        { name: 'Lost', email: uniqueEmail('lost'), marketingConsent: { sms: true } },
        ctx(),
        {
          expectedVersion: 1,
        },
      ),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });

    expect(await rawItem(customerKey(created.id))).toEqual(before);
    expect((await findCustomerByEmail(email))?.id).toBe(created.id);
    expect((await outbox()).length).toBe(eventsBefore);
  });

  it('racing changes at one version: exactly one commits', async () => {
    const created = await createCustomer(
      { email: uniqueEmail('race'), name: 'Race', origin: 'staff' },
      ctx(),
    );
    const outcome = await settle(
      ['A', 'B', 'C', 'D'].map((name) => updateCustomer(created.id, { name }, ctx(), { expectedVersion: 1 })),
    );
    expect(outcome.count('ok')).toBe(1);
    expect(outcome.count('VERSION_CONFLICT')).toBe(3);
    expect((await getCustomer(created.id))?.version).toBe(2);
  });

  it('consent per channel: a ConsentChanged per flipped channel, with time and source', async () => {
    const created = await createCustomer(
      { email: uniqueEmail('consent'), name: 'Consent', origin: 'staff', marketingConsent: { email: true } },
      ctx(),
    );
    expect(created.marketingConsent.email).toMatchObject({ granted: true, source: 'staff' });
    expect(created.marketingConsent.sms).toEqual({ granted: false });
    expect((await eventsAbout('ConsentChanged', created.id)).map((r) => r.event.data.channel)).toEqual([
      'email',
    ]);

    const at = new Date().toISOString();
    const { customer, changed } = await updateCustomer(
      created.id,
      { marketingConsent: { email: false, sms: true } },
      ctx({ at, by: 'webhook', source: 'webhook' }),
    );
    expect(changed).toEqual(['marketingConsent.email', 'marketingConsent.sms']);
    expect(customer.marketingConsent).toEqual({
      email: { granted: false, changedAt: at, source: 'webhook' },
      sms: { granted: true, changedAt: at, source: 'webhook' },
    });
    const consent = (await eventsAbout('ConsentChanged', created.id)).map((r) => r.event.data);
    expect(consent).toHaveLength(3);
    expect(consent).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'email', granted: false, source: 'webhook', changedAt: at }),
        expect.objectContaining({ channel: 'sms', granted: true, source: 'webhook', changedAt: at }),
      ]),
    );
    const updated = (await eventsAbout('CustomerUpdated', created.id)).map((r) => r.event.data);
    expect(updated).toEqual([expect.objectContaining({ version: 2, by: 'webhook', changed })]);

    // Setting what is already set changes nothing: no version, no event.
    const again = await updateCustomer(created.id, { marketingConsent: { sms: true } }, ctx());
    expect(again).toMatchObject({ changed: [], customer: { version: 2 } });
    expect(await eventsAbout('ConsentChanged', created.id)).toHaveLength(3);
  });
});

describe('Customers: the caller’s extra writes', () => {
  const dedupe = (id: string) => ({
    tag: 'dedupe',
    write: {
      Put: {
        TableName: tableName,
        Item: { pk: `TEST_DEDUPE#${id}`, sk: 'EVENT' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  });

  it('commit with the create and the change, and a failed one writes nothing', async () => {
    const email = uniqueEmail('extra');
    const created = await createCustomer({ email, name: 'Extra', origin: 'webhook' }, ctx(), [dedupe(email)]);
    expect(await rawItem({ pk: `TEST_DEDUPE#${email}`, sk: 'EVENT' })).toBeDefined();

    // Replayed dedupe record: the change is refused as a whole.
    await expect(
      updateCustomer(created.id, { name: 'Changed' }, ctx(), { extra: [dedupe(email)] }),
    ).rejects.toBeInstanceOf(ExtraWritesFailed);
    expect((await getCustomer(created.id))?.name).toBe('Extra');
    const other = uniqueEmail('other');
    await expect(
      createCustomer({ email: other, name: 'Twice', origin: 'webhook' }, ctx(), [dedupe(email)]),
    ).rejects.toMatchObject({ tags: ['dedupe'] });
    expect(await findCustomerByEmail(other)).toBeUndefined();

    // Nothing to change: the extra write still commits (guarded by the version).
    const unchanged = await updateCustomer(created.id, { name: 'Extra' }, ctx(), {
      extra: [dedupe(`${email}-2`)],
    });
    expect(unchanged.changed).toEqual([]);
    expect(await rawItem({ pk: `TEST_DEDUPE#${email}-2`, sk: 'EVENT' })).toBeDefined();
  });
});

describe('Customers: the API service', () => {
  it('an Idempotency-Key retry answers the first customer; another body is IDEMPOTENCY_KEY_REUSED', async () => {
    const input = { email: uniqueEmail('idem'), name: 'Idem' };
    const first = await createCustomerFor({
      principal: staff,
      input,
      idempotencyKey: 'k-1',
      correlationId: 'c',
    });
    const again = await createCustomerFor({
      principal: staff,
      input,
      idempotencyKey: 'k-1',
      correlationId: 'c',
    });
    expect(again.id).toBe(first.id);
    await expect(
      createCustomerFor({
        principal: staff,
        input: { ...input, name: 'Else' },
        idempotencyKey: 'k-1',
        correlationId: 'c',
      }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await eventsAbout('CustomerCreated', first.id)).toHaveLength(1);
  });

  it('If-Match is required; a customer edits only their own contact fields and consent', async () => {
    const created = await createCustomer(
      { email: uniqueEmail('self'), name: 'Self', origin: 'staff' },
      ctx(),
    );
    const self: Principal = { sub: created.id, groups: [], isStaff: false };
    const request = { principal: self, id: created.id, correlationId: 'c' };
    await expect(
      updateCustomerFor({ ...request, input: { name: 'No match' }, ifMatch: undefined }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_REQUIRED' });
    await expect(
      updateCustomerFor({ ...request, input: { email: uniqueEmail('mine') }, ifMatch: '1' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const changed = await updateCustomerFor({
      ...request,
      input: { phone: '+44 20 7946 0958', marketingConsent: { sms: true } },
      ifMatch: '"1"',
    });
    expect(changed).toMatchObject({ version: 2, phone: '+44 20 7946 0958' });
    expect(changed.marketingConsent.sms).toMatchObject({ granted: true, source: 'customer' });
    const stranger: Principal = { sub: 'someone-else', groups: [], isStaff: false };
    await expect(
      updateCustomerFor({ ...request, principal: stranger, input: { name: 'X' }, ifMatch: '2' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('Customers: search', () => {
  it('finds by a prefix of the name or the email, ignoring case and accents, paged', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const zoe = await createCustomer(
      { email: `zq${tag}.mail@example.com`, name: `Zoë Q${tag} Ångström`, origin: 'staff' },
      ctx(),
    );
    const zed = await createCustomer(
      { email: `zed.${tag}@example.com`, name: `Zoe Q${tag}`, origin: 'staff' },
      ctx(),
    );
    const byName = await searchCustomers(`ZOE Q${tag}`, { limit: 20 });
    expect(byName.items.map((c) => c.id).sort()).toEqual([zoe.id, zed.id].sort());
    const byEmail = await searchCustomers(`ZQ${tag}.MA`, { limit: 20 });
    expect(byEmail.items.map((c) => c.id)).toEqual([zoe.id]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await searchCustomers(`zoe q${tag}`, { limit: 1, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([zoe.id, zed.id].sort());

    // A renamed customer is found by the new name only.
    await updateCustomer(zed.id, { name: `Xavier ${tag}` }, ctx());
    expect((await searchCustomers(`zoe q${tag}`, { limit: 20 })).items.map((c) => c.id)).toEqual([zoe.id]);
    expect((await searchCustomers(`xavier ${tag}`, { limit: 20 })).items.map((c) => c.id)).toEqual([zed.id]);
  });
});

describe('Customers: interactions', () => {
  it('logs calls and notes newest first with InteractionLogged; unknown customers are 404', async () => {
    const created = await createCustomer({ email: uniqueEmail('log'), name: 'Log', origin: 'staff' }, ctx());
    const call = await logInteraction({
      customerId: created.id,
      input: { kind: 'call', direction: 'inbound', durationSeconds: 120, body: 'Asked about delivery' },
      author: 'staff-crm',
      correlationId: 'c',
    });
    const note = await logInteraction({
      customerId: created.id,
      input: { kind: 'note', body: 'Prefers evenings' },
      author: 'staff-crm',
      idempotencyKey: 'note-1',
      correlationId: 'c',
    });
    expect(call.internal).toBe(false);
    expect(note.internal).toBe(true);
    const retried = await logInteraction({
      customerId: created.id,
      input: { kind: 'note', body: 'Prefers evenings' },
      author: 'staff-crm',
      idempotencyKey: 'note-1',
      correlationId: 'c',
    });
    expect(retried.id).toBe(note.id);

    const page = await listInteractions(created.id, { limit: 10 });
    expect(page.items.map((i) => i.id)).toEqual([note.id, call.id]);
    const logged = await eventsAbout('InteractionLogged', created.id);
    expect(logged.map((r) => r.event.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          interactionId: call.id,
          kind: 'call',
          direction: 'inbound',
          internal: false,
        }),
        expect.objectContaining({
          interactionId: note.id,
          kind: 'note',
          internal: true,
          summary: 'Prefers evenings',
        }),
      ]),
    );
    expect(logged).toHaveLength(2);

    await expect(
      logInteraction({
        customerId: 'nobody',
        input: { kind: 'note', body: 'x' },
        author: 's',
        correlationId: 'c',
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(listInteractions('nobody', { limit: 10 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
