/**
 * The alerting consumer against DynamoDB Local and the local SNS endpoint (its mailbox): alerts
 * become ops notifications and one incident per open fault — 50 concurrent identical alerts open
 * one incident and comment on it 49 times; redeliveries repeat nothing but the notification; a
 * recurrence after resolution opens a new incident linked to the old one, naming who resolved it;
 * an SLA breach comments on its ticket and opens nothing.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import { LOCAL_REGION } from '#infra/local/dynamodb.ts';
import { listen } from '#infra/local/gateway.ts';
import { createMessagingServer, LocalMailbox, localOpsTopicArn } from '#infra/local/messaging.ts';
import type { EventEnvelope } from '#shared/events/envelope.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';
import { staff } from '../orders/fixtures.ts';

vi.hoisted(() => {
  process.env.EVENT_SOURCE = 'storeline.alerting';
});

// The local SNS endpoint, as the runtime gives it to the alerting function.
const mailbox = new LocalMailbox();
const server = createMessagingServer({
  mailbox,
  region: LOCAL_REGION,
  verifiedIdentities: [],
  topics: [localOpsTopicArn(LOCAL_REGION)],
});
const endpoint = `http://127.0.0.1:${await listen(server, 0)}`;
Object.assign(process.env, { AWS_ENDPOINT_URL_SNS: endpoint, OPS_TOPIC_ARN: localOpsTopicArn(LOCAL_REGION) });

const { alerting } = await import('#functions/alerting/consumer.ts');
const { createTicket } = await import('#functions/tickets/create.ts');
const { updateTicket } = await import('#functions/tickets/changes.ts');
const { findOpenIncidentByAlertKey, getAlertKey, getTicketWithThread, listTickets } = await import(
  '#functions/tickets/tickets.ts'
);

afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

const agent = staff('agent-ops');

const notificationsFor = (alertKey: string) =>
  mailbox.list({ channel: 'ops', limit: 1000 }).filter((m) => m.tags.alertKey === alertKey);

/** Delivers a record as the SQS event source does, again after a failure (its retry), up to 10 times. */
async function deliver(record: SQSRecord): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await alerting.processRecord(record);
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

const deliverEvent = (event: EventEnvelope) => deliver(sqsRecordFor(event));

const stockLow = (sku: string) => eventLike('StockLow', { sku, available: 3, reorderPoint: 10 });

async function resolve(ticketId: string): Promise<void> {
  const correlationId = 'req-resolve';
  await updateTicket({ ticketId, principal: agent, input: { status: 'OPEN' }, correlationId });
  await updateTicket({ ticketId, principal: agent, input: { status: 'RESOLVED' }, correlationId });
}

