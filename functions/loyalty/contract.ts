/**
 * The loyalty HTTP contract (docs/api.md: `GET /customers/{id}/loyalty`). The customers context
 * owns the other `/customers` routes; this group serves only the loyalty account.
 */
import * as z from 'zod';
import { LoyaltyEntryKind } from '#events/loyalty.ts';
import { CustomerId } from '#functions/orders/contract.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp, pageQueryShape, queryParams } from '#shared/schemas.ts';

export const LoyaltyEntry = z
  .object({
    id: z.string().meta({ description: 'The entry’s id (also in its `LoyaltyPointsChanged` event)' }),
    kind: LoyaltyEntryKind.meta({
      description:
        '`earn` (an order was delivered), `spend` (points paid part of an order), `reverse` (a return ' +
        'took back points its order earned), `refund` (a cancelled order gave back the points it spent)',
    }),
    points: z
      .int()
      .meta({ description: 'Signed: positive for earn and refund, negative for spend and reverse' }),
    balance: z.int().min(0).meta({ description: 'The balance after this entry' }),
    orderId: z.string().optional().meta({ description: 'The order that caused it' }),
    returnId: z.string().optional().meta({ description: 'For a reversal: the return that caused it' }),
    shortfall: z.int().min(1).optional().meta({
      description:
        'For a reversal: points due back but not taken because the balance had fewer (written off)',
    }),
    at: IsoTimestamp,
  })
  .meta({ id: 'LoyaltyEntry' });
export type LoyaltyEntryView = z.infer<typeof LoyaltyEntry>;

export const LoyaltyAccount = z
  .object({
    customerId: z.string(),
    balance: z.int().min(0).meta({ description: 'Points available; always the sum of the whole ledger' }),
    items: z.array(LoyaltyEntry).meta({ description: 'One page of the ledger, newest first' }),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'LoyaltyAccount' });

export const loyaltyTag: ApiTag = {
  name: 'loyalty',
  description:
    'Loyalty points. Earned when an order is delivered: 1 point per whole EUR, USD, GBP or CHF (per 5 PLN, ' +
    'per 10 SEK, NOK or DKK; other currencies earn nothing) of the order’s total before tax, after its ' +
    'coupon and points. Spent at checkout with `loyaltyPoints` on `POST /orders`: 100 points = 1.00 EUR, ' +
    'deducted after the coupon and included in the order’s `discount`, inside the order’s transaction. ' +
    'Given back once when that order is cancelled. Taken back when a delivered order is returned, in ' +
    'proportion to the net amount credited and never more than the order earned; points already spent ' +
    'are not taken below a balance of 0 (the entry records the `shortfall`, which is written off). Every ' +
    'change is a ledger entry, and the balance is always the sum of the ledger.',
};

export const loyaltyRoutes = {
  getCustomerLoyalty: defineRoute({
    method: 'GET',
    path: '/customers/{id}/loyalty',
    operationId: 'getCustomerLoyalty',
    summary: "A customer's loyalty balance and ledger, newest first",
    description:
      'The customer themselves (`id` is their token’s `sub`) or staff; another customer’s account is ' +
      '`NOT_FOUND`. A customer with no points yet has balance 0 and no entries. A spend is in the ledger ' +
      'as soon as its order is placed; earnings, reversals and refunds follow their events by a second or two. ' +
      'Paged: pass `nextCursor` back as `cursor` until it is `null`; a cursor works only for the ' +
      'account it came from.',
    tag: 'loyalty',
    access: 'authenticated',
    params: z.strictObject({ id: CustomerId }),
    query: queryParams(pageQueryShape),
    responses: { 200: { description: 'The balance and one page of entries', schema: LoyaltyAccount } },
    errors: ['NOT_FOUND'],
  }),
} as const;
