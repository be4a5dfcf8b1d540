/**
 * Return transitions after opening: approve, reject, receive (staff; the routes say so). Each is
 * one `TransactWriteItems`: the return moved with a condition on the status it was read in, its
 * `history` appended, its event in the outbox (`ReturnApproved`, `ReturnRejected`,
 * `ReturnReceived`), and the transition's effect in the same transaction — a rejection gives its
 * quantities back to the order's tally; a receipt moves every SKU's stock (restock → `available`,
 * scrap → `scrapped`, both → `returned`). Two racing transitions: one
 * commits, the other re-reads and gets 409 `INVALID_STATE`.
 */
import { emit } from '#events/emit.ts';
import { receiveReturnStockWrite } from '#functions/catalog/products.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb } from '#shared/ddb.ts';
import {
  backoff,
  contention,
  type TaggedWrite,
  type TransactWrite,
  transactWrite,
} from '#shared/transactions.ts';
import type { ReceiveReturnInput } from './contract.ts';
import {
  appliedTransition,
  getReturnFor,
  type ReturnRecord,
  type ReturnTransitionChange,
  releaseFromTallyWrite,
  returnTransitionUpdate,
} from './returns.ts';
import {
  assertReturnTransition,
  planReceipt,
  RETURN_TRANSITIONS,
  type ReturnTransitionName,
  receivedLines,
} from './rules.ts';

/** Optimistic attempts before a transition gives up to concurrent writers (429). */
const MAX_TRANSITION_ATTEMPTS = 5;

export interface ReturnTransitionRequest {
  readonly returnId: string;
  readonly principal: Principal;
  readonly correlationId: string;
}

type TransitionTag = 'return' | 'tally' | 'stock' | 'outbox';

interface Plan {
  readonly change: ReturnTransitionChange;
  readonly effects: readonly TaggedWrite<TransitionTag>[];
}

async function transition(
  name: ReturnTransitionName,
  request: ReturnTransitionRequest,
  plan: (ret: ReturnRecord, at: string) => Plan,
): Promise<ReturnRecord> {
  const { returnId, principal } = request;
  for (let attempt = 0; attempt < MAX_TRANSITION_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const ret = await getReturnFor(principal, returnId);
    assertReturnTransition(name, ret.status);
    const at = new Date().toISOString();
    const { change, effects } = plan(ret, at);
    const outcome = await transactWrite(ddb, [
      { tag: 'return', write: returnTransitionUpdate(ret, change) },
      ...effects,
    ]);
    if (outcome.ok) return appliedTransition(ret, change);
    // The return moved since we read it: read it again and let the rules decide.
    if (outcome.failed.includes('return')) continue;
    // A tally or stock item that is not as the return left it breaks an invariant: never paper over it.
    throw new Error(`Return ${returnId} ${name} cancelled by ${outcome.failed.join(', ')}`);
  }
  throw contention(`Return ${returnId}`);
}

const change = (name: ReturnTransitionName, at: string, by: string): ReturnTransitionChange => {
  const to = RETURN_TRANSITIONS[name].to;
  return { to, at, entry: { status: to, at, by } };
};

/** Approves a requested return; `ReturnApproved` emitted. */
export async function approveReturn(request: ReturnTransitionRequest): Promise<ReturnRecord> {
  const by = request.principal.sub;
  return transition('approve', request, (ret, at) => ({
    change: change('approve', at, by),
    effects: [
      {
        tag: 'outbox',
        write: emit(
          'ReturnApproved',
          {
            returnId: ret.id,
            orderId: ret.orderId,
            customerId: ret.customerId,
            approvedAt: at,
            approvedBy: by,
          },
          { correlationId: request.correlationId, occurredAt: at },
        ),
      },
    ],
  }));
}

/**
 * Rejects a requested or approved return: its quantities count no more against the order (the
 * tally gives them back in the same transaction); `ReturnRejected` emitted.
 */
export async function rejectReturn(request: ReturnTransitionRequest): Promise<ReturnRecord> {
  const by = request.principal.sub;
  return transition('reject', request, (ret, at) => ({
    change: change('reject', at, by),
    effects: [
      { tag: 'tally', write: releaseFromTallyWrite(ret.orderId, ret.lines, at) },
      {
        tag: 'outbox',
        write: emit(
          'ReturnRejected',
          {
            returnId: ret.id,
            orderId: ret.orderId,
            customerId: ret.customerId,
            lines: ret.lines.map(({ sku, quantity }) => ({ sku, quantity })),
            // Narrowed by assertReturnTransition: reject starts only from REQUESTED or APPROVED.
            previousStatus: ret.status === 'APPROVED' ? 'APPROVED' : 'REQUESTED',
            rejectedAt: at,
            rejectedBy: by,
          },
          { correlationId: request.correlationId, occurredAt: at },
        ),
      },
    ],
  }));
}

/**
 * Receives an approved return: every approved unit restocked or scrapped (400 unless the lines
 * account for exactly the approved units), one stock write per SKU, `ReturnReceived` emitted.
 */
export async function receiveReturn(
  request: ReturnTransitionRequest & { readonly input: ReceiveReturnInput },
): Promise<ReturnRecord> {
  const by = request.principal.sub;
  return transition('receive', request, (ret, at) => {
    const skus = planReceipt(ret.lines, request.input.lines);
    const lines = receivedLines(skus);
    const stock: TransactWrite[] = skus.map(({ sku, restock, scrap }) =>
      receiveReturnStockWrite(sku, { restock, scrap }, at),
    );
    return {
      change: { ...change('receive', at, by), receivedLines: lines },
      effects: [
        ...stock.map((write) => ({ tag: 'stock' as const, write })),
        {
          tag: 'outbox',
          write: emit(
            'ReturnReceived',
            {
              returnId: ret.id,
              orderId: ret.orderId,
              customerId: ret.customerId,
              lines,
              receivedAt: at,
              receivedBy: by,
            },
            { correlationId: request.correlationId, occurredAt: at },
          ),
        },
      ],
    };
  });
}
