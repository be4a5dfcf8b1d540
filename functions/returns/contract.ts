/**
 * The returns (RMA) HTTP contract (docs/api.md: returns). The topology, the handler and the OpenAPI
 * document are all built from these definitions.
 */
import * as z from 'zod';
import { ReturnDisposition } from '#events/returns.ts';
import { OrderId } from '#functions/orders/contract.ts';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES } from '#functions/orders/rules.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp, PageQuery, Sku, Ulid } from '#shared/schemas.ts';

export const ReturnId = Ulid.meta({
  description: 'Return id (a ULID)',
  example: '01JQ9A0B2C3D4E5F6G7H8J9K0P',
});

/** REQUESTED → APPROVED → RECEIVED; REJECTED from REQUESTED or APPROVED (see rules.ts). */
export const ReturnStatus = z.enum(['REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED']);
export type ReturnStatus = z.infer<typeof ReturnStatus>;

export const ReturnLineInput = z.strictObject({
  sku: Sku,
  quantity: z.int().min(1).max(MAX_LINE_QUANTITY),
});

export const OpenReturnInput = z
  .strictObject({
    lines: z
      .array(ReturnLineInput)
      .min(1)
      .max(MAX_ORDER_LINES, `At most ${MAX_ORDER_LINES} lines: an order has no more`),
    reason: z.string().trim().min(1).max(500),
  })
  .meta({ id: 'OpenReturnInput' });
export type OpenReturnInput = z.infer<typeof OpenReturnInput>;

export const ReceivedLine = z.strictObject({
  sku: Sku,
  quantity: z.int().min(1).max(MAX_LINE_QUANTITY),
  disposition: ReturnDisposition.meta({
    description: '`restock`: back to `available`; `scrap`: written off (counted in `scrapped`)',
  }),
});

export const ReceiveReturnInput = z
  .strictObject({
    lines: z
      .array(ReceivedLine)
      .min(1)
      // A SKU may be split into a restocked and a scrapped line.
      .max(2 * MAX_ORDER_LINES),
  })
  .meta({ id: 'ReceiveReturnInput' });
export type ReceiveReturnInput = z.infer<typeof ReceiveReturnInput>;

export const Return = z
  .object({
    id: ReturnId,
    orderId: OrderId,
    customerId: z.string(),
    status: ReturnStatus,
    lines: z.array(z.object({ sku: Sku, quantity: z.int().min(1) })),
    reason: z.string(),
    history: z.array(z.object({ status: ReturnStatus, at: IsoTimestamp })),
    receivedLines: z
      .array(z.object({ sku: Sku, quantity: z.int().min(1), disposition: ReturnDisposition }))
      .optional()
      .meta({ description: 'Once RECEIVED: what came back and what became of it' }),
    requestedAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  })
  .meta({ id: 'Return' });
export type ReturnView = z.infer<typeof Return>;

export const ReturnPage = z
  .object({ items: z.array(Return), nextCursor: z.string().nullable() })
  .meta({ id: 'ReturnPage' });

const OrderParams = z.strictObject({ id: OrderId });
const ReturnParams = z.strictObject({ id: ReturnId });

export const returnsTag: ApiTag = {
  name: 'returns',
  description:
    'Returns (RMA) of delivered order lines. The order’s customer or staff open one; staff approve or ' +
    'reject it and receive the goods, restocking or scrapping each unit. No SKU is ever returned beyond ' +
    'what the order delivered.',
};

