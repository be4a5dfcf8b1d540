/**
 * The ticket workflow (API.md): NEW → OPEN → PENDING ↔ OPEN → RESOLVED → CLOSED, RESOLVED → OPEN.
 * Pure rules; the writes that apply a transition condition on the status read (./tickets.ts), so
 * two racing transitions cannot both commit.
 */
import type { TicketStatus } from '#events/tickets.ts';
import { AppError } from '#shared/errors.ts';

/** Every allowed move, by status. */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  NEW: ['OPEN'],
  OPEN: ['PENDING', 'RESOLVED'],
  PENDING: ['OPEN'],
  RESOLVED: ['CLOSED', 'OPEN'],
  CLOSED: [],
};

export const canTransition = (from: TicketStatus, to: TicketStatus): boolean =>
  TICKET_TRANSITIONS[from].includes(to);

/** 409 `INVALID_STATE` with `currentStatus` unless `from → to` is a move of the workflow. */
export function assertTransition(from: TicketStatus, to: TicketStatus): void {
  if (canTransition(from, to)) return;
  const allowed = TICKET_TRANSITIONS[from];
  throw new AppError(
    'INVALID_STATE',
    `A ${from} ticket cannot move to ${to}` +
      (allowed.length === 0 ? ': it is final' : `; it can move to ${allowed.join(' or ')}`),
    { currentStatus: from },
  );
}

/** Statuses in which a ticket counts as open work (alerts comment on it, problems resolve it). */
export const OPEN_STATUSES: readonly TicketStatus[] = ['NEW', 'OPEN', 'PENDING'];

/**
 * The moves that take an open ticket to RESOLVED along the workflow (NEW and PENDING go through
 * OPEN), for resolving a problem's incidents; empty when it is not open.
 */
export function pathToResolved(from: TicketStatus): TicketStatus[] {
  if (from === 'OPEN') return ['RESOLVED'];
  if (from === 'NEW' || from === 'PENDING') return ['OPEN', 'RESOLVED'];
  return [];
}
