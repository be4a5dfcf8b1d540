/**
 * The sales pipeline against DynamoDB Local: leads (idempotent create, lists by owner and status),
 * conversion (customer found or created in the same transaction, once only, also under a race),
 * conditional opportunity changes with history (If-Match, concurrency, the pipeline's rules),
 * lists by owner and stage, and activities with their `InteractionLogged`.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createCustomer, findCustomerByEmail } from '#functions/customers/customers.ts';
import { listActivities, logActivity } from '#functions/pipeline/activities.ts';
import { changeOpportunity } from '#functions/pipeline/changes.ts';
import type { UpdateOpportunityInput } from '#functions/pipeline/contract.ts';
import { convertLead } from '#functions/pipeline/conversion.ts';
import { createLead, getLead, leadKey, listLeads } from '#functions/pipeline/leads.ts';
import { getOpportunityWithHistory, listOpportunities } from '#functions/pipeline/opportunities.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { outbox, settle, staff } from '../orders/fixtures.ts';

const ada = staff('ada-pipeline');
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

const lead = (owner: string, email?: string) =>
  createLead({
    principal: ada,
    input: {
      name: 'Grace Hopper',
      company: 'Cobol Works',
      ...(email === undefined ? {} : { email }),
      source: 'trade fair',
      owner,
    },
    correlationId: 'test',
  });

const conversion = {
  name: 'Forty licences',
  amount: 480_000,
  currency: 'EUR',
  expectedCloseDate: '2031-06-30',
};
const convert = (leadId: string) =>
  convertLead({ leadId, input: conversion, principal: ada, correlationId: 'test' });

const change = (opportunityId: string, input: UpdateOpportunityInput, expectedVersion?: number) =>
  changeOpportunity({ opportunityId, input, expectedVersion, principal: ada, correlationId: 'test' });

async function opportunity(owner = unique('owner')) {
  const created = await lead(owner);
  return (await convert(created.id)).opportunity;
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('Pipeline: leads (DynamoDB Local)', () => {
  it('creates a lead owned by the caller by default and emits LeadCreated', async () => {
    const created = await createLead({
      principal: ada,
      input: { name: 'Ada', source: 'web form' },
      correlationId: 'req-lead',
    });
    expect(created).toMatchObject({ owner: ada.sub, status: 'open', createdBy: ada.sub });
    expect(await getLead(created.id)).toEqual(created);
    const events = (await outbox()).filter(
      (r) => r.type === 'LeadCreated' && r.event.data.leadId === created.id,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.event).toMatchObject({
      correlationId: 'req-lead',
      data: { owner: ada.sub, source: 'web form' },
    });
  });

  it('answers a retry with the same Idempotency-Key with the first lead, and refuses the key with another body', async () => {
    const key = crypto.randomUUID();
    const input = { name: 'Linus', source: 'referral' };
    const first = await createLead({ principal: ada, input, idempotencyKey: key, correlationId: 'a' });
    const again = await createLead({ principal: ada, input, idempotencyKey: key, correlationId: 'b' });
    expect(again).toEqual(first);
    expect(
      await code(
        createLead({
          principal: ada,
          input: { ...input, name: 'Other' },
          idempotencyKey: key,
          correlationId: 'c',
        }),
      ),
    ).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await outbox()).filter((r) => r.event.data.leadId === first.id)).toHaveLength(1);
  });

  it('lists leads by owner (optionally one status) and by status, paged, newest first', async () => {
    const owner = unique('lister');
    const [a, b, c] = [await lead(owner), await lead(owner), await lead(owner)];
    await convert(b.id);
    const all = await listLeads({ owner, limit: 10 });
    // Grouped by status (open sorts after converted, newest first within each).
    expect(all.items.map((l) => l.id)).toEqual([c.id, a.id, b.id]);
    expect((await listLeads({ owner, status: 'converted', limit: 10 })).items.map((l) => l.id)).toEqual([
      b.id,
    ]);
    const first = await listLeads({ owner, status: 'open', limit: 1 });
    const second = await listLeads({
      owner,
      status: 'open',
      limit: 1,
      cursor: first.nextCursor ?? undefined,
    });
    expect([...first.items, ...second.items].map((l) => l.id)).toEqual([c.id, a.id]);
    const converted = await listLeads({ status: 'converted', limit: 100 });
    expect(converted.items.map((l) => l.id)).toContain(b.id);
    expect(converted.items.every((l) => l.status === 'converted')).toBe(true);
    // A cursor of one owner's list is refused on another's.
    expect(
      await code(listLeads({ owner: 'someone-else', limit: 1, cursor: first.nextCursor ?? undefined })),
    ).toBe('VALIDATION_FAILED');
  });
});

describe('Pipeline: conversion (DynamoDB Local)', () => {
  it('converts once: opportunity in the first stage, a new customer for a new email, both events', async () => {
    const email = `${unique('grace')}@cobol.example`;
    const created = await lead(unique('owner'), email);
    const done = await convert(created.id);
    expect(done.customer).toMatchObject({ created: true });
    expect(done.opportunity).toMatchObject({
      leadId: created.id,
      customerId: done.customer?.id,
      owner: created.owner,
      stage: 'prospecting',
      probability: 10,
      version: 1,
      amount: 480_000,
    });
    expect(done.lead).toMatchObject({ status: 'converted', opportunityId: done.opportunity.id });
    expect(await getLead(created.id)).toEqual(done.lead);
    const customer = await findCustomerByEmail(email.toUpperCase());
    expect(customer).toMatchObject({ id: done.customer?.id, name: 'Grace Hopper', origin: 'lead' });
    const types = (await outbox())
      .filter((r) => r.event.data.leadId === created.id || r.event.data.customerId === done.customer?.id)
      .map((r) => r.type)
      .sort();
    expect(types).toEqual(['CustomerCreated', 'LeadConverted', 'LeadCreated', 'OpportunityCreated']);

    // Twice: 409 INVALID_STATE naming the lead's status; nothing else written.
    const again = convert(created.id);
    await expect(again).rejects.toMatchObject({
      code: 'INVALID_STATE',
      extra: { currentStatus: 'converted' },
    });
  });

  it('attaches the existing customer with that email, in any letter case', async () => {
    const email = `${unique('kay')}@example.com`;
    const existing = await createCustomer(
      { email, name: 'Kay', origin: 'staff' },
      { at: new Date().toISOString(), correlationId: 't', by: ada.sub, source: 'staff' },
    );
    const done = await convert((await lead(unique('owner'), email.toUpperCase())).id);
    expect(done.customer).toEqual({ id: existing.id, created: false, writes: [] });
    expect(done.opportunity.customerId).toBe(existing.id);
  });

  it('attaches no customer to a lead without an email', async () => {
    const done = await convert((await lead(unique('owner'))).id);
    expect(done.customer).toBeUndefined();
    expect(done.opportunity.customerId).toBeUndefined();
  });

  it('converts a lead exactly once under racing requests', async () => {
    const created = await lead(unique('owner'), `${unique('race')}@example.com`);
    const outcome = await settle(Array.from({ length: 5 }, () => convert(created.id)));
    expect(outcome.codes).toEqual({ ok: 1, INVALID_STATE: 4 });
    const stored = await getLead(created.id);
    expect(stored?.opportunityId).toBe(outcome.values[0]?.opportunity.id);
    const opportunities = (await outbox()).filter(
      (r) => r.type === 'OpportunityCreated' && r.event.data.leadId === created.id,
    );
    expect(opportunities).toHaveLength(1);
  });

  it('lets two leads with one new email race: one creates the customer, the other finds it', async () => {
    const email = `${unique('twin')}@example.com`;
    const [a, b] = [await lead(unique('owner'), email), await lead(unique('owner'), email)];
    const [x, y] = await Promise.all([convert(a.id), convert(b.id)]);
    expect(x.opportunity.customerId).toBeDefined();
    expect(x.opportunity.customerId).toBe(y.opportunity.customerId);
    expect([x.customer?.created, y.customer?.created].sort()).toEqual([false, true]);
  });

  it('is NOT_FOUND for an unknown lead', async () => {
    expect(await code(convert('01JQ7A0B2C3D4E5F6G7H8J9K0Z'))).toBe('NOT_FOUND');
    const item = await ddb.send(
      new GetCommand({ TableName: tableName, Key: leadKey('01JQ7A0B2C3D4E5F6G7H8J9K0Z') }),
    );
    expect(item.Item).toBeUndefined();
  });
});

describe('Pipeline: opportunity changes (DynamoDB Local)', () => {
  it('moves stages back and forth with a history entry per version and the matching events', async () => {
    const opp = await opportunity();
    await change(opp.id, { stage: 'proposal' });
    await change(opp.id, { stage: 'qualification', amount: 400_000 });
    const moved = await change(opp.id, { expectedCloseDate: '2031-07-15' });
    expect(moved.opportunity).toMatchObject({
      stage: 'qualification',
      probability: 25,
      version: 4,
      amount: 400_000,
    });
    const read = await getOpportunityWithHistory(opp.id);
    expect(read?.opportunity).toEqual(moved.opportunity);
    expect(read?.history.map((h) => [h.version, h.previousStage, h.stage, h.changed])).toEqual([
      [1, undefined, 'prospecting', []],
      [2, 'prospecting', 'proposal', ['stage']],
      [3, 'proposal', 'qualification', ['stage', 'amount']],
      [4, 'qualification', 'qualification', ['expectedCloseDate']],
    ]);
    const events = (await outbox())
      .filter((r) => r.event.data.opportunityId === opp.id && r.type.startsWith('Opportunity'))
      .sort((a, b) => Number(a.event.data.version) - Number(b.event.data.version));
    expect(events.map((r) => r.type)).toEqual([
      'OpportunityCreated',
      'OpportunityStageChanged',
      'OpportunityStageChanged',
      'OpportunityUpdated',
    ]);
    expect(events[3]?.event.data).toMatchObject({
      version: 4,
      previous: { stage: 'qualification', closeMonth: '2031-06', amount: 400_000, probability: 25 },
      current: { stage: 'qualification', closeMonth: '2031-07', amount: 400_000, probability: 25 },
    });
  });

  it('answers a no-op change with the opportunity as it is: no version, no event', async () => {
    const opp = await opportunity();
    const same = await change(opp.id, { stage: 'prospecting', amount: opp.amount });
    expect(same.opportunity).toEqual(opp);
    const events = (await outbox()).filter(
      (r) => r.event.data.opportunityId === opp.id && r.type.startsWith('Opportunity'),
    );
    expect(events.map((r) => r.type)).toEqual(['OpportunityCreated']);
  });

  it('refuses a stale If-Match with VERSION_CONFLICT and changes nothing', async () => {
    const opp = await opportunity();
    await change(opp.id, { stage: 'proposal' }, 1);
    expect(await code(change(opp.id, { stage: 'won' }, 1))).toBe('VERSION_CONFLICT');
    const read = await getOpportunityWithHistory(opp.id);
    expect(read?.opportunity).toMatchObject({ stage: 'proposal', version: 2 });
    expect(read?.history).toHaveLength(2);
  });

  it('pins concurrent changes to one version: exactly one If-Match wins', async () => {
    const opp = await opportunity();
    const outcome = await settle(
      (['qualification', 'proposal', 'negotiation', 'won', 'lost'] as const).map((stage) =>
        change(opp.id, { stage }, 1),
      ),
    );
    expect(outcome.codes).toEqual({ ok: 1, VERSION_CONFLICT: 4 });
    const read = await getOpportunityWithHistory(opp.id);
    expect(read?.opportunity.version).toBe(2);
    expect(read?.history.map((h) => h.version)).toEqual([1, 2]);
  });

  it('applies concurrent changes without If-Match one after another, each on the version before it', async () => {
    const opp = await opportunity();
    const amounts = Array.from({ length: 6 }, (_, i) => 100_000 + i);
    const outcome = await settle(amounts.map((amount) => change(opp.id, { amount })));
    expect(outcome.count('ok')).toBe(6);
    const read = await getOpportunityWithHistory(opp.id);
    expect(read?.opportunity.version).toBe(7);
    expect(read?.history.map((h) => h.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // The events chain: each one's `previous` is the one before's `current`.
    const events = (await outbox())
      .filter((r) => r.event.data.opportunityId === opp.id && r.type === 'OpportunityUpdated')
      .map(
        (r) => r.event.data as { version: number; previous: { amount: number }; current: { amount: number } },
      )
      .sort((a, b) => a.version - b.version);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]?.previous.amount).toBe(events[i - 1]?.current.amount);
    }
    expect(events.at(-1)?.current.amount).toBe(read?.opportunity.amount);
  });

  it('keeps won final and reopens lost only to an open stage, even for a change racing the close', async () => {
    const won = await opportunity();
    const outcome = await settle([
      change(won.id, { stage: 'won' }),
      change(won.id, { amount: 1 }),
      change(won.id, { amount: 2 }),
    ]);
    const read = await getOpportunityWithHistory(won.id);
    expect(read?.opportunity.stage).toBe('won');
    expect(read?.opportunity.closedAt).toBeDefined();
    // Amount changes that came after the close were refused; those before it were kept: the
    // close is the last version, and every change either committed before it or was refused.
    expect(read?.history.at(-1)?.stage).toBe('won');
    expect(outcome.count('ok')).toBe(read?.history.length === undefined ? -1 : read.history.length - 1);
    expect(outcome.count('ok') + outcome.count('INVALID_STATE')).toBe(3);
    expect(await code(change(won.id, { stage: 'proposal' }))).toBe('INVALID_STATE');

    const lost = await opportunity();
    await change(lost.id, { stage: 'lost' });
    expect(await code(change(lost.id, { amount: 5 }))).toBe('INVALID_STATE');
    expect(await code(change(lost.id, { stage: 'won' }))).toBe('INVALID_STATE');
    const reopened = await change(lost.id, { stage: 'negotiation', amount: 5 });
    expect(reopened.opportunity).toMatchObject({
      stage: 'negotiation',
      probability: 75,
      amount: 5,
      version: 3,
    });
    expect(reopened.opportunity.closedAt).toBeUndefined();
  });

  it('lists opportunities by owner (optionally one stage) and by stage, paged', async () => {
    const owner = unique('lister');
    const a = await opportunity(owner);
    const b = await opportunity(owner);
    await change(b.id, { stage: 'negotiation', expectedCloseDate: '2031-01-01' });
    const all = await listOpportunities({ owner, limit: 10 });
    expect(all.items.map((o) => o.id)).toEqual([b.id, a.id]);
    expect(
      (await listOpportunities({ owner, stage: 'prospecting', limit: 10 })).items.map((o) => o.id),
    ).toEqual([a.id]);
    const first = await listOpportunities({ stage: 'negotiation', limit: 1 });
    expect(first.items).toHaveLength(1);
    const rest = await listOpportunities({
      stage: 'negotiation',
      limit: 100,
      cursor: first.nextCursor ?? undefined,
    });
    expect([...first.items, ...rest.items].map((o) => o.id)).toContain(b.id);
    expect([...first.items, ...rest.items].every((o) => o.stage === 'negotiation')).toBe(true);
  });
});

describe('Pipeline: activities (DynamoDB Local)', () => {
  it('logs activities on a lead and an opportunity, lists them newest first, and emits InteractionLogged', async () => {
    const email = `${unique('act')}@example.com`;
    const created = await lead(unique('owner'), email);
    const call = await logActivity({
      subject: { type: 'lead', id: created.id },
      input: { kind: 'call', body: 'Intro call', direction: 'outbound', durationSeconds: 300 },
      principal: ada,
      correlationId: 'req-act',
    });
    const done = await convert(created.id);
    const note = await logActivity({
      subject: { type: 'opportunity', id: done.opportunity.id },
      input: { kind: 'note', body: 'x'.repeat(500) },
      principal: ada,
      correlationId: 'req-act',
    });
    expect(note.customerId).toBe(done.customer?.id);
    expect((await listActivities({ type: 'lead', id: created.id }, { limit: 10 })).items).toEqual([call]);
    const onOpportunity = await listActivities(
      { type: 'opportunity', id: done.opportunity.id },
      { limit: 10 },
    );
    expect(onOpportunity.items).toEqual([note]);
    // The opportunity's history read never includes its activities.
    expect((await getOpportunityWithHistory(done.opportunity.id))?.history).toHaveLength(1);

    const logged = (await outbox()).filter((r) => r.type === 'InteractionLogged');
    const mine = logged.filter(
      (r) => r.event.data.interactionId === note.id || r.event.data.interactionId === call.id,
    );
    expect(
      mine
        .map((r) => r.event.data)
        .sort((a, b) => String(a.interactionId).localeCompare(String(b.interactionId))),
    ).toEqual([
      {
        interactionId: call.id,
        subject: { type: 'lead', id: created.id },
        kind: 'call',
        direction: 'outbound',
        durationSeconds: 300,
        internal: true,
        summary: 'Intro call',
        author: ada.sub,
        occurredAt: call.occurredAt,
      },
      {
        interactionId: note.id,
        subject: { type: 'opportunity', id: done.opportunity.id },
        customerId: done.customer?.id,
        kind: 'note',
        internal: true,
        summary: 'x'.repeat(200),
        author: ada.sub,
        occurredAt: note.occurredAt,
      },
    ]);
  });

  it('is NOT_FOUND on an unknown subject, for logging and for listing', async () => {
    const missing = { type: 'opportunity' as const, id: '01JQ7A0B2C3D4E5F6G7H8J9K0Z' };
    expect(
      await code(
        logActivity({
          subject: missing,
          input: { kind: 'note', body: 'x' },
          principal: ada,
          correlationId: 't',
        }),
      ),
    ).toBe('NOT_FOUND');
    expect(await code(listActivities(missing, { limit: 5 }))).toBe('NOT_FOUND');
    expect(await code(listActivities({ type: 'lead', id: missing.id }, { limit: 5 }))).toBe('NOT_FOUND');
  });
});
