/**
 * Winning an opportunity with an order, against DynamoDB Local: the move to won records the request
 * and emits `OpportunityWon` in its transaction; the orders context's consumer places the order
 * once whatever the redelivery; a refusal (out of stock, unknown product) is consumed without a
 * retry and, through `OpportunityOrderRefused`, recorded on the opportunity; an opportunity without
 * a customer cannot ask for an order.
 */
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { getProductWithStock } from '#functions/catalog/products.ts';
import { opportunityOrders } from '#functions/orders/opportunity-orders.ts';
import { getOrder } from '#functions/orders/orders.ts';
import { changeOpportunity } from '#functions/pipeline/changes.ts';
import { convertLead } from '#functions/pipeline/conversion.ts';
import { createLead } from '#functions/pipeline/leads.ts';
import { getOpportunityWithHistory } from '#functions/pipeline/opportunities.ts';
import { opportunityOrderOutcomes } from '#functions/pipeline/order-outcomes.ts';
import { AppError } from '#shared/errors.ts';
import { sqsRecordFor } from '../../support/backbone.ts';
import { address, newSku, type OutboxRecord, outbox, staff, stockedProduct } from '../orders/fixtures.ts';

type OutboxEvent = OutboxRecord['event'];

const ada = staff('ada-won');
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

/** An opportunity in negotiation; with a customer (created from the lead's email) unless told. */
async function negotiation(withCustomer = true) {
  const lead = await createLead({
    principal: ada,
    input: {
      name: 'Grace Hopper',
      source: 'trade fair',
      owner: 'ada-won',
      ...(withCustomer ? { email: `${unique('grace')}@cobol.example` } : {}),
    },
    correlationId: 'test',
  });
  const { opportunity } = await convertLead({
    leadId: lead.id,
    input: { name: 'Forty seats', amount: 480_000, currency: 'EUR', expectedCloseDate: '2031-06-30' },
    principal: ada,
    correlationId: 'test',
  });
  await changeOpportunity({
    opportunityId: opportunity.id,
    input: { stage: 'negotiation' },
    principal: ada,
    correlationId: 'test',
  });
  return opportunity;
}

const win = (opportunityId: string, lines: { sku: string; quantity: number }[]) =>
  changeOpportunity({
    opportunityId,
    input: { stage: 'won', order: { lines, shippingAddress: { ...address }, channel: 'phone' } },
    principal: ada,
    correlationId: `win-${opportunityId}`,
  });

async function eventsOf(type: string, opportunityId: string): Promise<OutboxEvent[]> {
  return (await outbox())
    .filter((r) => r.type === type && r.event.data.opportunityId === opportunityId)
    .map((r) => r.event);
}

async function onlyEvent(type: string, opportunityId: string): Promise<OutboxEvent> {
  const events = await eventsOf(type, opportunityId);
  expect(events, `${type} of ${opportunityId}`).toHaveLength(1);
  return events[0]!;
}

const placedEvents = async (orderId: string) =>
  (await outbox()).filter((r) => r.type === 'OrderPlaced' && r.event.data.orderId === orderId);

