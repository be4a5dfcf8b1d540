/**
 * Tickets against DynamoDB Local: gapless numbering under concurrency, conditional workflow moves,
 * comments and the first response, change readiness, problem links, alert-key incidents, lists.
 */
import { describe, expect, it } from 'vitest';
import { placeOrder } from '#functions/orders/intake.ts';
import type { UpdateTicketInput } from '#functions/tickets/change-contract.ts';
import { approveChange, tickChecklistItem, updateTicket } from '#functions/tickets/changes.ts';
import { commentOnTicket } from '#functions/tickets/comments.ts';
import { ticketSla } from '#functions/tickets/consumer.ts';
import type { CreateTicketInput } from '#functions/tickets/contract.ts';
import { createTicket, systemPrincipal } from '#functions/tickets/create.ts';
import {
  findOpenIncidentByAlertKey,
  getTicketWithThread,
  listTickets,
  listTicketsForCustomer,
  ticketView,
} from '#functions/tickets/tickets.ts';
import type { Principal } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';
import { customer, orderInput, outbox, settle, staff, stockedProduct } from '../orders/fixtures.ts';

const agent = staff('agent-1');
const lead = staff('agent-2');

const input = (extra: Partial<CreateTicketInput> = {}): CreateTicketInput => ({
  type: 'incident',
  subject: 'Parcel missing',
  description: 'Tracking says delivered',
  priority: 'urgent',
  ...extra,
});

const open = (principal: Principal, extra: Partial<CreateTicketInput> = {}, idempotencyKey?: string) =>
  createTicket({ principal, input: input(extra), idempotencyKey, correlationId: 'req-create' }).then(
    (o) => o.ticket,
  );

const patch = (ticketId: string, change: UpdateTicketInput, principal = agent, expectedVersion?: number) =>
  updateTicket({ ticketId, principal, input: change, expectedVersion, correlationId: 'req-patch' });

const comment = (ticketId: string, principal: Principal, body: string, internal?: boolean) =>
  commentOnTicket({
    ticketId,
    principal,
    input: { body, ...(internal === undefined ? {} : { internal }) },
    correlationId: 'req-comment',
  });

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

const sequence = (number: string) => Number(number.slice('TCK-'.length));

