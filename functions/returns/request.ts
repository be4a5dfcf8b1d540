/**
 * Opening a return: one `TransactWriteItems` holding [the idempotency record], a check that the
 * order is `DELIVERED`, the order's returned-so-far tally (per SKU `returning + q <= delivered`),
 * the return (`attribute_not_exists`) and the `ReturnRequested` outbox item. The tally's
 * conditions make it impossible for concurrent requests to return more than was delivered; a
 * cancelled transaction is explained from its reasons.
 *
 * Reads before the write: the order (ownership, status, delivered lines) and the tally, so a
 * refusal names the SKUs precisely. Those reads only shape the answer; the transaction decides.
 */
import { monotonicFactory } from 'ulid';
import { emit } from '#events/emit.ts';
import { getOrderFor, orderKey } from '#functions/orders/orders.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { idempotentId, requestHash } from '#shared/idempotency.ts';
import { contention, type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import type { OpenReturnInput } from './contract.ts';
import {
  addToTallyWrite,
  getReturnIdempotencyRecord,
  getReturning,
  openReturnPut,
  type ReturnRecord,
  returnIdempotencyPut,
} from './returns.ts';
import { checkReturnable } from './rules.ts';

const nextId = monotonicFactory();

/** Attempts when the tally moved between our read and our write but a retry may still fit. */
const MAX_OPEN_ATTEMPTS = 3;

export interface OpenReturnRequest {
  readonly orderId: string;
  readonly principal: Principal;
  readonly input: OpenReturnInput;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
}

export interface OpenReturnOutcome {
  /** False when an Idempotency-Key retry was answered from the first response. */
  readonly created: boolean;
  readonly ret: ReturnRecord;
}

type OpenTag = 'idempotency' | 'order' | 'tally' | 'return' | 'outbox';

/** The first response to this key, or 422 when the key came with another request. */
function replayed(stored: { requestHash: string; return: ReturnRecord }, hash: string): OpenReturnOutcome {
  if (stored.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request',
    );
  }
  return { created: false, ret: stored.return };
}

/**
 * Opens a return for the order's customer (or staff for them). 404 for an order the principal may
 * not see, 409 `INVALID_STATE` unless `DELIVERED`, 400 for a SKU not in the order, 409
 * `RETURN_QUANTITY_EXCEEDED` beyond what can still be returned. A retry with the same key
 * answers the first response (even if the return has moved on since); the key with another
 * request 422.
 */
export async function openReturn(request: OpenReturnRequest): Promise<OpenReturnOutcome> {
  const { orderId, principal, input, idempotencyKey, correlationId } = request;
  const hash = requestHash({ orderId, lines: input.lines, reason: input.reason });
  const idemId = idempotencyKey ? idempotentId('return', principal.sub, idempotencyKey) : undefined;

  // Never refuse a retry of a request that succeeded: its own lines now fill the tally.
  const refuse = async (refusal: unknown): Promise<OpenReturnOutcome> => {
    const stored = idemId ? await getReturnIdempotencyRecord(idemId) : undefined;
    if (stored) return replayed(stored, hash);
    throw refusal;
  };

  for (let attempt = 0; attempt < MAX_OPEN_ATTEMPTS; attempt++) {
    const [order, returning] = await Promise.all([getOrderFor(principal, orderId), getReturning(orderId)]);
    let lines: ReturnType<typeof checkReturnable>;
    try {
      if (order.status !== 'DELIVERED') {
        throw new AppError(
          'INVALID_STATE',
          `The order is ${order.status}: only a DELIVERED order can be returned`,
          {
            currentStatus: order.status,
          },
        );
      }
      lines = checkReturnable(input.lines, order.lines, returning);
    } catch (refusal) {
      return refuse(refusal);
    }

    const at = new Date().toISOString();
    const ret: ReturnRecord = {
      id: nextId(),
      orderId,
      customerId: order.customerId,
      status: 'REQUESTED',
      lines,
      reason: input.reason,
      history: [{ status: 'REQUESTED', at, by: principal.sub }],
      requestedAt: at,
      updatedAt: at,
      requestedBy: principal.sub,
    };
    const delivered = new Map(order.lines.map((l) => [l.sku, l.quantity]));
    const writes: TaggedWrite<OpenTag>[] = [
      // First, so a retry is recognised whatever else has changed since.
      ...(idemId ? [{ tag: 'idempotency' as const, write: returnIdempotencyPut(idemId, hash, ret) }] : []),
      {
        tag: 'order',
        write: {
          ConditionCheck: {
            TableName: tableName,
            Key: orderKey(orderId),
            ConditionExpression: '#status = :delivered',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':delivered': 'DELIVERED' },
          },
        },
      },
      { tag: 'tally', write: addToTallyWrite(orderId, lines, delivered, at) },
      { tag: 'return', write: openReturnPut(ret) },
      {
        tag: 'outbox',
        write: emit(
          'ReturnRequested',
          {
            returnId: ret.id,
            orderId,
            customerId: ret.customerId,
            lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
            reason: ret.reason,
            requestedAt: at,
            requestedBy: principal.sub,
          },
          { correlationId, occurredAt: at },
        ),
      },
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return { created: true, ret };
    if (outcome.failed.includes('idempotency') && idemId) {
      const stored = await getReturnIdempotencyRecord(idemId);
      if (!stored)
        throw new Error(`Return idempotency record ${idemId} failed attribute_not_exists but cannot be read`);
      return replayed(stored, hash);
    }
    // The order left DELIVERED (no transition does today) or the tally moved since we read it:
    // read both again and let the rules answer with the SKUs that no longer fit.
    if (outcome.failed.includes('order') || outcome.failed.includes('tally')) continue;
    throw new Error(`Return for order ${orderId} cancelled by ${outcome.failed.join(', ')}`);
  }
  throw contention(`The returns of order ${orderId}`);
}
