/**
 * Replaying archived events to one consumer on the shared local runtime (`POST /_local/replays`,
 * what `npm run replay` calls): a customer's order reaches their timeline; replaying the window of
 * that order to the `timeline` consumer sends the archived OrderPlaced to the timeline's queue
 * only, the consumer takes every replayed message off its queue (none dead-lettered), and the
 * timeline is unchanged — the consumer's marker for the event id makes the replay a no-op.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, uniqueId } from '#infra/local/client.ts';
import { eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** `npm run replay -- …` against the shared runtime. */
const replayCli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['infra/local/replay-cli.ts', ...args, '--url', api.baseUrl], {
    cwd: ROOT,
  });
const customerId = uniqueId('rp-cust').toLowerCase();
let staff: string;
let customer: string;

interface TimelinePage {
  items: { id: string; type: string; refs: Record<string, string> }[];
}
interface Replay {
  name: string;
  consumer: string;
  events: { id: string; detailType: string; envelopeId?: string; messageId: string }[];
}
interface QueueView {
  items: { messageId: string }[];
}
interface EventsView {
  events: {
    event: { 'detail-type': string; detail: { id: string; data?: { orderId?: string } } };
    consumers: string[];
  }[];
}

const timeline = async () => {
  const res = await api.request<TimelinePage>('GET', `/customers/${customerId}/timeline?limit=100`, {
    token: staff,
  });
  return res.status === 200 ? res.body.items : undefined;
};

let from: Date;
let orderId: string;

beforeAll(async () => {
  [staff, customer] = await Promise.all([api.token('staff-replay-e2e', ['staff']), api.token(customerId)]);
  const sku = uniqueId('RP');
  expect(
    (
      await api.request('PUT', `/products/${sku}`, {
        token: staff,
        body: { name: 'Teapot', price: 1900, currency: 'EUR' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await api.request('POST', `/products/${sku}/stock-movements`, {
        token: staff,
        body: { quantity: 3, reason: 'receipt' },
      })
    ).status,
  ).toBe(201);
  // Event times are to the second: the window starts at the second the order is placed in.
  from = new Date(Math.floor(Date.now() / 1000) * 1000);
  const placed = await api.request<{ id: string }>('POST', '/orders', {
    token: customer,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: {
      lines: [{ sku, quantity: 1 }],
      shippingAddress: { name: 'Rae', line1: '2 Side St', city: 'Lyon', postalCode: '69001', country: 'FR' },
    },
  });
  expect(placed.status).toBe(201);
  orderId = placed.body.id;
});

describe('Local runtime: replaying archived events to one consumer', () => {
  it("delivers the window's events to that consumer only, which applies nothing twice", async () => {
    // Prepare: the order is on the customer's timeline, applied once.
    const before = await eventually(
      async () => {
        const items = await timeline();
        return items?.some((i) => i.type === 'order.placed') ? items : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the order on the timeline' },
    );
    const events = await api.request<EventsView>('GET', '/_local/events?limit=1000');
    const archived = events.body.events.find(
      (d) => d.event['detail-type'] === 'OrderPlaced' && d.event.detail.data?.orderId === orderId,
    );
    expect(archived?.consumers).toContain('timeline');
    const to = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);

    // Act: the command, as an operator runs it
    const { stdout } = await replayCli(
      '--consumer',
      'timeline',
      '--from',
      from.toISOString(),
      '--to',
      to.toISOString(),
      '--json',
    );

    // Assess: the order's event was sent again, to the timeline's queue only...
    const replay = JSON.parse(stdout) as Replay;
    expect(replay.consumer).toBe('timeline');
    const ours = replay.events.filter((e) => e.envelopeId === archived?.event.detail.id);
    expect(ours).toEqual([expect.objectContaining({ detailType: 'OrderPlaced' })]);
    const sent = new Set(replay.events.map((e) => e.messageId));
    // ...the consumer took every replayed message off its queue, none dead-lettered...
    await eventually(
      async () => {
        const queue = await api.request<QueueView>('GET', '/_local/queues/timeline');
        return queue.body.items.some((m) => sent.has(m.messageId)) ? undefined : true;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the replayed messages consumed' },
    );
    const dlq = await api.request<QueueView>('GET', '/_local/queues/timeline/dlq');
    expect(dlq.body.items.filter((m) => sent.has(m.messageId))).toEqual([]);
    // ...and changed nothing: the consumer had applied the event (its marker), so no second entry.
    // (Other consumers may still add this order's invoice meanwhile: one entry per kind at most.)
    const after = (await timeline()) ?? [];
    expect(after.map((i) => i.id)).toEqual(expect.arrayContaining(before.map((i) => i.id)));
    const kinds = after.map((i) => i.type);
    expect(kinds.filter((k) => k === 'order.placed')).toHaveLength(1);
    expect(new Set(kinds).size).toBe(kinds.length);
    const history = await api.request<{ replays: { name: string }[] }>('GET', '/_local/replays');
    expect(history.body.replays.map((r) => r.name)).toContain(replay.name);
  });

  it('refuses an unknown consumer and a window that ends before it starts', async () => {
    await expect(
      replayCli('--consumer', 'timeline', '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z'),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--from must be before --to') });
    const unknown = await api.request<{ message: string }>('POST', '/_local/replays', {
      body: { consumer: 'nobody', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/No consumer nobody; consumers: .*timeline/);
    const backwards = await api.request<{ message: string }>('POST', '/_local/replays', {
      body: { consumer: 'timeline', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toMatch(/before/);
  });
});
