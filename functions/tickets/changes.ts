/**
 * Changes to a ticket after it was opened: workflow moves, assignment, priority, group, problem
 * links (`PATCH /tickets/{id}`), a change's checklist and approval, and SLA clock updates. Each is
 * one `TransactWriteItems`: the next version of the ticket conditioned on the status and version
 * read (`ticketReplacePut`), its list items, the change's other items, and its events in the
 * outbox. A lost race re-reads and re-plans (so a concurrent move makes this one `INVALID_STATE`),
 * a bounded number of times, then 429; with `If-Match` a stale version is `VERSION_CONFLICT`.
 *
 * Resolving a problem with `resolveLinkedIncidents` resolves its open incidents afterwards, one
 * follow-up transaction per incident (each a workflow move of its own, NEW and PENDING through
 * OPEN): a problem may have more incidents than one transaction holds, and each incident's
 * resolution is its own fact with its own events. An incident that moved meanwhile is skipped.
 */
import type { TicketStatus } from '#events/tickets.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { logger } from '#shared/observability.ts';
import {
  backoff,
  contention,
  type TaggedWrite,
  type TransactWrite,
  transactWrite,
} from '#shared/transactions.ts';
import type { UpdateTicketInput } from './change-contract.ts';
import { businessCalendar, slaPolicy } from './config.ts';
import { ticketResolvedEvent, ticketSlaChangedEvent, ticketStatusChangedEvent } from './events.ts';
import {
  calendarFor,
  markBreached,
  meetResponse,
  pauseSla,
  reopenSla,
  resolveSla,
  resumeSla,
  retargetSla,
  type SlaState,
} from './sla.ts';
import {
  alertKeyState,
  getAlertKey,
  getTicket,
  getTicketFor,
  getTicketWithThread,
  incidentLinkDelete,
  incidentLinkPut,
  isProblemCheck,
  listWrites,
  type TicketRecord,
  ticketReplacePut,
} from './tickets.ts';
import { assertTransition, pathToResolved } from './workflow.ts';

/** Optimistic attempts before a change gives up to concurrent writers (429). */
const MAX_CHANGE_ATTEMPTS = 6;

export type ChangeTag =
  | 'ticket'
  | 'list'
  | 'problem'
  | 'link'
  | 'alert'
  | 'comment'
  | 'idempotency'
  | 'outbox';

/** What a change does to the ticket read: the next ticket and the change's other writes. */
export interface ChangePlan {
  readonly next: TicketRecord;
  readonly effects: readonly TaggedWrite<ChangeTag>[];
}

/** The ticket being changed, the instant of the change and who makes it. */
export interface ChangeContext {
  readonly at: Date;
  readonly by: string;
  readonly correlationId: string;
}

export interface ChangeRequest {
  readonly ticketId: string;
  readonly principal: Principal;
  readonly correlationId: string;
  /** The `If-Match` version, when the caller sent one. */
  readonly expectedVersion?: number | undefined;
}

const stale = (id: string, expected: number) =>
  new AppError('VERSION_CONFLICT', `Ticket ${id} is no longer at version ${expected}; re-read it and retry`);

/**
 * Runs one change: read, plan (undefined: nothing to change, the ticket is answered as it is),
 * write the next version with the plan's effects; re-plan on a lost race. `explain` turns the
 * failure of a non-ticket item into the caller's error (or undefined to retry).
 */