describe('Module: pipeline/won-orders + orders/opportunity-orders (DynamoDB Local)', () => {
  it('records the order request on the win and emits OpportunityWon in the same transaction', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 10, price: 1200 });
    const opportunity = await negotiation();
    // Act
    const { opportunity: won } = await win(opportunity.id, [{ sku, quantity: 3 }]);
    // Assess
    expect(won.stage).toBe('won');
    expect(won.order).toMatchObject({
      idempotencyKey: `opportunity-${opportunity.id}`,
      status: 'requested',
      requestedBy: 'ada-won',
      lines: [{ sku, quantity: 3 }],
    });
    const event = await onlyEvent('OpportunityWon', opportunity.id);
    expect(event).toMatchObject({
      correlationId: `win-${opportunity.id}`,
      data: {
        customerId: opportunity.customerId,
        wonBy: 'ada-won',
        order: { orderId: won.order?.orderId, lines: [{ sku, quantity: 3 }], channel: 'phone' },
      },
    });
    // The win is also the forecast's stage change, and the same request sent again changes nothing.
    expect((await eventsOf('OpportunityStageChanged', opportunity.id)).length).toBe(2);
    const again = await win(opportunity.id, [{ sku, quantity: 3 }]);
    expect(again.opportunity.version).toBe(won.version);
    expect(await eventsOf('OpportunityWon', opportunity.id)).toHaveLength(1);
    // Another order for a won opportunity is refused.
    await expect(win(opportunity.id, [{ sku, quantity: 4 }])).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
  });

  it('places the order once for the customer, as the winner, under concurrent and repeated redelivery', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 10, price: 1200, name: 'Seat' });
    const opportunity = await negotiation();
    const { opportunity: won } = await win(opportunity.id, [{ sku, quantity: 3 }]);
    const event = await onlyEvent('OpportunityWon', opportunity.id);
    const orderId = won.order!.orderId;
    // Act: three copies at once, one later, and one under another event id (a marker lost, a replay)
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => opportunityOrders.processRecord(sqsRecordFor(event))),
    );
    const later = await opportunityOrders.processRecord(sqsRecordFor(event));
    const replay = await opportunityOrders.processRecord(sqsRecordFor({ ...event, id: ulid() }));
    // Assess
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect([later, replay]).toEqual(['duplicate', 'applied']);
    const order = await getOrder(orderId);
    expect(order).toMatchObject({
      id: orderId,
      customerId: opportunity.customerId,
      status: 'CONFIRMED',
      channel: 'phone',
      placedBy: 'ada-won',
      lines: [{ sku, name: 'Seat', quantity: 3, unitPrice: 1200, lineTotal: 3600 }],
      shippingAddress: address,
    });
    expect(await placedEvents(orderId)).toHaveLength(1);
    expect((await getProductWithStock(sku))?.stock).toMatchObject({ available: 7, reserved: 3 });
    expect(await eventsOf('OpportunityOrderRefused', opportunity.id)).toEqual([]);
  });

  it('consumes a refusal (out of stock) without retrying and records it on the opportunity', async () => {
    // Prepare
    const sku = await stockedProduct({ stock: 2 });
    const opportunity = await negotiation();
    const { opportunity: won } = await win(opportunity.id, [{ sku, quantity: 5 }]);
    const event = await onlyEvent('OpportunityWon', opportunity.id);
    // Act: the delivery succeeds (no throw, so no retry and no DLQ); a redelivery changes nothing
    const first = await opportunityOrders.processRecord(sqsRecordFor(event));
    const second = await opportunityOrders.processRecord(sqsRecordFor(event));
    // Assess
    expect([first, second]).toEqual(['applied', 'duplicate']);
    expect(await getOrder(won.order!.orderId)).toBeUndefined();
    expect((await getProductWithStock(sku))?.stock).toMatchObject({ available: 2, reserved: 0 });
    const refused = await onlyEvent('OpportunityOrderRefused', opportunity.id);
    expect(refused).toMatchObject({
      source: 'storeline.orders',
      correlationId: `win-${opportunity.id}`,
      data: { orderId: won.order?.orderId, code: 'OUT_OF_STOCK', skus: [sku] },
    });

    // The pipeline records it: staff see why on the opportunity.
    expect(await opportunityOrderOutcomes.processRecord(sqsRecordFor(refused))).toBe('applied');
    expect(await opportunityOrderOutcomes.processRecord(sqsRecordFor(refused))).toBe('duplicate');
    const read = await getOpportunityWithHistory(opportunity.id);
    expect(read?.opportunity).toMatchObject({
      stage: 'won',
      version: won.version,
      order: {
        orderId: won.order?.orderId,
        status: 'refused',
        refusal: { code: 'OUT_OF_STOCK', skus: [sku], at: refused.data.refusedAt },
      },
    });
  });

  it('consumes an unknown product as a refusal too (VALIDATION_FAILED naming the SKU)', async () => {
    const opportunity = await negotiation();
    const unknown = newSku('GHOST');
    await win(opportunity.id, [{ sku: unknown, quantity: 1 }]);
    const event = await onlyEvent('OpportunityWon', opportunity.id);
    expect(await opportunityOrders.processRecord(sqsRecordFor(event))).toBe('applied');
    expect(await onlyEvent('OpportunityOrderRefused', opportunity.id)).toMatchObject({
      data: { code: 'VALIDATION_FAILED', skus: [unknown] },
    });
  });

  it('refuses an order for an opportunity without a customer and changes nothing', async () => {
    const sku = await stockedProduct({ stock: 5 });
    const opportunity = await negotiation(false);
    const refusal = await win(opportunity.id, [{ sku, quantity: 1 }]).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({
      code: 'INVALID_STATE',
      status: 409,
      extra: { currentStatus: 'negotiation' },
    });
    const read = await getOpportunityWithHistory(opportunity.id);
    expect(read?.opportunity).toMatchObject({ stage: 'negotiation', version: 2 });
    expect(read?.opportunity.order).toBeUndefined();
    expect(await eventsOf('OpportunityWon', opportunity.id)).toEqual([]);
  });

  it('emits OpportunityWon without an order for a plain win, which the orders consumer only marks', async () => {
    const opportunity = await negotiation(false);
    await changeOpportunity({
      opportunityId: opportunity.id,
      input: { stage: 'won' },
      principal: ada,
      correlationId: 'test',
    });
    const event = await onlyEvent('OpportunityWon', opportunity.id);
    expect(event.data.order).toBeUndefined();
    expect(await opportunityOrders.processRecord(sqsRecordFor(event))).toBe('applied');
    expect(await eventsOf('OpportunityOrderRefused', opportunity.id)).toEqual([]);
  });
});