describe('Tickets: creation and numbering', () => {
  it('numbers concurrent creations without gap or duplicate, one TicketCreated and TicketSlaChanged each', async () => {
    const outcomes = await settle(Array.from({ length: 20 }, () => open(agent)));
    expect(outcomes.codes).toEqual({ ok: 20 });
    const numbers = outcomes.values.map((t) => sequence(t.number)).sort((a, b) => a - b);
    const first = numbers[0] ?? 0;
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => first + i));
    const events = await outbox();
    const ids = new Set(outcomes.values.map((t) => t.id));
    const created = events.filter(
      (e) => e.type === 'TicketCreated' && ids.has(String(e.event.data.ticketId)),
    );
    const sla = events.filter((e) => e.type === 'TicketSlaChanged' && ids.has(String(e.event.data.ticketId)));
    expect(created).toHaveLength(20);
    expect(sla).toHaveLength(20);
    expect(sla.every((e) => e.event.data.slaVersion === 1)).toBe(true);
  });

  it('opens a customer ticket NEW with due times from the policy, and lists it as theirs', async () => {
    const ada = customer(`ada-${crypto.randomUUID()}`);
    const ticket = await open(ada, { priority: 'urgent' });
    expect(ticket).toMatchObject({
      status: 'NEW',
      customerId: ada.sub,
      requester: { kind: 'customer', id: ada.sub },
    });
    expect(Date.parse(ticket.sla.response.dueAt ?? '') - Date.parse(ticket.createdAt)).toBe(30 * 60_000);
    expect(Date.parse(ticket.sla.resolution.dueAt ?? '') - Date.parse(ticket.createdAt)).toBe(4 * 3_600_000);
    const mine = await listTicketsForCustomer(ada.sub, { limit: 10 });
    expect(mine.items.map((t) => t.id)).toEqual([ticket.id]);
  });

  it('refuses another customer’s order (404) and customer id (403); staff link the order’s customer', async () => {
    const owner = customer(`own-${crypto.randomUUID()}`);
    const other = customer(`oth-${crypto.randomUUID()}`);
    const sku = await stockedProduct({ stock: 5 });
    const { order } = await placeOrder({
      principal: owner,
      idempotencyKey: crypto.randomUUID(),
      input: orderInput([{ sku, quantity: 1 }]),
      correlationId: 'req-order',
    });
    expect((await refusal(open(other, { orderId: order.id }))).code).toBe('NOT_FOUND');
    expect((await refusal(open(other, { customerId: owner.sub }))).code).toBe('FORBIDDEN');
    const byStaff = await open(agent, { orderId: order.id, priority: 'high' });
    expect(byStaff.customerId).toBe(owner.sub);
    const own = await open(owner, { orderId: order.id });
    expect(own.orderId).toBe(order.id);
  });

  it('answers a retry with its Idempotency-Key with the first ticket, and refuses the key with another body', async () => {
    const key = crypto.randomUUID();
    const first = await open(agent, {}, key);
    const again = await open(agent, {}, key);
    expect(again.id).toBe(first.id);
    expect((await refusal(open(agent, { subject: 'Other' }, key))).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('Tickets: workflow', () => {
  it('refuses a move outside the workflow with INVALID_STATE and the current status', async () => {
    const t = await open(agent);
    const error = await refusal(patch(t.id, { status: 'RESOLVED' }));
    expect(error.code).toBe('INVALID_STATE');
    expect(error.extra).toEqual({ currentStatus: 'NEW' });
  });

  it('lets exactly one of two racing moves commit; the other sees the new status', async () => {
    const t = await open(agent);
    await patch(t.id, { status: 'OPEN' });
    const outcomes = await settle([patch(t.id, { status: 'PENDING' }), patch(t.id, { status: 'RESOLVED' })]);
    expect(outcomes.count('ok')).toBe(1);
    expect(outcomes.count('INVALID_STATE')).toBe(1);
  });

  it('refuses a stale If-Match with VERSION_CONFLICT', async () => {
    const t = await open(agent);
    const opened = await patch(t.id, { status: 'OPEN' }, agent, t.version);
    expect(opened.version).toBe(t.version + 1);
    expect((await refusal(patch(t.id, { assignee: 'agent-9' }, agent, t.version))).code).toBe(
      'VERSION_CONFLICT',
    );
  });

  it('pauses the clocks while PENDING, resumes them on a customer reply, and resolves with TicketResolved', async () => {
    const ada = customer(`ada-${crypto.randomUUID()}`);
    const t = await open(ada);
    await patch(t.id, { status: 'OPEN' });
    const pending = await patch(t.id, { status: 'PENDING' });
    expect(pending.sla.paused).toBe(true);
    expect(pending.sla.resolution.state).toBe('paused');
    const reply = await comment(t.id, ada, 'Still nothing here');
    expect(reply.ticket.status).toBe('OPEN');
    expect(reply.ticket.sla.resolution.state).toBe('running');
    const resolved = await patch(t.id, { status: 'RESOLVED' });
    expect(resolved.resolvedBy).toBe(agent.sub);
    const events = (await outbox()).filter((e) => e.event.data.ticketId === t.id);
    const statusMoves = events
      .filter((e) => e.type === 'TicketStatusChanged')
      .map((e) => `${e.event.data.from}>${e.event.data.to}`);
    expect(statusMoves.sort()).toEqual(['NEW>OPEN', 'OPEN>PENDING', 'OPEN>RESOLVED', 'PENDING>OPEN'].sort());
    const versions = events.filter((e) => e.type === 'TicketSlaChanged').map((e) => e.event.data.slaVersion);
    expect(versions.sort()).toEqual([1, 2, 3, 4]);
    const [resolvedEvent] = events.filter((e) => e.type === 'TicketResolved');
    expect(resolvedEvent?.event.data).toMatchObject({
      responseMet: true,
      resolutionMet: true,
      resolvedBy: agent.sub,
    });
  });

  it('keeps the consumed time on a priority change and emits the new due times', async () => {
    const t = await open(agent, { priority: 'urgent' });
    const changed = await patch(t.id, { priority: 'high' });
    expect(changed.priority).toBe('high');
    expect(changed.sla.version).toBe(2);
    expect(changed.sla.resolution.targetMs).toBe(8 * 3_600_000);
    expect(changed.sla.resolution.consumedMs).toBeGreaterThanOrEqual(0);
  });
});

describe('Tickets: comments', () => {
  it('meets the first response with the first public staff comment only, and never overwrites it', async () => {
    const ada = customer(`ada-${crypto.randomUUID()}`);
    const t = await open(ada);
    await comment(t.id, agent, 'Looking into it (internal)', true);
    const internalOnly = await getTicketWithThread(t.id);
    expect(internalOnly?.ticket.sla.response.state).toBe('running');
    const first = await comment(t.id, agent, 'We are on it');
    const firstAt = first.ticket.sla.response.metAt;
    expect(first.ticket.sla.response.state).toBe('met');
    await comment(t.id, lead, 'Update');
    const later = await getTicketWithThread(t.id);
    expect(later?.ticket.sla.response.metAt).toBe(firstAt);
    // The customer sees neither internal comments nor staff ids.
    const asCustomer = later ? ticketView(later, false) : undefined;
    expect(asCustomer?.comments.map((c) => c.body)).toEqual(['We are on it', 'Update']);
    expect(asCustomer?.comments.every((c) => c.author.id === undefined)).toBe(true);
    expect(later ? ticketView(later, true).comments : []).toHaveLength(3);
  });

  it('refuses internal comments from customers, comments on CLOSED tickets, and strangers (404)', async () => {
    const ada = customer(`ada-${crypto.randomUUID()}`);
    const t = await open(ada);
    expect((await refusal(comment(t.id, ada, 'x', true))).code).toBe('FORBIDDEN');
    expect((await refusal(comment(t.id, customer('stranger'), 'x'))).code).toBe('NOT_FOUND');
    for (const status of ['OPEN', 'RESOLVED', 'CLOSED'] as const) await patch(t.id, { status });
    const closed = await refusal(comment(t.id, ada, 'x'));
    expect(closed.code).toBe('INVALID_STATE');
    expect(closed.extra).toEqual({ currentStatus: 'CLOSED' });
  });
});

describe('Tickets: changes, problems, alerts', () => {
  it('resolves a change only with its checklist done and an approval by someone other than its requester', async () => {
    const t = await open(agent, { type: 'change', checklist: ['Back up', 'Migrate'] });
    await patch(t.id, { status: 'OPEN' });
    const notReady = await refusal(patch(t.id, { status: 'RESOLVED' }));
    expect(notReady.code).toBe('CHANGE_NOT_READY');
    expect(notReady.extra).toEqual({ openChecklistItems: ['1', '2'], approved: false });
    expect(
      (await refusal(approveChange({ ticketId: t.id, principal: agent, correlationId: 'r' }))).code,
    ).toBe('FORBIDDEN');
    await approveChange({ ticketId: t.id, principal: lead, correlationId: 'r' });
    await tickChecklistItem({ ticketId: t.id, principal: lead, correlationId: 'r', itemId: '1', done: true });
    const still = await refusal(patch(t.id, { status: 'RESOLVED' }));
    expect(still.extra).toEqual({ openChecklistItems: ['2'], approved: true });
    const ticked = await tickChecklistItem({
      ticketId: t.id,
      principal: lead,
      correlationId: 'r',
      itemId: '2',
      done: true,
    });
    expect(ticked.checklist?.[1]).toMatchObject({ done: true, doneBy: lead.sub });
    expect((await patch(t.id, { status: 'RESOLVED' })).status).toBe('RESOLVED');
    const incident = await open(agent);
    expect(
      (await refusal(approveChange({ ticketId: incident.id, principal: lead, correlationId: 'r' }))).code,
    ).toBe('TICKET_TYPE_MISMATCH');
  });

  it('links incidents to a problem, which lists them and resolves them with itself', async () => {
    const problem = await open(agent, { type: 'problem' });
    const incidents = await Promise.all([open(agent), open(agent), open(agent)]);
    for (const i of incidents) await patch(i.id, { problemId: problem.id });
    await patch(incidents[1]?.id ?? '', { status: 'OPEN' });
    const notProblem = await refusal(patch(incidents[0]?.id ?? '', { problemId: incidents[2]?.id ?? '' }));
    expect(notProblem.code).toBe('TICKET_TYPE_MISMATCH');
    const thread = await getTicketWithThread(problem.id);
    expect(thread?.incidents.map((l) => l.incidentId).sort()).toEqual(incidents.map((i) => i.id).sort());
    await patch(problem.id, { status: 'OPEN' });
    await patch(problem.id, { status: 'RESOLVED', resolveLinkedIncidents: true });
    for (const i of incidents) expect((await getTicketWithThread(i.id))?.ticket.status).toBe('RESOLVED');
  });

  it('opens one incident for concurrent alerts with one key, and a linked new one after it was resolved', async () => {
    const alertKey = `stock-low:${crypto.randomUUID()}`;
    const raise = () =>
      createTicket({
        principal: systemPrincipal,
        input: input({ subject: `Stock low: ${alertKey}`, priority: 'high' }),
        alertKey,
        correlationId: 'alert',
      });
    const outcomes = await Promise.all(Array.from({ length: 10 }, raise));
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.ticket.id)).size).toBe(1);
    const incident = outcomes[0]?.ticket;
    expect(incident?.requester).toEqual({ kind: 'system', id: 'system' });
    expect((await findOpenIncidentByAlertKey(alertKey))?.id).toBe(incident?.id);
    await comment(incident?.id ?? '', systemPrincipal, 'Raised again');
    await patch(incident?.id ?? '', { status: 'OPEN' });
    await patch(incident?.id ?? '', { status: 'RESOLVED' });
    expect(await findOpenIncidentByAlertKey(alertKey)).toBeUndefined();
    const recurrence = await raise();
    expect(recurrence.created).toBe(true);
    expect(recurrence.ticket.previousIncidentId).toBe(incident?.id);
  });
});

