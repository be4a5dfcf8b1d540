/**
 * The service desk over HTTP through the local runtime: 40 concurrent creations get contiguous
 * numbers; customers see only their own tickets and never internal comments; a change cannot be
 * resolved with an open checklist item or without approval; problems list and resolve their
 * incidents; ticket events reach the customer's timeline.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
let agent: string;
let lead: string;
let carol: string;
let dave: string;
const carolId = uniqueId('tck-carol').toLowerCase();
const daveId = uniqueId('tck-dave').toLowerCase();

interface Ticket {
  id: string;
  number: string;
  status: string;
  type: string;
  customerId?: string;
  responseDueAt?: string;
  resolutionDueAt?: string;
  firstResponseAt?: string;
  comments: { body: string; internal: boolean; author: { kind: string; id?: string } }[];
  incidents?: { id: string }[];
  checklist?: { id: string; done: boolean }[];
  version: number;
}
interface Page {
  items: { id: string; number: string; status: string }[];
  nextCursor: string | null;
}

const body = (extra: Record<string, unknown> = {}) => ({
  type: 'incident',
  subject: 'Parcel missing',
  description: 'Tracking says delivered, nothing here',
  priority: 'urgent',
  ...extra,
});

const create = (token: string, extra: Record<string, unknown> = {}) =>
  api.request<Ticket>('POST', '/tickets', { token, body: body(extra) });
const patch = (token: string, id: string, change: Record<string, unknown>) =>
  api.request<Ticket & { code?: string; currentStatus?: string }>('PATCH', `/tickets/${id}`, {
    token,
    body: change,
  });
const get = (token: string, id: string) => api.request<Ticket>('GET', `/tickets/${id}`, { token });

beforeAll(async () => {
  [agent, lead, carol, dave] = await Promise.all([
    api.token('agent-tickets-e2e', ['staff']),
    api.token('lead-tickets-e2e', ['staff']),
    api.token(carolId),
    api.token(daveId),
  ]);
});

/** Concurrent creations over HTTP; the 1,000-ticket burst is the bench's (`npm run bench`). */
const BURST = 40;