describe('Alerting: alerts → ops notifications and deduplicated incidents', () => {
  it('opens one incident for two StockLow alerts of a SKU, commenting for the second, and notifies each', async () => {
    const sku = `SKU-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const alertKey = `stock-low:${sku}`;
    expect(await deliverEvent(stockLow(sku))).toBe('applied');
    expect(await deliverEvent(stockLow(sku))).toBe('applied');

    const incident = await findOpenIncidentByAlertKey(alertKey);
    expect(incident).toMatchObject({
      type: 'incident',
      subject: `Stock low: ${sku}`,
      priority: 'high',
      alertKey,
      requester: { kind: 'system', id: 'system' },
    });
    const thread = await getTicketWithThread(incident?.id ?? '');
    expect(thread?.comments).toHaveLength(1);
    expect(thread?.comments[0]).toMatchObject({ internal: true, author: { kind: 'system' } });
    expect(thread?.comments[0]?.body).toMatch(/^Alert again \(warning, from replenishment/);

    const sent = notificationsFor(alertKey);
    expect(sent).toHaveLength(2);
    expect(sent.map((m) => m.subject).sort()).toEqual([
      `WARNING: Stock low: ${sku} [${incident?.number} opened]`,
      `WARNING: Stock low: ${sku} [${incident?.number} updated]`,
    ]);
    expect(sent.every((m) => m.severity === 'warning' && m.tags.incident === incident?.number)).toBe(true);
  });

  it('opens ONE incident for 50 concurrent identical alerts and comments on it for the other 49', async () => {
    const alertKey = `dlq:race-${crypto.randomUUID().slice(0, 8)}`;
    const events = Array.from({ length: 50 }, () =>
      eventLike('AlertRaised', {
        alertKey,
        severity: 'critical',
        summary: `Dead letters in the ${alertKey.slice(4)} queue`,
      }),
    );
    const outcomes = await Promise.all(events.map(deliverEvent));
    expect(outcomes.every((o) => o === 'applied')).toBe(true);

    const incidents = await listTickets({ type: 'incident', order: 'newest', limit: 100 });
    const ours = incidents.items.filter(
      (t) => t.subject === `Dead letters in the ${alertKey.slice(4)} queue`,
    );
    expect(ours).toHaveLength(1);
    expect(ours[0]?.priority).toBe('urgent');
    const thread = await getTicketWithThread(ours[0]?.id ?? '');
    expect(thread?.ticket.alertKey).toBe(alertKey);
    expect(thread?.comments).toHaveLength(49);
    expect(notificationsFor(alertKey)).toHaveLength(50);
  });

  it('repeats neither the incident nor the comment when a delivery runs again (only the notification)', async () => {
    const sku = `SKU-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const first = stockLow(sku);
    const second = stockLow(sku);
    await deliverEvent(first);
    await deliverEvent(second);
    // A crash after the effects, before the marker: the handler runs again on the same events.
    await alerting.processRecord({ ...sqsRecordFor(first), messageId: crypto.randomUUID() });
    const { raiseAlert } = await import('#functions/alerting/raise.ts');
    const { alertFromStockLow } = await import('#functions/alerting/alerts.ts');
    const rerunFirst = await raiseAlert(alertFromStockLow(first as EventOf<'StockLow'>), {
      eventId: first.id,
      correlationId: 'rerun',
    });
    const rerunSecond = await raiseAlert(alertFromStockLow(second as EventOf<'StockLow'>), {
      eventId: second.id,
      correlationId: 'rerun',
    });
    expect(rerunFirst.incident?.opened).toBe(true);
    expect(rerunSecond.incident).toMatchObject({ id: rerunFirst.incident?.id, opened: false });
    const thread = await getTicketWithThread(rerunFirst.incident?.id ?? '');
    expect(thread?.comments).toHaveLength(1);
    const all = await listTickets({ type: 'incident', order: 'newest', limit: 100 });
    expect(all.items.filter((t) => t.subject === `Stock low: ${sku}`)).toHaveLength(1);
  });

  it('opens a new incident linked to the resolved one when the fault recurs, naming who resolved it', async () => {
    const sku = `SKU-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const alertKey = `stock-low:${sku}`;
    await deliverEvent(stockLow(sku));
    const first = await findOpenIncidentByAlertKey(alertKey);
    await resolve(first?.id ?? '');
    expect(await getAlertKey(alertKey)).toMatchObject({ state: 'resolved', ticketId: first?.id });
    const resolved = await getTicketWithThread(first?.id ?? '');
    expect(resolved?.ticket).toMatchObject({ status: 'RESOLVED', resolvedBy: agent.sub });

    await deliverEvent(stockLow(sku));
    const second = await findOpenIncidentByAlertKey(alertKey);
    expect(second?.id).not.toBe(first?.id);
    expect(second?.previousIncidentId).toBe(first?.id);
    expect(second?.description).toContain(
      `Recurrence of ${first?.number}, resolved by ${agent.sub} at ${resolved?.ticket.resolvedAt}.`,
    );
    // The resolved incident got no comment from the recurrence.
    expect((await getTicketWithThread(first?.id ?? ''))?.comments).toHaveLength(0);
  });

  it('comments but does not notify while the open incident is PENDING (silenced)', async () => {
    const sku = `SKU-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const alertKey = `stock-low:${sku}`;
    await deliverEvent(stockLow(sku));
    const incident = await findOpenIncidentByAlertKey(alertKey);
    const correlationId = 'req-silence';
    await updateTicket({
      ticketId: incident?.id ?? '',
      principal: agent,
      input: { status: 'OPEN' },
      correlationId,
    });
    await updateTicket({
      ticketId: incident?.id ?? '',
      principal: agent,
      input: { status: 'PENDING' },
      correlationId,
    });
    await deliverEvent(stockLow(sku));
    expect((await getTicketWithThread(incident?.id ?? ''))?.comments).toHaveLength(1);
    expect(notificationsFor(alertKey)).toHaveLength(1);
  });

  it('notes an SLA breach on its ticket and notifies, opening no incident', async () => {
    const { ticket } = await createTicket({
      principal: agent,
      input: {
        type: 'service_request',
        subject: 'Password reset',
        description: 'Locked out',
        priority: 'normal',
      },
      correlationId: 'req-create',
    });
    const breach = eventLike('TicketSlaBreached', {
      ticketId: ticket.id,
      number: ticket.number,
      target: 'response',
    });
    await deliverEvent(breach);
    const thread = await getTicketWithThread(ticket.id);
    expect(thread?.comments).toHaveLength(1);
    expect(thread?.comments[0]?.body).toMatch(/^Alert \(warning, from ticket-sla/);
    expect(await findOpenIncidentByAlertKey(`sla-breach:${ticket.id}`)).toBeUndefined();
    const sent = notificationsFor(`sla-breach:${ticket.id}`);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe(`WARNING: SLA breached: ${ticket.number} first-response`);
  });

  it('notifies an info AlertRaised without opening an incident', async () => {
    const alertKey = `info:${crypto.randomUUID()}`;
    await deliverEvent(
      eventLike('AlertRaised', { alertKey, severity: 'info', summary: 'Nightly export done' }),
    );
    expect(await getAlertKey(alertKey)).toBeUndefined();
    expect(notificationsFor(alertKey).map((m) => m.subject)).toEqual(['INFO: Nightly export done']);
  });
});
