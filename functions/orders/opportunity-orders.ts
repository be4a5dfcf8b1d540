/**
 * Opportunity-orders consumer (queue fed by `OpportunityWon`): places the order a won opportunity
 * asks for, with order intake, exactly as `POST /orders` would — as the staff member who won it,
 * for the opportunity's customer, under the Idempotency-Key the event names (`opportunity-<id>`).
 *
 * - Redelivery places it once: intake derives the order id from the principal and the key, so a
 *   second run answers the order already placed (also when the first run placed it but crashed
 *   before its marker committed).
 * - A refusal is an answer, not a fault: `OUT_OF_STOCK`, an unknown, inactive or foreign-currency
 *   product (`VALIDATION_FAILED`) would be refused again on every retry. The event is consumed,
 *   a warning logged (with the correlation id of the win), and `OpportunityOrderRefused` emitted
 *   with the marker so the pipeline records it on the opportunity. Only `RATE_LIMITED` (contention)
 *   and faults are thrown, to be retried.
 */
import type { EventOf } from '#events/catalog.ts';
import type { ConsumerTx } from '#events/consumer.ts';
import { consumer } from '#events/consumer.ts';
import { STAFF_GROUP } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';
import { logger } from '#shared/observability.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { eraseOrderAddresses } from './erasure.ts';
import { placeOrder } from './intake.ts';

/** Errors worth another delivery: the request was fine, the table was busy. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['RATE_LIMITED']);

export async function placeOpportunityOrder(
  event: EventOf<'OpportunityWon'>,
  tx: ConsumerTx,
): Promise<readonly TransactWrite[]> {
  const { opportunityId, customerId, order, wonBy } = event.data;
  if (order === undefined) return [];
  if (customerId === undefined) {
    // The pipeline refuses an order without a customer; an event saying otherwise is a fault.
    throw new Error(`OpportunityWon ${event.id} asks for an order without a customer`);
  }
  try {
    const placed = await placeOrder({
      principal: { sub: wonBy, groups: [STAFF_GROUP], isStaff: true },
      idempotencyKey: order.idempotencyKey,
      input: {
        customerId,
        lines: order.lines,
        channel: order.channel,
        shippingAddress: order.shippingAddress,
      },
      correlationId: tx.correlationId,
    });
    if (placed.order.id !== order.orderId) {
      throw new Error(
        `Order ${placed.order.id} placed for opportunity ${opportunityId}, expected ${order.orderId}`,
      );
    }
    logger.info('order placed for a won opportunity', {
      opportunityId,
      orderId: placed.order.id,
      created: placed.created,
    });
    return [];
  } catch (error) {
    if (!(error instanceof AppError) || TRANSIENT_CODES.has(error.code)) throw error;
    const skus = Array.isArray(error.extra.skus) ? error.extra.skus.map(String) : undefined;
    logger.warn('order of a won opportunity refused: consumed, not retried', {
      opportunityId,
      orderId: order.orderId,
      code: error.code,
      detail: error.message,
      ...(skus ? { skus } : {}),
    });
    return [
      tx.emit('OpportunityOrderRefused', {
        opportunityId,
        orderId: order.orderId,
        code: error.code,
        detail: error.message,
        ...(skus ? { skus } : {}),
        refusedAt: tx.now,
      }),
    ];
  }
}

export const opportunityOrders = consumer({
  name: 'opportunityOrders',
  // Also the orders context's erasure handler (no consumer of its own: the stack has no headroom).
  handlers: { OpportunityWon: placeOpportunityOrder, CustomerErased: eraseOrderAddresses },
});

export const handler = opportunityOrders.handler;