describe('Tickets: lists and the breach timer', () => {
  it('lists by status, assignee, both, and due first', async () => {
    const assignee = `agent-${crypto.randomUUID().slice(0, 8)}`;
    const a = await open(agent, { assignee, priority: 'urgent' });
    const b = await open(agent, { assignee, priority: 'high' });
    await patch(a.id, { status: 'OPEN' });
    const byBoth = await listTickets({ status: 'OPEN', assignee, order: 'newest', limit: 10 });
    expect(byBoth.items.map((t) => t.id)).toEqual([a.id]);
    const byAssignee = await listTickets({ assignee, order: 'newest', limit: 10 });
    expect(byAssignee.items.map((t) => t.id)).toEqual([b.id, a.id]);
    const filtered = await listTickets({ assignee, priority: 'high', order: 'newest', limit: 10 });
    expect(filtered.items.map((t) => t.id)).toEqual([b.id]);
    const due = await listTickets({ assignee, order: 'due', limit: 10 });
    const dues = due.items.map((t) => t.nextDueAt ?? '~');
    expect(dues).toEqual([...dues].sort());
    await patch(a.id, { assignee: null });
    const after = await listTickets({ assignee, order: 'newest', limit: 10 });
    expect(after.items.map((t) => t.id)).toEqual([b.id]);
    const page1 = await listTickets({ status: 'NEW', order: 'newest', limit: 1 });
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await listTickets({
      status: 'NEW',
      order: 'newest',
      limit: 1,
      cursor: page1.nextCursor ?? '',
    });
    expect(page2.items[0]?.id).not.toBe(page1.items[0]?.id);
  });

  it('marks a clock breached from its timer once, and only for the current slaVersion', async () => {
    const t = await open(agent);
    const breach = (slaVersion: number) =>
      eventLike('TicketSlaBreached', {
        ticketId: t.id,
        number: t.number,
        target: 'response',
        slaVersion,
        dueAt: t.sla.response.dueAt ?? '',
        breachedAt: new Date(Date.parse(t.createdAt) + 31 * 60_000).toISOString(),
      });
    await ticketSla.processRecord(sqsRecordFor(breach(7)));
    expect((await getTicketWithThread(t.id))?.ticket.sla.version).toBe(1);
    const event = breach(1);
    await ticketSla.processRecord(sqsRecordFor(event));
    await ticketSla.processRecord(sqsRecordFor(event));
    const breached = (await getTicketWithThread(t.id))?.ticket;
    expect(breached?.sla.response).toMatchObject({ state: 'breached', breachedAt: t.sla.response.dueAt });
    expect(breached?.sla.version).toBe(2);
    const changes = (await outbox()).filter(
      (e) => e.type === 'TicketSlaChanged' && e.event.data.ticketId === t.id,
    );
    expect(changes.map((e) => e.event.data.slaVersion).sort()).toEqual([1, 2]);
  });
});