describe('Tickets over HTTP', () => {
  it(`numbers ${BURST} concurrent creations without gap or duplicate, retries answered by their Idempotency-Key`, {
    timeout: 600_000,
  }, async () => {
    // Warm containers first: a cold pool on a busy machine would spend the gateway's 30 s on start-up.
    await Promise.all(Array.from({ length: 4 }, () => create(agent)));
    // BURST clients at once, each retrying a 429/5xx (the gateway's 30 s timeout under load) with
    // its own Idempotency-Key, as the API asks clients to.
    const burst = uniqueId('burst');
    const one = async (i: number) => {
      for (let attempt = 0; ; attempt++) {
        const res = await api.request<Ticket>('POST', '/tickets', {
          token: agent,
          headers: { 'idempotency-key': `${burst}-${i}` },
          body: body({ subject: `Burst ${i}` }),
        });
        if (res.status < 429 || attempt >= 30) return res;
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
      }
    };
    const responses = await Promise.all(Array.from({ length: BURST }, (_, i) => one(i)));
    expect(responses.map((r) => r.status)).toEqual(Array(BURST).fill(201));
    const ours = responses.map((r) => Number(r.body.number.replace('TCK-', '')));
    expect(new Set(ours).size).toBe(BURST);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(BURST);
    // Every number up to our highest belongs to exactly one ticket: numbers commit in order with
    // their tickets (and list items), so all of them are listed once our last one answered.
    const all: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Page } = await api.request<Page>(
        'GET',
        `/tickets?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: agent },
      );
      expect(page.status).toBe(200);
      all.push(...page.body.items.map((t) => Number(t.number.replace('TCK-', ''))));
      cursor = page.body.nextCursor;
    } while (cursor);
    const max = Math.max(...ours);
    const upToOurs = all.filter((n) => n <= max).sort((a, b) => a - b);
    expect(upToOurs).toEqual(Array.from({ length: max }, (_, i) => i + 1));
  });

  it('shows a customer their own ticket without internal comments, and another customer’s as 404', async () => {
    const created = await create(carol);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'NEW', customerId: carolId });
    expect(created.body.number).toMatch(/^TCK-\d{6,}$/);
    expect(created.body.responseDueAt).toBeDefined();
    expect(created.body.resolutionDueAt).toBeDefined();
    const id = created.body.id;
    const internal = await api.request('POST', `/tickets/${id}/comments`, {
      token: agent,
      body: { body: 'Carrier is known to lose parcels here', internal: true },
    });
    expect(internal.status).toBe(201);
    const reply = await api.request('POST', `/tickets/${id}/comments`, {
      token: agent,
      body: { body: 'We have asked the carrier.' },
    });
    expect(reply.status).toBe(201);
    const asCarol = await get(carol, id);
    expect(asCarol.status).toBe(200);
    expect(asCarol.body.comments.map((c) => c.body)).toEqual(['We have asked the carrier.']);
    expect(asCarol.body.comments[0]?.author).toEqual({ kind: 'staff' });
    expect(asCarol.body.firstResponseAt).toBeDefined();
    const asStaff = await get(agent, id);
    expect(asStaff.body.comments).toHaveLength(2);
    expect((await get(dave, id)).status).toBe(404);
    expect(
      (
        await api.request('POST', `/tickets/${id}/comments`, {
          token: carol,
          body: { body: 'x', internal: true },
        })
      ).status,
    ).toBe(403);
    expect(
      (await api.request('POST', `/tickets/${id}/comments`, { token: dave, body: { body: 'x' } })).status,
    ).toBe(404);
    const mine = await api.request<Page>('GET', '/tickets/mine', { token: carol });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((t) => t.id)).toContain(id);
    expect(
      (await api.request<Page>('GET', '/tickets/mine', { token: dave })).body.items.map((t) => t.id),
    ).not.toContain(id);
    expect((await api.request('GET', '/tickets', { token: carol })).status).toBe(403);
  });

  it('refuses invalid moves with INVALID_STATE, lists by status, and honours If-Match', async () => {
    const { body: t } = await create(agent, { priority: 'high' });
    const bad = await patch(agent, t.id, { status: 'CLOSED' });
    expect(bad.status).toBe(409);
    expect(bad.body).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'NEW' });
    const opened = await api.request<Ticket>('PATCH', `/tickets/${t.id}`, {
      token: agent,
      headers: { 'if-match': `"${t.version}"` },
      body: { status: 'OPEN', assignee: 'agent-tickets-e2e' },
    });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('etag')).toBe(`"${t.version + 1}"`);
    const stale = await api.request('PATCH', `/tickets/${t.id}`, {
      token: agent,
      headers: { 'if-match': `"${t.version}"` },
      body: { priority: 'low' },
    });
    expect(stale.status).toBe(412);
    const queue = await api.request<Page>(
      'GET',
      '/tickets?status=OPEN&assignee=agent-tickets-e2e&order=due',
      {
        token: agent,
      },
    );
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((i) => i.id)).toContain(t.id);
  });

  it('resolves a change only with its checklist done and an approval by another staff member', async () => {
    const { body: change } = await create(agent, {
      type: 'change',
      priority: 'normal',
      checklist: ['Back up'],
    });
    expect((await patch(agent, change.id, { status: 'OPEN' })).status).toBe(200);
    const notReady = await patch(agent, change.id, { status: 'RESOLVED' });
    expect(notReady.status).toBe(409);
    expect(notReady.body).toMatchObject({
      code: 'CHANGE_NOT_READY',
      openChecklistItems: ['1'],
      approved: false,
    });
    expect((await api.request('POST', `/tickets/${change.id}/approval`, { token: agent })).status).toBe(403);
    expect((await api.request('POST', `/tickets/${change.id}/approval`, { token: lead })).status).toBe(200);
    const unticked = await patch(agent, change.id, { status: 'RESOLVED' });
    expect(unticked.body).toMatchObject({
      code: 'CHANGE_NOT_READY',
      openChecklistItems: ['1'],
      approved: true,
    });
    const ticked = await api.request<Ticket>('PATCH', `/tickets/${change.id}/checklist/1`, {
      token: lead,
      body: { done: true },
    });
    expect(ticked.body.checklist?.[0]?.done).toBe(true);
    expect((await patch(agent, change.id, { status: 'RESOLVED' })).body.status).toBe('RESOLVED');
  });

  it('lists a problem’s incidents and resolves them with it', async () => {
    const { body: problem } = await create(agent, { type: 'problem', priority: 'high' });
    const incidents = await Promise.all([create(agent), create(agent)]);
    for (const i of incidents)
      expect((await patch(agent, i.body.id, { problemId: problem.id })).status).toBe(200);
    const listed = await get(agent, problem.id);
    expect(listed.body.incidents?.map((i) => i.id).sort()).toEqual(incidents.map((i) => i.body.id).sort());
    await patch(agent, problem.id, { status: 'OPEN' });
    const resolved = await patch(agent, problem.id, { status: 'RESOLVED', resolveLinkedIncidents: true });
    expect(resolved.status).toBe(200);
    for (const i of incidents) expect((await get(agent, i.body.id)).body.status).toBe('RESOLVED');
  });

  it('puts ticket events on the customer’s timeline', async () => {
    const { body: t } = await create(dave);
    await patch(agent, t.id, { status: 'OPEN' });
    await patch(agent, t.id, { status: 'RESOLVED' });
    const kinds = await eventually(
      async () => {
        const res = await api.request<{ items: { type: string; refs: Record<string, string> }[] }>(
          'GET',
          `/customers/${encodeURIComponent(daveId)}/timeline?limit=100`,
          { token: dave },
        );
        const mine = res.body.items?.filter((i) => i.refs.ticketId === t.id).map((i) => i.type) ?? [];
        return ['ticket.created', 'ticket.status_changed', 'ticket.resolved'].every((k) => mine.includes(k))
          ? mine
          : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500, what: 'ticket entries on the timeline' },
    );
    expect(kinds.filter((k) => k === 'ticket.status_changed')).toHaveLength(2);
  });
});
