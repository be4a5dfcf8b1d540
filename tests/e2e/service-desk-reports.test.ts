/**
 * Service-desk reports on the local runtime. The ticket routes are built elsewhere, so this test
 * stands in for the tickets context's transactions: it writes ticket events to the running
 * runtime's outbox, exactly the items `emit` returns. From there everything is the runtime's own —
 * the table stream, the publisher, the bus rule, the `serviceDeskReports` queue and consumer — and
 * the figures are read over HTTP. Dates are a random day far in the future, so other tests' tickets
 * never share its counters; the backlog is global, so it is compared by difference.
 */
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import type { TicketStatus } from '#events/tickets.ts';
import { apiClient } from '#infra/local/client.ts';
import { localDynamoClient } from '#infra/local/dynamodb.ts';
import { topology } from '#infra/topology.ts';
import { outboxPut } from '#shared/outbox.ts';
import { eventLike, eventually } from '../support/backbone.ts';

const api = apiClient(inject('baseUrl'));
const ddb = DynamoDBDocumentClient.from(localDynamoClient(inject('dynamoDbEndpointE2e')));
const HOUR = 3_600_000;
let staff: string;
let customer: string;

interface BusDelivery {
  event: { detail: { id: string } };
  consumers: string[];
}

type TicketEvent = EventOf<'TicketCreated'> | EventOf<'TicketStatusChanged'> | EventOf<'TicketResolved'>;

/** Commits an event to the outbox as a producer's transaction would. */
async function publish(event: TicketEvent): Promise<void> {
  await ddb.send(new PutCommand(outboxPut(topology.table.name, event).Put));
}

interface Figures {
  opened: number;
  resolved: number;
  reopened: number;
  responseAttainmentPercent: number | null;
  resolutionAttainmentPercent: number | null;
  meanTimeToResolveMs: number | null;
  meanBusinessTimeToResolveMs: number | null;
}
interface Report {
  totals: Figures;
  byType: Record<string, Figures & { byPriority: Record<string, Figures> }>;
  days: { date: string; opened: number; resolved: number; reopened: number }[];
  backlog: { byStatus: Record<TicketStatus, number>; open: number };
}

const report = async (from: string, to: string) => {
  const res = await api.request<Report>('GET', `/reports/service-desk?from=${from}&to=${to}`, {
    token: staff,
  });
  expect(res.status).toBe(200);
  return res.body;
};

beforeAll(async () => {
  staff = await api.token('staff-service-desk-e2e', ['staff']);
  customer = await api.token(`cust-${ulid().toLowerCase()}`);
});
afterAll(() => ddb.destroy());

describe('Local runtime: service-desk reports', () => {
  it('counts ticket events published through the outbox and bus, over HTTP, each once', async () => {
    // Prepare: a random day in 2070–2099, and the day after it
    const day = Date.UTC(2070, 0, 1) + Math.floor(Math.random() * 29 * 365) * 24 * HOUR;
    const d0 = new Date(day).toISOString().slice(0, 10);
    const d1 = new Date(day + 24 * HOUR).toISOString().slice(0, 10);
    const at = (hours: number) => new Date(day + hours * HOUR).toISOString();
    const before = (await report(d0, d1)).backlog.byStatus;
    const ref = (type: 'incident' | 'complaint', priority: 'high' | 'normal') => ({
      ticketId: ulid(),
      number: `TCK-${ulid().slice(-6)}`,
      type,
      priority,
    });
    const a = ref('incident', 'high');
    const b = ref('complaint', 'normal');
    const created = (r: typeof a, hours: number) =>
      eventLike('TicketCreated', {
        ...r,
        subject: 'Checkout fails',
        requester: { kind: 'staff', id: 'agent-e2e' },
        createdAt: at(hours),
      });
    const moved = (r: typeof a, from: TicketStatus, to: TicketStatus, hours: number) =>
      eventLike('TicketStatusChanged', { ...r, from, to, by: 'agent-e2e', changedAt: at(hours) });
    const resolvedA = eventLike('TicketResolved', {
      ...a,
      createdAt: at(8),
      resolvedAt: at(28),
      resolvedBy: 'agent-e2e',
      responseMet: true,
      resolutionMet: false,
      businessMsToResolve: 9 * HOUR,
    });
    const events: TicketEvent[] = [
      created(a, 8),
      created(b, 9),
      moved(a, 'NEW', 'OPEN', 9),
      moved(a, 'OPEN', 'RESOLVED', 28),
      resolvedA,
      moved(b, 'NEW', 'OPEN', 10),
      moved(b, 'OPEN', 'PENDING', 11),
    ];

    // Act
    for (const event of events) await publish(event);

    // Assess
    const counted = await eventually(
      async () => {
        const r = await report(d0, d1);
        const statuses = r.backlog.byStatus;
        const settled =
          r.totals.opened === 2 &&
          r.totals.resolved === 1 &&
          statuses.RESOLVED - before.RESOLVED >= 1 &&
          statuses.PENDING - before.PENDING >= 1;
        return settled ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the ticket events in GET /reports/service-desk' },
    );
    expect(counted.days).toEqual([
      { date: d0, opened: 2, resolved: 0, reopened: 0 },
      { date: d1, opened: 0, resolved: 1, reopened: 0 },
    ]);
    expect(counted.totals).toMatchObject({
      opened: 2,
      resolved: 1,
      responseAttainmentPercent: 100,
      resolutionAttainmentPercent: 0,
      meanTimeToResolveMs: 20 * HOUR,
      meanBusinessTimeToResolveMs: 9 * HOUR,
    });
    expect(counted.byType.incident?.byPriority.high).toMatchObject({ opened: 1, resolved: 1 });
    expect(counted.byType.complaint?.byPriority.normal).toMatchObject({ opened: 1, resolved: 0 });

    // A second delivery of an event already counted changes nothing: its outbox item removed and
    // written again (the stream sees a new INSERT) is published again with the same event id,
    // reaches the consumer, and is acknowledged as a duplicate.
    const replay = outboxPut(topology.table.name, resolvedA).Put;
    await ddb.send(
      new DeleteCommand({ TableName: replay.TableName, Key: { pk: replay.Item.pk, sk: replay.Item.sk } }),
    );
    await publish(resolvedA);
    await eventually(
      async () => {
        const res = await api.request<{ events: BusDelivery[] }>('GET', '/_local/events?limit=1000');
        const deliveries = res.body.events.filter(
          (e) => e.event.detail.id === resolvedA.id && e.consumers.includes('serviceDeskReports'),
        );
        return deliveries.length >= 2 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the replayed TicketResolved on the bus' },
    );
    await eventually(
      async () => {
        const res = await api.request<{ messages: number }>('GET', '/_local/queues/serviceDeskReports');
        return res.body.messages === 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the serviceDeskReports queue to drain' },
    );
    const replayed = await report(d0, d1);
    expect(replayed.totals).toEqual(counted.totals);
    expect(replayed.days).toEqual(counted.days);
  });

  it('is for staff only and refuses a malformed or too long range', async () => {
    const forbidden = await api.request('GET', '/reports/service-desk?from=2031-01-01&to=2031-01-02', {
      token: customer,
    });
    expect(forbidden.status).toBe(403);
    const reversed = await api.request('GET', '/reports/service-desk?from=2031-01-02&to=2031-01-01', {
      token: staff,
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const tooLong = await api.request('GET', '/reports/service-desk?from=2031-01-01&to=2032-12-31', {
      token: staff,
    });
    expect(tooLong.status).toBe(400);
    expect((await api.request('GET', '/reports/service-desk?from=2031-01-01')).status).toBe(401);
  });
});
