/**
 * Alerting on the local runtime, over HTTP. Alerts enter as their producers' transactions would
 * write them — `StockLow` and `AlertRaised` items in the running runtime's outbox, exactly what
 * `emit` returns — and from there everything is the runtime's own: the stream, the publisher, the
 * bus rule, the `alerting` queue and consumer, the tickets it opens (read with `GET /tickets`),
 * and the ops notifications in the local mailbox (`GET /_local/messages`). Dead letters and the ops
 * page, which need a runtime of their own, are in `dead-letters.test.ts`.
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import { apiClient } from '#infra/local/client.ts';
import { localDynamoClient } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';
import { outboxPut } from '#shared/outbox.ts';
import { alertSku, type OpsMessage, type Summary, stockLow, type Ticket } from '../support/alerting.ts';
import { eventLike, eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
const ddb = DynamoDBDocumentClient.from(localDynamoClient(inject('dynamoDbEndpointE2e')));
const WAIT = { timeoutMs: 60_000, intervalMs: 250, what: 'the alerting consumer' };
let staff: string;

/** Commits an event to the outbox as a producer's transaction would. */
async function publish(event: EventOf<'StockLow'> | EventOf<'AlertRaised'>): Promise<void> {
  await ddb.send(new PutCommand(outboxPut(topology.table.name, event).Put));
}

/** The incidents (newest first) whose subject is `subject`. */
async function incidentsNamed(subject: string): Promise<Summary[]> {
  const res = await api.request<{ items: Summary[] }>('GET', '/tickets?type=incident&limit=100', {
    token: staff,
  });
  expect(res.status).toBe(200);
  return res.body.items.filter((t) => t.subject === subject);
}

async function ticket(id: string): Promise<Ticket> {
  const res = await api.request<Ticket>('GET', `/tickets/${id}`, { token: staff });
  expect(res.status).toBe(200);
  return res.body;
}

async function opsMessages(alertKey: string): Promise<OpsMessage[]> {
  const res = await api.request<{ items: OpsMessage[] }>('GET', '/_local/messages?channel=ops&limit=1000');
  expect(res.status).toBe(200);
  return res.body.items.filter((m) => m.tags.alertKey === alertKey);
}

async function resolve(id: string): Promise<void> {
  for (const status of ['OPEN', 'RESOLVED']) {
    const res = await api.request('PATCH', `/tickets/${id}`, { token: staff, body: { status } });
    expect(res.status).toBe(200);
  }
}

const sku = alertSku;

beforeAll(async () => {
  staff = await api.token('agent-alerting-e2e', ['staff']);
});
afterAll(() => ddb.destroy());

describe('Local runtime: alerts become ops notifications and deduplicated incidents', () => {
  it('opens one incident for two StockLow alerts of a SKU, with a comment, and notifies ops of both', async () => {
    const forSku = sku();
    await publish(stockLow(forSku));
    const [incident] = await eventually(async () => {
      const found = await incidentsNamed(`Stock low: ${forSku}`);
      return found.length === 1 ? found : undefined;
    }, WAIT);
    await publish(stockLow(forSku));
    const commented = await eventually(async () => {
      const t = await ticket(incident?.id ?? '');
      return t.comments.length === 1 ? t : undefined;
    }, WAIT);
    expect(commented).toMatchObject({ type: 'incident', priority: 'high', alertKey: `stock-low:${forSku}` });
    expect(commented.comments[0]).toMatchObject({ internal: true, author: { kind: 'system' } });
    expect(await incidentsNamed(`Stock low: ${forSku}`)).toHaveLength(1);

    const sent = await eventually(async () => {
      const found = await opsMessages(`stock-low:${forSku}`);
      return found.length === 2 ? found : undefined;
    }, WAIT);
    expect(sent.map((m) => m.subject).sort()).toEqual([
      `WARNING: Stock low: ${forSku} [${commented.number} opened]`,
      `WARNING: Stock low: ${forSku} [${commented.number} updated]`,
    ]);
    expect(sent.every((m) => m.channel === 'ops' && m.severity === 'warning')).toBe(true);
  });

  it('opens ONE incident for 50 concurrent identical AlertRaised events', async () => {
    const queue = `e2e-${crypto.randomUUID().slice(0, 8)}`;
    const alertKey = `dlq:${queue}`;
    const summary = `Dead letters in the ${queue} queue`;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        publish(eventLike('AlertRaised', { alertKey, severity: 'critical', summary, origin: 'e2e' })),
      ),
    );
    const incident = await eventually(
      async () => {
        const found = await incidentsNamed(summary);
        expect(found.length).toBeLessThanOrEqual(1);
        if (found.length === 0) return undefined;
        const t = await ticket(found[0]?.id ?? '');
        return t.comments.length >= 49 ? t : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, what: '50 alerts applied' },
    );
    expect(incident.comments).toHaveLength(49);
    expect(incident).toMatchObject({ priority: 'urgent', alertKey });
    expect(await incidentsNamed(summary)).toHaveLength(1);
    const notified = await eventually(async () => {
      const found = await opsMessages(alertKey);
      return found.length >= 50 ? found : undefined;
    }, WAIT);
    expect(notified).toHaveLength(50);
  });

  it('opens a new incident linked to the old one when the fault recurs after it was resolved', async () => {
    const forSku = sku();
    await publish(stockLow(forSku));
    const [first] = await eventually(async () => {
      const found = await incidentsNamed(`Stock low: ${forSku}`);
      return found.length === 1 ? found : undefined;
    }, WAIT);
    await resolve(first?.id ?? '');
    const resolved = await ticket(first?.id ?? '');
    expect(resolved.status).toBe('RESOLVED');

    await publish(stockLow(forSku));
    const [second] = await eventually(async () => {
      const found = await incidentsNamed(`Stock low: ${forSku}`);
      return found.length === 2 ? found : undefined;
    }, WAIT);
    const recurrence = await ticket(second?.id ?? '');
    expect(recurrence.id).not.toBe(first?.id);
    expect(recurrence.previousIncidentId).toBe(first?.id);
    expect(recurrence.status).toBe('NEW');
    expect(recurrence.description).toContain(
      `Recurrence of ${resolved.number}, resolved by agent-alerting-e2e`,
    );
  });
});