export const returnRoutes = {
  openReturn: defineRoute({
    method: 'POST',
    path: '/orders/{id}/returns',
    operationId: 'openReturn',
    summary: 'Open a return for delivered lines of an order',
    description:
      'The order’s customer or staff (another customer’s order is `NOT_FOUND`), once the order is ' +
      '`DELIVERED` (otherwise `INVALID_STATE`). Lines with the same SKU are summed; a SKU not in the order ' +
      'is `VALIDATION_FAILED`. Per SKU, the quantity may not exceed what was delivered minus what open, ' +
      'approved and received returns already hold (`RETURN_QUANTITY_EXCEEDED` naming the SKUs), however ' +
      'many requests race. With an `Idempotency-Key`, a retry answers the first response.',
    example: { lines: [{ sku: 'TSHIRT-RED-M', quantity: 1 }], reason: 'Too small' },
    tag: 'returns',
    access: 'authenticated',
    idempotencyKey: 'optional',
    params: OrderParams,
    body: OpenReturnInput,
    responses: { 201: { description: 'Return opened (REQUESTED)', schema: Return } },
    errors: [
      'NOT_FOUND',
      'INVALID_STATE',
      'RETURN_QUANTITY_EXCEEDED',
      'IDEMPOTENCY_KEY_REUSED',
      'RATE_LIMITED',
    ],
  }),
  listOrderReturns: defineRoute({
    method: 'GET',
    path: '/orders/{id}/returns',
    operationId: 'listOrderReturns',
    summary: "An order's returns, newest first",
    description:
      'The order’s customer or staff; another customer’s order is `NOT_FOUND`. Paged: pass `nextCursor` ' +
      'back as `cursor` until it is `null`.',
    tag: 'returns',
    access: 'authenticated',
    params: OrderParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of returns', schema: ReturnPage } },
    errors: ['NOT_FOUND'],
  }),
  getReturn: defineRoute({
    method: 'GET',
    path: '/returns/{id}',
    operationId: 'getReturn',
    summary: 'A return (its customer or staff)',
    description: 'Its customer or staff. Another customer’s return is `NOT_FOUND`.',
    tag: 'returns',
    access: 'authenticated',
    params: ReturnParams,
    responses: { 200: { description: 'The return', schema: Return } },
    errors: ['NOT_FOUND'],
  }),
  approveReturn: defineRoute({
    method: 'POST',
    path: '/returns/{id}/approve',
    operationId: 'approveReturn',
    summary: 'Approve a requested return',
    description: 'Staff only, from `REQUESTED`; otherwise `INVALID_STATE` with `currentStatus`.',
    tag: 'returns',
    access: 'staff',
    params: ReturnParams,
    responses: { 200: { description: 'The approved return', schema: Return } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
  rejectReturn: defineRoute({
    method: 'POST',
    path: '/returns/{id}/reject',
    operationId: 'rejectReturn',
    summary: 'Reject a return: its quantities can be returned again',
    description:
      'Staff only, from `REQUESTED` or `APPROVED` (goods that never arrived); otherwise `INVALID_STATE`. ' +
      'The lines no longer count against what the order may still return.',
    tag: 'returns',
    access: 'staff',
    params: ReturnParams,
    responses: { 200: { description: 'The rejected return', schema: Return } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
  receiveReturn: defineRoute({
    method: 'POST',
    path: '/returns/{id}/receive',
    operationId: 'receiveReturn',
    summary: 'Receive the goods of an approved return: restock or scrap every unit',
    description:
      'Staff only, from `APPROVED`; otherwise `INVALID_STATE`. The lines must account for every approved ' +
      'unit exactly (a SKU may be split between `restock` and `scrap`); partial receipt is not allowed ' +
      '(`VALIDATION_FAILED`): reject the return and open a new one for what arrived. Restocked units are ' +
      '`available` again in the same transaction that closes the return (`RECEIVED`); scrapped ones are ' +
      'counted in the SKU’s `scrapped`. `ReturnReceived` is emitted, from which invoicing issues the credit note.',
    example: { lines: [{ sku: 'TSHIRT-RED-M', quantity: 1, disposition: 'restock' }] },
    tag: 'returns',
    access: 'staff',
    params: ReturnParams,
    body: ReceiveReturnInput,
    responses: { 200: { description: 'The received return', schema: Return } },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
} as const;
