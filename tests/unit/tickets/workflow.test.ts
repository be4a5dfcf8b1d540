import { describe, expect, it } from 'vitest';
import { TicketStatus } from '#events/tickets.ts';
import {
  assertTransition,
  canTransition,
  pathToResolved,
  TICKET_TRANSITIONS,
} from '#functions/tickets/workflow.ts';
import { AppError } from '#shared/errors.ts';

const statuses = TicketStatus.options;

/** The workflow of the base contract, written out as pairs. */
const allowed = new Set([
  'NEW>OPEN',
  'OPEN>PENDING',
  'PENDING>OPEN',
  'OPEN>RESOLVED',
  'RESOLVED>CLOSED',
  'RESOLVED>OPEN',
]);

describe('Ticket workflow', () => {
  it('allows exactly the moves of the base contract', () => {
    for (const from of statuses) {
      for (const to of statuses) {
        expect(canTransition(from, to), `${from} → ${to}`).toBe(allowed.has(`${from}>${to}`));
      }
    }
  });

  it('refuses every other move with INVALID_STATE naming the current status', () => {
    let refused = 0;
    for (const from of statuses) {
      for (const to of statuses) {
        if (allowed.has(`${from}>${to}`)) {
          expect(() => assertTransition(from, to)).not.toThrow();
          continue;
        }
        refused++;
        try {
          assertTransition(from, to);
          expect.unreachable(`${from} → ${to} was allowed`);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          const e = error as AppError;
          expect(e.code).toBe('INVALID_STATE');
          expect(e.status).toBe(409);
          expect(e.extra).toEqual({ currentStatus: from });
        }
      }
    }
    expect(refused).toBe(statuses.length ** 2 - allowed.size);
  });

  it('says CLOSED is final', () => {
    expect(TICKET_TRANSITIONS.CLOSED).toEqual([]);
    expect(() => assertTransition('CLOSED', 'OPEN')).toThrow(/final/);
  });

  it('walks open tickets to RESOLVED along the workflow only', () => {
    for (const from of statuses) {
      let at = from;
      for (const step of pathToResolved(from)) {
        expect(canTransition(at, step), `${at} → ${step}`).toBe(true);
        at = step;
      }
      expect(at).toBe(['NEW', 'OPEN', 'PENDING'].includes(from) ? 'RESOLVED' : from);
    }
  });
});
