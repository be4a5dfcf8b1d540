/**
 * The order a won opportunity asks for, without a table: the contract accepts it only with a move
 * to won (and with the orders contract's own limits), the request needs a customer and cannot be
 * changed once won, and the order id is the one intake derives from the winner and the key.
 */
import { describe, expect, it, vi } from 'vitest';
import { OpportunityWonV1 } from '#events/pipeline.ts';
import { MAX_ORDER_LINES } from '#functions/orders/rules.ts';
import { UpdateOpportunityInput } from '#functions/pipeline/contract.ts';
import type { Opportunity } from '#functions/pipeline/opportunities.ts';
import { AppError } from '#shared/errors.ts';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'won-orders-unit-test';
});
const { orderIdFor } = await import('#functions/orders/inputs.ts');
const { assertOrderable, opportunityOrderKey, requestedOrder, wonEvent } = await import(
  '#functions/pipeline/won-orders.ts'
);

const address = {
  name: 'Cobol Works',
  line1: '1 Compiler Way',
  city: 'Arlington',
  postalCode: '22201',
  country: 'US',
};
const order = { lines: [{ sku: 'SEAT-1Y', quantity: 40 }], shippingAddress: address };
const ada = { sub: 'ada', groups: ['staff'], isStaff: true };

const opportunity = (overrides: Partial<Opportunity> = {}): Opportunity => ({
  id: '01JQ7B0B2C3D4E5F6G7H8J9K0P',
  name: 'Forty seats',
  customerId: 'cust-1',
  amount: 4_800_000,
  currency: 'EUR',
  expectedCloseDate: '2031-06-30',
  owner: 'ada',
  stage: 'negotiation',
  probability: 75,
  version: 3,
  createdAt: '2031-01-01T00:00:00.000Z',
  updatedAt: '2031-01-02T00:00:00.000Z',
  createdBy: 'ada',
  ...overrides,
});

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Pipeline: the order of a won opportunity', () => {
  it('accepts an order only with a move to won, defaulting the channel to phone', () => {
    const parsed = UpdateOpportunityInput.safeParse({ stage: 'won', order });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.order?.channel).toBe('phone');

    for (const body of [{ order }, { stage: 'negotiation', order }, { stage: 'lost', order }]) {
      const refused = UpdateOpportunityInput.safeParse(body);
      expect(refused.success).toBe(false);
      expect(refused.error?.issues.map((i) => i.path.join('.'))).toContain('order');
    }
  });

  it('holds the order to the orders contract: lines, limits, address and no unknown fields', () => {
    const won = (o: unknown) => UpdateOpportunityInput.safeParse({ stage: 'won', order: o }).success;
    expect(won({ ...order, channel: 'email' })).toBe(true);
    expect(won({ ...order, lines: [] })).toBe(false);
    expect(won({ ...order, lines: [{ sku: 'SEAT-1Y', quantity: 0 }] })).toBe(false);
    expect(won({ ...order, lines: Array.from({ length: MAX_ORDER_LINES + 1 }, () => order.lines[0]) })).toBe(
      false,
    );
    expect(won({ ...order, shippingAddress: { ...address, country: 'usa' } })).toBe(false);
    expect(won({ ...order, customerId: 'someone-else' })).toBe(false);
    expect(won({ ...order, channel: 'fax' })).toBe(false);
  });

  it('needs a customer, and once won accepts only the order it was won with', () => {
    const input = UpdateOpportunityInput.parse({ stage: 'won', order });
    expect(refusal(() => assertOrderable(opportunity({ customerId: undefined }), input.order))).toMatchObject(
      {
        code: 'INVALID_STATE',
        status: 409,
      },
    );
    expect(() => assertOrderable(opportunity(), input.order)).not.toThrow();
    expect(() => assertOrderable(opportunity({ customerId: undefined }), undefined)).not.toThrow();

    const recorded = requestedOrder(
      '01JQ7B0B2C3D4E5F6G7H8J9K0P',
      input.order!,
      ada,
      '2031-02-01T00:00:00.000Z',
    );
    const won = opportunity({ stage: 'won', order: recorded });
    expect(() => assertOrderable(won, input.order)).not.toThrow();
    const other = UpdateOpportunityInput.parse({
      stage: 'won',
      order: { ...order, lines: [{ sku: 'SEAT-1Y', quantity: 41 }] },
    });
    expect(refusal(() => assertOrderable(won, other.order))).toMatchObject({
      code: 'INVALID_STATE',
      extra: { currentStatus: 'won' },
    });
    expect(refusal(() => assertOrderable(opportunity({ stage: 'won' }), input.order)).code).toBe(
      'INVALID_STATE',
    );
  });

  it('records the order id intake derives from the winner and the key opportunity-<id>', () => {
    const input = UpdateOpportunityInput.parse({ stage: 'won', order });
    const recorded = requestedOrder(
      '01JQ7B0B2C3D4E5F6G7H8J9K0P',
      input.order!,
      ada,
      '2031-02-01T00:00:00.000Z',
    );
    expect(recorded).toMatchObject({
      idempotencyKey: 'opportunity-01JQ7B0B2C3D4E5F6G7H8J9K0P',
      orderId: orderIdFor('ada', opportunityOrderKey('01JQ7B0B2C3D4E5F6G7H8J9K0P')),
      status: 'requested',
      channel: 'phone',
      requestedBy: 'ada',
    });
    // Another winner would place another order: the id is the winner's.
    expect(
      requestedOrder(
        '01JQ7B0B2C3D4E5F6G7H8J9K0P',
        input.order!,
        { ...ada, sub: 'bob' },
        '2031-02-01T00:00:00.000Z',
      ).orderId,
    ).not.toBe(recorded.orderId);

    const event = wonEvent(opportunity({ stage: 'won', order: recorded }), 'ada', '2031-02-01T00:00:00.000Z');
    expect(OpportunityWonV1.shape.data.parse(event)).toEqual(event);
    expect(event.order).toEqual({
      orderId: recorded.orderId,
      idempotencyKey: recorded.idempotencyKey,
      lines: order.lines,
      shippingAddress: address,
      channel: 'phone',
    });
  });
});
