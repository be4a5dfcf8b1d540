/**
 * Changes to an opportunity (`PATCH /opportunities/{id}`): stage moves and new terms. Each is one
 * `TransactWriteItems`: the next version of the opportunity (condition `version = :read`), its
 * history item, and `OpportunityStageChanged` (stage moved) or `OpportunityUpdated` (same stage)
 * carrying the terms before and after for the forecast. The move to `won` also records the order
 * the win asks for, if any, and emits `OpportunityWon` in the same transaction (won-orders.ts).
 *
 * With `If-Match` the caller pins the version: a stale one is 412 `VERSION_CONFLICT`, before or
 * at commit. Without it, a lost race re-reads and re-checks the pipeline's rules on the fresh
 * version (a concurrent move to `won` makes this change `INVALID_STATE`), a bounded number of
 * times, then 429.
 */
import { emit } from '#events/emit.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { backoff, contention, type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import type { UpdateOpportunityInput } from './contract.ts';
import {
  type ChangeRecord,
  changeRecord,
  forecastTerms,
  getOpportunityWithHistory,
  historyPut,
  nextVersion,
  type Opportunity,
  replaceOpportunityPut,
  termsOf,
} from './opportunities.ts';
import { planChange } from './stages.ts';
import { assertOrderable, requestedOrder, wonEvent } from './won-orders.ts';

/** Optimistic attempts before a change gives up to concurrent writers (429). */
const MAX_CHANGE_ATTEMPTS = 5;

export interface ChangeRequest {
  readonly opportunityId: string;
  readonly input: UpdateOpportunityInput;
  /** The `If-Match` version, when the caller sent one. */
  readonly expectedVersion?: number | undefined;
  readonly principal: Principal;
  readonly correlationId: string;
}

const stale = (id: string, expected: number) =>
  new AppError(
    'VERSION_CONFLICT',
    `Opportunity ${id} is no longer at version ${expected}; re-read it and retry`,
  );

/** Applies a change; answers the opportunity after it (unchanged when the change changes nothing). */
export async function changeOpportunity(
  request: ChangeRequest,
): Promise<{ opportunity: Opportunity; history: ChangeRecord[] }> {
  const { opportunityId: id, input, expectedVersion, principal, correlationId } = request;
  for (let attempt = 0; attempt < MAX_CHANGE_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const read = await getOpportunityWithHistory(id);
    if (!read) throw notFound(`Opportunity ${id}`);
    const current = read.opportunity;
    if (expectedVersion !== undefined && current.version !== expectedVersion)
      throw stale(id, expectedVersion);
    assertOrderable(current, input.order);
    const plan = planChange(termsOf(current), input);
    if (!plan) return read;
    const at = new Date().toISOString();
    const winning = plan.next.stage === 'won';
    const next = {
      ...nextVersion(current, plan.next, at),
      ...(winning && input.order ? { order: requestedOrder(id, input.order, principal, at) } : {}),
    };
    const change = changeRecord(next, current, plan.changed, principal.sub);
    const data = {
      opportunityId: id,
      ...(current.customerId === undefined ? {} : { customerId: current.customerId }),
      version: next.version,
      previous: forecastTerms(current),
      current: forecastTerms(next),
      changed: [...plan.changed],
      changedAt: at,
      changedBy: principal.sub,
    };
    const context = { correlationId, occurredAt: at };
    const writes: TaggedWrite<'opportunity' | 'history' | 'outbox'>[] = [
      { tag: 'opportunity', write: replaceOpportunityPut(next, current.version) },
      { tag: 'history', write: historyPut(id, change) },
      {
        tag: 'outbox',
        write: plan.changed.includes('stage')
          ? emit('OpportunityStageChanged', data, context)
          : emit('OpportunityUpdated', data, context),
      },
      // Won is final, so this is the one move to won: it carries the order request, if any.
      ...(winning
        ? [
            {
              tag: 'outbox' as const,
              write: emit('OpportunityWon', wonEvent(next, principal.sub, at), context),
            },
          ]
        : []),
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return { opportunity: next, history: [...read.history, change] };
    if (!outcome.failed.includes('opportunity') && !outcome.failed.includes('history')) {
      throw new Error(`Opportunity ${id} change cancelled by ${outcome.failed.join(', ')}`);
    }
    // Someone wrote a version since we read: the caller's pinned version is stale, or try again.
    if (expectedVersion !== undefined) throw stale(id, expectedVersion);
  }
  throw contention(`Opportunity ${id}`);
}
