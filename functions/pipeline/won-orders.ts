/**
 * The order a won opportunity asks for (`PATCH /opportunities/{id}` with `stage: won` and `order`).
 * The pipeline never places it: the move to won records the request on the opportunity with the id
 * the order will get and emits `OpportunityWon`; the orders context's `opportunityOrders` consumer
 * places it with order intake, as the staff member who won it, under the Idempotency-Key
 * `opportunity-<id>`. So the id is known at once (intake derives it from the caller and the key),
 * and a redelivered event places the order once. A refusal comes back as `OpportunityOrderRefused`,
 * which `opportunityOrderOutcomes` records here.
 */
import type { EventData } from '#events/catalog.ts';
import { orderIdFor } from '#functions/orders/rules.ts';
import type { Principal } from '#shared/auth.ts';
import { tableName } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { requestHash } from '#shared/idempotency.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import type { OpportunityOrderInput } from './contract.ts';
import { type Opportunity, type OrderRequestRecord, opportunityKey } from './opportunities.ts';

/** The Idempotency-Key a won opportunity's order is placed under: one order per opportunity. */
export const opportunityOrderKey = (opportunityId: string): string => `opportunity-${opportunityId}`;

const fingerprint = (o: Pick<OrderRequestRecord, 'lines' | 'shippingAddress' | 'channel'>): string =>
  requestHash({
    lines: o.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    shippingAddress: o.shippingAddress,
    channel: o.channel,
  });

/**
 * Checks an order request against the opportunity before any change: it needs a customer, and a
 * won opportunity accepts only the order it was won with (a retry of the win). 409 `INVALID_STATE`.
 */
export function assertOrderable(current: Opportunity, order: OpportunityOrderInput | undefined): void {
  if (order === undefined) return;
  if (current.customerId === undefined) {
    throw new AppError(
      'INVALID_STATE',
      `Opportunity ${current.id} has no customer to order for: convert a lead with an email to get one`,
      { currentStatus: current.stage },
    );
  }
  if (
    current.stage === 'won' &&
    (current.order === undefined || fingerprint(current.order) !== fingerprint(order))
  ) {
    throw new AppError('INVALID_STATE', 'A won opportunity is final: its order cannot be added or changed', {
      currentStatus: current.stage,
    });
  }
}

/** The order request as the winning version records it. */
export function requestedOrder(
  opportunityId: string,
  order: OpportunityOrderInput,
  principal: Principal,
  at: string,
): OrderRequestRecord {
  const idempotencyKey = opportunityOrderKey(opportunityId);
  return {
    orderId: orderIdFor(principal.sub, idempotencyKey),
    idempotencyKey,
    status: 'requested',
    lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    shippingAddress: { ...order.shippingAddress },
    channel: order.channel,
    requestedAt: at,
    requestedBy: principal.sub,
  };
}

/** `OpportunityWon` for the version that moved to won. */
export function wonEvent(won: Opportunity, by: string, at: string): EventData<'OpportunityWon'> {
  const { order } = won;
  return {
    opportunityId: won.id,
    name: won.name,
    ...(won.customerId === undefined ? {} : { customerId: won.customerId }),
    amount: won.amount,
    currency: won.currency,
    ...(order === undefined
      ? {}
      : {
          order: {
            orderId: order.orderId,
            idempotencyKey: order.idempotencyKey,
            lines: order.lines,
            shippingAddress: order.shippingAddress,
            channel: order.channel,
          },
        }),
    wonAt: at,
    wonBy: by,
  };
}

/**
 * Records a refusal on the opportunity: its order turns `refused` with the reason. Conditioned on
 * the order id, so it lands only on the request it answers. Not a new version: the terms did not
 * change (a won opportunity has no later versions).
 */
export function refusalUpdate(refused: EventData<'OpportunityOrderRefused'>): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: opportunityKey(refused.opportunityId),
      UpdateExpression: 'SET #order.#status = :refused, #order.refusal = :refusal',
      ConditionExpression: '#order.orderId = :orderId',
      ExpressionAttributeNames: { '#order': 'order', '#status': 'status' },
      ExpressionAttributeValues: {
        ':refused': 'refused',
        ':orderId': refused.orderId,
        ':refusal': {
          code: refused.code,
          detail: refused.detail,
          ...(refused.skus === undefined ? {} : { skus: refused.skus }),
          at: refused.refusedAt,
        },
      },
    },
  };
}