export async function changeTicket(
  request: ChangeRequest,
  plan: (
    ticket: TicketRecord,
    ctx: ChangeContext,
  ) => Promise<ChangePlan | undefined> | ChangePlan | undefined,
  explain: (failed: ChangeTag[], ticket: TicketRecord) => Promise<AppError | undefined> = async () =>
    undefined,
): Promise<TicketRecord> {
  const { ticketId, principal, correlationId, expectedVersion } = request;
  for (let attempt = 0; attempt < MAX_CHANGE_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const ticket = await getTicketFor(principal, ticketId);
    if (expectedVersion !== undefined && ticket.version !== expectedVersion)
      throw stale(ticketId, expectedVersion);
    const ctx: ChangeContext = { at: new Date(), by: principal.sub, correlationId };
    const planned = await plan(ticket, ctx);
    if (!planned) return ticket;
    const next: TicketRecord = {
      ...planned.next,
      updatedAt: ctx.at.toISOString(),
      version: ticket.version + 1,
    };
    const writes: TaggedWrite<ChangeTag>[] = [
      { tag: 'ticket', write: ticketReplacePut(next, ticket) },
      ...listWrites(ticket, next).map((write) => ({ tag: 'list' as const, write })),
      ...planned.effects,
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return next;
    if (outcome.failed.includes('ticket')) {
      if (expectedVersion !== undefined) throw stale(ticketId, expectedVersion);
      continue;
    }
    const error = await explain(outcome.failed, ticket);
    if (error) throw error;
    if (outcome.failed.includes('alert')) continue;
    throw new Error(`Ticket ${ticketId} change cancelled by ${outcome.failed.join(', ')}`);
  }
  throw contention(`Ticket ${ticketId}`);
}

/** The calendar the ticket's clocks count in. */
const calendarOf = (ticket: TicketRecord) => calendarFor(ticket.priority, businessCalendar);

/** The ticket with a new SLA state, and the `TicketSlaChanged` write of that version. */
export function withSla(
  ticket: TicketRecord,
  sla: SlaState | undefined,
  ctx: ChangeContext,
): { ticket: TicketRecord; effects: TaggedWrite<ChangeTag>[] } {
  if (!sla) return { ticket, effects: [] };
  const next = { ...ticket, sla };
  return {
    ticket: next,
    effects: [
      {
        tag: 'outbox',
        write: ticketSlaChangedEvent(next, sla, {
          correlationId: ctx.correlationId,
          at: ctx.at.toISOString(),
        }),
      },
    ],
  };
}

/** A change that is not ready to resolve: 409 naming what is missing. */
function assertResolvable(ticket: TicketRecord): void {
  if (ticket.type !== 'change') return;
  const open = (ticket.checklist ?? []).filter((item) => !item.done).map((item) => item.id);
  const approved = ticket.approval !== undefined;
  if (open.length === 0 && approved) return;
  const missing = [
    ...(open.length > 0 ? [`${open.length} checklist item(s) not done (${open.join(', ')})`] : []),
    ...(approved ? [] : ['no approval by a staff member other than its requester']),
  ];
  throw new AppError(
    'CHANGE_NOT_READY',
    `Change ${ticket.number} cannot be resolved: ${missing.join('; ')}`,
    {
      openChecklistItems: open,
      approved,
    },
  );
}

/**
 * A workflow move of the ticket: the status, its history, the SLA clocks (PENDING pauses, leaving
 * it resumes, RESOLVED meets, RESOLVED → OPEN reopens) and the events; an incident from an alert
 * frees or retakes its alert key. Throws `INVALID_STATE` outside the workflow.
 */
export async function planStatus(
  ticket: TicketRecord,
  to: TicketStatus,
  ctx: ChangeContext,
): Promise<{ ticket: TicketRecord; effects: TaggedWrite<ChangeTag>[] }> {
  const from = ticket.status;
  assertTransition(from, to);
  if (to === 'RESOLVED') assertResolvable(ticket);
  const at = ctx.at.toISOString();
  const calendar = calendarOf(ticket);
  let sla: SlaState | undefined;
  if (to === 'PENDING') sla = pauseSla(ticket.sla, ctx.at, calendar);
  else if (from === 'PENDING') sla = resumeSla(ticket.sla, ctx.at, calendar);
  else if (to === 'RESOLVED') sla = resolveSla(ticket.sla, ctx.at, calendar);
  else if (from === 'RESOLVED' && to === 'OPEN') sla = reopenSla(ticket.sla, ctx.at, calendar);
  const { resolvedAt: _a, resolvedBy: _b, ...rest } = ticket;
  const moved: TicketRecord = {
    ...(from === 'RESOLVED' && to === 'OPEN' ? rest : ticket),
    status: to,
    history: [...ticket.history, { status: to, at, by: ctx.by }],
    ...(to === 'RESOLVED' ? { resolvedAt: at, resolvedBy: ctx.by } : {}),
  };
  const withClock = withSla(moved, sla, ctx);
  const next = withClock.ticket;
  const emitCtx = { correlationId: ctx.correlationId, at };
  const effects: TaggedWrite<ChangeTag>[] = [
    ...withClock.effects,
    { tag: 'outbox', write: ticketStatusChangedEvent(next, from, to, ctx.by, emitCtx) },
    ...(to === 'RESOLVED'
      ? [{ tag: 'outbox' as const, write: ticketResolvedEvent(next, ctx.by, emitCtx) }]
      : []),
  ];
  if (ticket.alertKey !== undefined && (to === 'RESOLVED' || (from === 'RESOLVED' && to === 'OPEN'))) {
    const key = await getAlertKey(ticket.alertKey);
    // Reopened after a newer incident took the key: that one is the open incident now.
    if (key?.ticketId === ticket.id) {
      effects.push({
        tag: 'alert',
        write: alertKeyState(ticket.alertKey, ticket.id, to === 'RESOLVED' ? 'resolved' : 'open', at),
      });
    }
  }
  return { ticket: next, effects };
}

const mismatch = (ticket: Pick<TicketRecord, 'type' | 'number'>, detail: string) =>
  new AppError('TICKET_TYPE_MISMATCH', `${ticket.number} is a ${ticket.type}: ${detail}`, {
    ticketType: ticket.type,
  });

/** Why linking to `problemId` failed: it does not exist, or is not a problem. */
async function explainProblem(problemId: string): Promise<AppError> {
  const problem = await getTicket(problemId);
  if (!problem) return notFound(`Problem ${problemId}`);
  return mismatch(problem, 'only a problem takes incidents');
}

export interface UpdateTicketRequest extends ChangeRequest {
  readonly input: UpdateTicketInput;
}

/**
 * `PATCH /tickets/{id}` (staff): priority first (new targets, consumed time kept), then the
 * status move, then assignment, group and problem link, in one transaction. A change that
 * changes nothing answers the ticket as it is. Resolving a problem with `resolveLinkedIncidents`
 * then resolves its open incidents (follow-up transactions).
 */
export async function updateTicket(request: UpdateTicketRequest): Promise<TicketRecord> {
  const { input } = request;
  if (input.resolveLinkedIncidents && input.status !== 'RESOLVED') {
    throw new AppError('VALIDATION_FAILED', 'body.resolveLinkedIncidents: Only with status RESOLVED', {
      errors: [{ path: 'body.resolveLinkedIncidents', message: 'Only with status RESOLVED' }],
    });
  }
  const updated = await changeTicket(
    request,
    async (ticket, ctx) => {
      let next = ticket;
      const effects: TaggedWrite<ChangeTag>[] = [];
      if (input.priority !== undefined && input.priority !== ticket.priority) {
        const sla = retargetSla(
          ticket.sla,
          slaPolicy[input.priority],
          ctx.at,
          calendarOf(ticket),
          calendarFor(input.priority, businessCalendar),
        );
        const changed = withSla({ ...next, priority: input.priority }, sla, ctx);
        next = changed.ticket;
        effects.push(...changed.effects);
      }
      if (input.status !== undefined && input.status !== ticket.status) {
        const moved = await planStatus(next, input.status, ctx);
        next = moved.ticket;
        effects.push(...moved.effects);
      }
      if (input.assignee !== undefined && input.assignee !== (ticket.assignee ?? null)) {
        const { assignee: _a, ...rest } = next;
        next = input.assignee === null ? rest : { ...next, assignee: input.assignee };
      }
      if (input.group !== undefined && input.group !== (ticket.group ?? null)) {
        const { group: _g, ...rest } = next;
        next = input.group === null ? rest : { ...next, group: input.group };
      }
      if (input.problemId !== undefined && input.problemId !== (ticket.problemId ?? null)) {
        if (ticket.type !== 'incident') throw mismatch(ticket, 'only an incident links to a problem');
        if (input.problemId === ticket.id) throw mismatch(ticket, 'only a problem takes incidents');
        if (ticket.problemId !== undefined) {
          effects.push({ tag: 'link', write: incidentLinkDelete(ticket.problemId, ticket.id) });
        }
        const { problemId: _p, ...rest } = next;
        if (input.problemId === null) {
          next = rest;
        } else {
          next = { ...next, problemId: input.problemId };
          effects.push(
            { tag: 'problem', write: isProblemCheck(input.problemId) },
            { tag: 'link', write: incidentLinkPut(input.problemId, ticket, ctx.at.toISOString()) },
          );
        }
      }
      return next === ticket ? undefined : { next, effects };
    },
    async (failed) =>
      failed.includes('problem') && input.problemId ? explainProblem(input.problemId) : undefined,
  );
  if (input.resolveLinkedIncidents && updated.type === 'problem' && updated.status === 'RESOLVED') {
    await resolveLinkedIncidents(updated.id, request);
  }
  return updated;
}

/** Resolves the problem's open incidents, each along the workflow in its own transactions. */
async function resolveLinkedIncidents(problemId: string, request: ChangeRequest): Promise<void> {
  const thread = await getTicketWithThread(problemId);
  for (const link of thread?.incidents ?? []) {
    try {
      const incident = await getTicket(link.incidentId);
      for (const step of incident ? pathToResolved(incident.status) : []) {
        await changeTicket(
          { ticketId: link.incidentId, principal: request.principal, correlationId: request.correlationId },
          async (ticket, ctx) => {
            // Moved by someone else meanwhile (resolved, or on another path): leave it.
            if (!pathToResolved(ticket.status).includes(step) || ticket.problemId !== problemId)
              return undefined;
            const moved = await planStatus(ticket, step, ctx);
            return { next: moved.ticket, effects: moved.effects };
          },
        );
      }
    } catch (error) {
      logger.warn('linked incident not resolved with its problem', {
        problemId,
        incidentId: link.incidentId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

const closedForChange = (ticket: TicketRecord) => {
  if (ticket.status === 'RESOLVED' || ticket.status === 'CLOSED') {
    throw new AppError('INVALID_STATE', `Change ${ticket.number} is ${ticket.status}`, {
      currentStatus: ticket.status,
    });
  }
};

const requireChange = (ticket: TicketRecord) => {
  if (ticket.type !== 'change') throw mismatch(ticket, 'only a change has a checklist and an approval');
  closedForChange(ticket);
};

/** Adds an item to a change's checklist (staff). */
export async function addChecklistItem(
  request: ChangeRequest & { readonly text: string },
): Promise<TicketRecord> {
  return changeTicket(request, (ticket) => {
    requireChange(ticket);
    const items = ticket.checklist ?? [];
    const id = String(items.reduce((max, item) => Math.max(max, Number(item.id)), 0) + 1);
    return {
      next: { ...ticket, checklist: [...items, { id, text: request.text, done: false }] },
      effects: [],
    };
  });
}

/** Ticks or unticks a change's checklist item, recording who and when (staff). */
export async function tickChecklistItem(
  request: ChangeRequest & { readonly itemId: string; readonly done: boolean },
): Promise<TicketRecord> {
  return changeTicket(request, (ticket, ctx) => {
    requireChange(ticket);
    const items = ticket.checklist ?? [];
    const item = items.find((i) => i.id === request.itemId);
    if (!item) throw notFound(`Checklist item ${request.itemId} of ${ticket.number}`);
    if (item.done === request.done) return undefined;
    const ticked = request.done
      ? { id: item.id, text: item.text, done: true, doneBy: ctx.by, doneAt: ctx.at.toISOString() }
      : { id: item.id, text: item.text, done: false };
    return { next: { ...ticket, checklist: items.map((i) => (i.id === item.id ? ticked : i)) }, effects: [] };
  });
}

/** Approves a change, by a staff member other than its requester. */
export async function approveChange(request: ChangeRequest): Promise<TicketRecord> {
  return changeTicket(request, (ticket, ctx) => {
    requireChange(ticket);
    if (ticket.requester.id === ctx.by) {
      throw new AppError(
        'FORBIDDEN',
        `Change ${ticket.number} must be approved by someone other than its requester`,
      );
    }
    if (ticket.approval) return undefined;
    return { next: { ...ticket, approval: { by: ctx.by, at: ctx.at.toISOString() } }, effects: [] };
  });
}

/**
 * The breach timer of `slaVersion` fired for `target` (`TicketSlaBreached`): the writes marking
 * the clock breached at its due time — the ticket's next version conditioned on the one read, its
 * list items, `TicketSlaChanged` — for the consumer to commit with its marker. Nothing when the
 * ticket's clocks have moved on since that version (a stale timer) or the clock is not running.
 */
export async function breachWrites(
  breach: {
    readonly ticketId: string;
    readonly target: 'response' | 'resolution';
    readonly slaVersion: number;
  },
  at: Date,
  correlationId: string,
): Promise<TransactWrite[]> {
  const ticket = await getTicket(breach.ticketId);
  if (!ticket) return [];
  const sla = markBreached(ticket.sla, breach.target, breach.slaVersion, at, calendarOf(ticket));
  if (!sla) return [];
  const iso = at.toISOString();
  const next: TicketRecord = { ...ticket, sla, updatedAt: iso, version: ticket.version + 1 };
  return [
    ticketReplacePut(next, ticket),
    ...listWrites(ticket, next),
    ticketSlaChangedEvent(next, sla, { correlationId, at: iso }),
  ];
}

/** The comment's SLA effect: the first public staff response meets the response target. */
export function planFirstResponse(
  ticket: TicketRecord,
  ctx: ChangeContext,
): { ticket: TicketRecord; effects: TaggedWrite<ChangeTag>[] } {
  return withSla(ticket, meetResponse(ticket.sla, ctx.at, calendarOf(ticket)), ctx);
}
