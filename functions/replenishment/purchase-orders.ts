/**
 * Purchase orders and their receipts. This module owns their keys and their idempotency records;
 * every access pattern is a named function, and every write carries a condition.
 *
 * | item                  | pk                   | sk                      | gsi2pk                    | gsi2sk           |
 * |-----------------------|----------------------|-------------------------|---------------------------|------------------|
 * | purchase order        | PURCHASEORDER#<id>   | PURCHASEORDER           | PURCHASEORDERS#<status>   | <createdAt>#<id> |
 * | receipt               | PURCHASEORDER#<id>   | RECEIPT#<ulid>          | —                         | —                |
 * | idempotency (create)  | IDEMPOTENCY#<id>     | PURCHASE_ORDER          | —                         | —                |
 * | idempotency (receipt) | IDEMPOTENCY#<id>     | PURCHASE_ORDER_RECEIPT  | —                         | —                |
 *
 * An order and its receipts share a partition, so one Query reads them all (`PURCHASEORDER` sorts
 * before `RECEIPT#`). Every change to the order item is guarded by its `version` (bumped by every
 * write): a change that lost a race reads the order again and the rules decide afresh.
 *
 * A receipt is one `TransactWriteItems`: [idempotency record], the order's update (its lines'
 * `received`, its status; conditioned on the version read, a receivable status and every line's
 * `received` staying within what was ordered), the receipt item, and per line the stock update
 * (`moveStockWrite`), the movement item (reason `receipt`, linked to the order) and its
 * `StockChanged`, and one `StockReplenished`.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import * as z from 'zod';
import { emit } from '#events/emit.ts';
import type { StockMovement } from '#functions/catalog/contract.ts';
import { movementToItem } from '#functions/catalog/movements.ts';
import { moveStockWrite, productKey } from '#functions/catalog/products.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { idempotencyRecordPut, idempotentId, requestHash } from '#shared/idempotency.ts';
import { queryPage, queryWholePartition } from '#shared/query-page.ts';
import {
  batchGetItems,
  contention,
  type TaggedWrite,
  type TransactWrite,
  transactWrite,
} from '#shared/transactions.ts';
import type {
  CreatePurchaseOrderInput,
  PurchaseOrderSummary,
  PurchaseOrderView,
  ReceiptInput,
} from './contract.ts';
import {
  getReplenishment,
  orderReplenishmentWrite,
  type Replenishment,
  ReplenishmentRecord,
  reopenReplenishmentWrite,
  replenishmentKey,
} from './replenishments.ts';
import {
  applyReceipt,
  assertTransition,
  PURCHASE_ORDER_STATUSES,
  type PurchaseOrderAction,
  type PurchaseOrderStatus,
  purchaseLines,
  RECEIVABLE_STATUSES,
} from './rules.ts';

export const purchaseOrderPk = (id: string): string => `PURCHASEORDER#${id}`;
export const purchaseOrderKey = (id: string) => ({ pk: purchaseOrderPk(id), sk: 'PURCHASEORDER' }) as const;
export const RECEIPT_SK_PREFIX = 'RECEIPT#';
export const receiptKey = (purchaseOrderId: string, receiptId: string) =>
  ({ pk: purchaseOrderPk(purchaseOrderId), sk: `${RECEIPT_SK_PREFIX}${receiptId}` }) as const;
export const purchaseOrdersByStatusPk = (status: PurchaseOrderStatus): string => `PURCHASEORDERS#${status}`;
export const purchaseOrderStatusSk = (createdAt: string, id: string): string => `${createdAt}#${id}`;

type IdempotencyKind = 'PURCHASE_ORDER' | 'PURCHASE_ORDER_RECEIPT';
export const purchaseOrderIdempotencyKey = (id: string, kind: IdempotencyKind) =>
  ({ pk: `IDEMPOTENCY#${id}`, sk: kind }) as const;

/** Optimistic attempts before a change gives up to concurrent writers (429). */
const MAX_ATTEMPTS = 4;

const nextId = monotonicFactory();

const Status = z.enum(PURCHASE_ORDER_STATUSES);

export const PurchaseOrderRecord = z.object({
  id: z.string(),
  supplier: z.string(),
  currency: z.string(),
  status: Status,
  lines: z.array(
    z.object({
      sku: z.string(),
      quantity: z.int(),
      unitCost: z.int(),
      lineTotal: z.int(),
      received: z.int(),
    }),
  ),
  total: z.int(),
  replenishmentIds: z.array(z.string()),
  history: z.array(z.object({ status: Status, at: z.string(), by: z.string() })),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
});
export type PurchaseOrder = z.infer<typeof PurchaseOrderRecord>;

export const ReceiptRecord = z.object({
  id: z.string(),
  purchaseOrderId: z.string(),
  lines: z.array(z.object({ sku: z.string(), quantity: z.int(), movementId: z.string() })),
  receivedAt: z.string(),
  receivedBy: z.string(),
});
export type Receipt = z.infer<typeof ReceiptRecord>;

const IdempotencyRecord = z.object({ requestHash: z.string(), purchaseOrderId: z.string() });

export function purchaseOrderToItem(order: PurchaseOrder) {
  return {
    ...purchaseOrderKey(order.id),
    entity: 'PurchaseOrder',
    gsi2pk: purchaseOrdersByStatusPk(order.status),
    gsi2sk: purchaseOrderStatusSk(order.createdAt, order.id),
    ...order,
  };
}

export function purchaseOrderSummary(order: PurchaseOrder): PurchaseOrderSummary {
  return {
    id: order.id,
    supplier: order.supplier,
    currency: order.currency,
    status: order.status,
    lines: order.lines.map(({ sku, quantity, unitCost, lineTotal, received }) => ({
      sku,
      quantity,
      unitCost,
      lineTotal,
      received,
    })),
    total: order.total,
    replenishmentIds: [...order.replenishmentIds],
    history: order.history.map(({ status, at }) => ({ status, at })),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

export function purchaseOrderView(order: PurchaseOrder, receipts: readonly Receipt[]): PurchaseOrderView {
  return {
    ...purchaseOrderSummary(order),
    receipts: receipts.map(({ id, receivedAt, lines }) => ({
      id,
      receivedAt,
      lines: lines.map(({ sku, quantity, movementId }) => ({ sku, quantity, movementId })),
    })),
  };
}

/** The order item alone, strongly consistent. */
async function readOrder(id: string): Promise<PurchaseOrder | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: purchaseOrderKey(id), ConsistentRead: true }),
  );
  return result.Item ? PurchaseOrderRecord.parse(result.Item) : undefined;
}

/** A purchase order with its receipts (oldest first) in one paged Query, or undefined. */
export async function getPurchaseOrder(id: string): Promise<PurchaseOrderView | undefined> {
  let order: PurchaseOrder | undefined;
  const receipts: Receipt[] = [];
  for (const item of await queryWholePartition(purchaseOrderPk(id))) {
    if (item.sk === 'PURCHASEORDER') order = PurchaseOrderRecord.parse(item);
    else if (String(item.sk).startsWith(RECEIPT_SK_PREFIX)) receipts.push(ReceiptRecord.parse(item));
  }
  return order ? purchaseOrderView(order, receipts) : undefined;
}

async function requirePurchaseOrder(id: string): Promise<PurchaseOrderView> {
  const view = await getPurchaseOrder(id);
  if (!view) throw notFound(`Purchase order ${id}`);
  return view;
}

/** Purchase orders in one status, newest first, from `gsi2`; the cursor is pinned to the status. */
export async function listPurchaseOrders(
  status: PurchaseOrderStatus,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: PurchaseOrderSummary[]; nextCursor: string | null }> {
  return queryPage({
    index: 'gsi2',
    partition: purchaseOrdersByStatusPk(status),
    order: 'newest-first',
    page,
    parse: (item) => purchaseOrderSummary(PurchaseOrderRecord.parse(item)),
  });
}

function idempotencyPut(
  key: { pk: string; sk: string },
  hash: string,
  purchaseOrderId: string,
  at: string,
): TransactWrite {
  return idempotencyRecordPut(tableName, key, { requestHash: hash, at, first: { purchaseOrderId } });
}

/**
 * The purchase order a keyed request already produced, as it is now; undefined when the key is
 * new; 422 when the key came with another request.
 */
async function replayed(key: { pk: string; sk: string } | undefined, hash: string) {
  if (!key) return undefined;
  const stored = await ddb.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  if (!stored.Item) return undefined;
  const record = IdempotencyRecord.parse(stored.Item);
  if (record.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request',
    );
  }
  return requirePurchaseOrder(record.purchaseOrderId);
}

async function mustReplay(key: { pk: string; sk: string }, hash: string): Promise<PurchaseOrderView> {
  const view = await replayed(key, hash);
  if (!view) throw new Error(`Idempotency record ${key.pk} failed its condition but cannot be read`);
  return view;
}

export interface CreatePurchaseOrderRequest {
  readonly input: CreatePurchaseOrderInput;
  /** The staff member's `sub`. */
  readonly by: string;
  readonly idempotencyKey?: string | undefined;
}

type CreateTag = { kind: 'idempotency' } | { kind: 'order' } | { kind: 'replenishment'; id: string };

/** The suggestions named, each open and for a SKU on the lines; 404 / 409 / 400 otherwise. */
async function openSuggestions(ids: readonly string[], skus: ReadonlySet<string>): Promise<Replenishment[]> {
  if (ids.length === 0) return [];
  const items = await batchGetItems(ddb, tableName, ids.map(replenishmentKey));
  const byId = new Map(items.map((item) => ReplenishmentRecord.parse(item)).map((r) => [r.id, r]));
  const suggestions = ids.map((id) => {
    const suggestion = byId.get(id);
    if (!suggestion) throw notFound(`Replenishment ${id}`);
    if (suggestion.status !== 'open') {
      throw new AppError('INVALID_STATE', `Replenishment ${id} is ${suggestion.status}, not open`, {
        currentStatus: suggestion.status,
      });
    }
    return suggestion;
  });
  const elsewhere = suggestions.flatMap((s, i) =>
    skus.has(s.sku)
      ? []
      : [{ path: `body.replenishmentIds.${i}`, message: `Suggests ${s.sku}, which is not on the lines` }],
  );
  if (elsewhere.length > 0) {
    throw new AppError('VALIDATION_FAILED', 'A suggestion is for a SKU not on this purchase order', {
      errors: elsewhere,
    });
  }
  return suggestions;
}

/** 400 naming every SKU that is not a product. */
async function requireProducts(skus: readonly string[]): Promise<void> {
  const items = await batchGetItems(ddb, tableName, skus.map(productKey));
  const known = new Set(items.map((item) => String(item.pk)));
  const unknown = skus.flatMap((sku, i) => (known.has(productKey(sku).pk) ? [] : [{ sku, i }]));
  if (unknown.length > 0) {
    throw new AppError('VALIDATION_FAILED', `Unknown products: ${unknown.map((u) => u.sku).join(', ')}`, {
      errors: unknown.map(({ i }) => ({ path: `body.lines.${i}.sku`, message: 'No such product' })),
      skus: unknown.map((u) => u.sku),
    });
  }
}

/**
 * Creates a DRAFT purchase order; the suggestions it names move open → ordered in the same
 * transaction. A keyed retry answers the order as it is now.
 */
export async function createPurchaseOrder(
  request: CreatePurchaseOrderRequest,
): Promise<{ created: boolean; order: PurchaseOrderView }> {
  const { input, by, idempotencyKey } = request;
  const hash = requestHash(input);
  const idemKey = idempotencyKey
    ? purchaseOrderIdempotencyKey(idempotentId('purchase-order', by, idempotencyKey), 'PURCHASE_ORDER')
    : undefined;
  const earlier = await replayed(idemKey, hash);
  if (earlier) return { created: false, order: earlier };

  const skus = input.lines.map((l) => l.sku);
  await requireProducts(skus);
  const replenishmentIds = input.replenishmentIds ?? [];
  const suggestions = await openSuggestions(replenishmentIds, new Set(skus));
  const { lines, total } = purchaseLines(input.lines);
  const at = new Date().toISOString();
  const order: PurchaseOrder = {
    id: nextId(),
    supplier: input.supplier,
    currency: input.currency,
    status: 'DRAFT',
    lines,
    total,
    replenishmentIds,
    history: [{ status: 'DRAFT', at, by }],
    createdBy: by,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const writes: TaggedWrite<CreateTag>[] = [
    ...(idemKey
      ? [{ tag: { kind: 'idempotency' } as const, write: idempotencyPut(idemKey, hash, order.id, at) }]
      : []),
    {
      tag: { kind: 'order' },
      write: {
        Put: {
          TableName: tableName,
          Item: purchaseOrderToItem(order),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    ...suggestions.map((s) => ({
      tag: { kind: 'replenishment', id: s.id } as const,
      write: orderReplenishmentWrite(s, order.id, by, at),
    })),
  ];
  const outcome = await transactWrite(ddb, writes);
  // No event: nothing reacts to a draft purchase order.
  if (outcome.ok) return { created: true, order: purchaseOrderView(order, []) };
  if (idemKey && outcome.failed.some((t) => t.kind === 'idempotency')) {
    return { created: false, order: await mustReplay(idemKey, hash) };
  }
  const lost = outcome.failed.find((t) => t.kind === 'replenishment');
  if (lost?.kind === 'replenishment') {
    const current = await getReplenishment(lost.id);
    throw new AppError(
      'INVALID_STATE',
      `Replenishment ${lost.id} is ${current?.status ?? 'gone'}, not open`,
      {
        currentStatus: current?.status,
      },
    );
  }
  throw new Error(`Purchase order creation cancelled by ${JSON.stringify(outcome.failed)}`);
}

/** The order's update for a change from the version read: status (and its index), history, version. */
function orderUpdate(
  order: PurchaseOrder,
  change: { status: PurchaseOrderStatus; at: string; by: string; lines?: PurchaseOrder['lines'] },
  extraCondition: { expression: string; values: Record<string, unknown> } = { expression: '', values: {} },
): TransactWrite {
  const moved = change.status !== order.status;
  const sets = [
    '#status = :status',
    'gsi2pk = :gsi2pk',
    'updatedAt = :at',
    'version = :next',
    ...(moved ? ['history = list_append(history, :entry)'] : []),
    ...(change.lines ? ['#lines = :lines'] : []),
  ];
  return {
    Update: {
      TableName: tableName,
      Key: purchaseOrderKey(order.id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: `version = :version${extraCondition.expression}`,
      ExpressionAttributeNames: { '#status': 'status', ...(change.lines ? { '#lines': 'lines' } : {}) },
      ExpressionAttributeValues: {
        ':status': change.status,
        ':gsi2pk': purchaseOrdersByStatusPk(change.status),
        ':at': change.at,
        ':next': order.version + 1,
        ':version': order.version,
        ...(moved ? { ':entry': [{ status: change.status, at: change.at, by: change.by }] } : {}),
        ...(change.lines ? { ':lines': change.lines } : {}),
        ...extraCondition.values,
      },
    },
  };
}

/**
 * Sends or cancels a purchase order (409 `INVALID_STATE` from any other status). Cancelling
 * reopens the suggestions it was created from, in the same transaction.
 */
export async function transitionPurchaseOrder(
  id: string,
  action: PurchaseOrderAction,
  by: string,
): Promise<PurchaseOrderView> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const order = await readOrder(id);
    if (!order) throw notFound(`Purchase order ${id}`);
    const to = assertTransition(action, order.status);
    const at = new Date().toISOString();
    const reopen = action === 'cancel' ? order.replenishmentIds : [];
    const createdAt = new Map<string, string>();
    if (reopen.length > 0) {
      const items = await batchGetItems(ddb, tableName, reopen.map(replenishmentKey));
      for (const item of items) {
        const r = ReplenishmentRecord.parse(item);
        if (r.status === 'ordered' && r.purchaseOrderId === id) createdAt.set(r.id, r.createdAt);
      }
    }
    const writes: TaggedWrite<'order' | 'replenishment'>[] = [
      { tag: 'order', write: orderUpdate(order, { status: to, at, by }) },
      ...[...createdAt].map(([rid, created]) => ({
        tag: 'replenishment' as const,
        write: reopenReplenishmentWrite({ id: rid, createdAt: created }, id, by, at),
      })),
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return requirePurchaseOrder(id);
    // Another change won: read again and let the rules decide.
  }
  throw contention(`Purchase order ${id}`);
}

export interface ReceiveRequest {
  readonly purchaseOrderId: string;
  readonly input: ReceiptInput;
  /** The staff member's `sub`. */
  readonly by: string;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
}

type ReceiptTag = 'idempotency' | 'order' | 'receipt' | 'stock' | 'movement' | 'outbox';

/**
 * Receives goods against a SENT or PARTIALLY_RECEIVED order: one transaction moves every line into
 * stock and the order to PARTIALLY_RECEIVED or RECEIVED. Refused whole with 409 `OVER_RECEIPT`
 * when a line would exceed what was ordered, `INVALID_STATE` in any other status, 400 for a SKU
 * not on the order. A keyed retry answers the order as it is now.
 */
export async function receivePurchaseOrder(
  request: ReceiveRequest,
): Promise<{ created: boolean; order: PurchaseOrderView }> {
  const { purchaseOrderId: id, input, by, idempotencyKey, correlationId } = request;
  const hash = requestHash({ purchaseOrderId: id, ...input });
  const idemKey = idempotencyKey
    ? purchaseOrderIdempotencyKey(
        idempotentId('purchase-order-receipt', by, idempotencyKey),
        'PURCHASE_ORDER_RECEIPT',
      )
    : undefined;
  const earlier = await replayed(idemKey, hash);
  if (earlier) return { created: false, order: earlier };

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const order = await readOrder(id);
    if (!order) throw notFound(`Purchase order ${id}`);
    if (!RECEIVABLE_STATUSES.includes(order.status)) {
      throw new AppError(
        'INVALID_STATE',
        `Goods cannot be received against a ${order.status} purchase order`,
        {
          currentStatus: order.status,
        },
      );
    }
    const applied = applyReceipt(order.lines, input.lines);
    const at = new Date().toISOString();
    const context = { correlationId, occurredAt: at };
    const receiptId = nextId();
    const costs = new Map(order.lines.map((l) => [l.sku, l.unitCost]));
    const movements: StockMovement[] = input.lines.map(({ sku, quantity }) => ({
      id: nextId(),
      sku,
      quantity,
      reason: 'receipt',
      note: `Purchase order ${id}`,
      by,
      at,
      purchaseOrderId: id,
    }));
    const receipt: Receipt = {
      id: receiptId,
      purchaseOrderId: id,
      lines: movements.map((m) => ({ sku: m.sku, quantity: m.quantity, movementId: m.id })),
      receivedAt: at,
      receivedBy: by,
    };
    // Belt and braces beside the version guard: no line's `received` may pass its quantity.
    const bounds = order.lines.flatMap((line, i) =>
      applied.lines[i]!.received === line.received
        ? []
        : [{ i, max: line.quantity - (applied.lines[i]!.received - line.received) }],
    );
    const extra = {
      expression: ` AND #status IN (:sent, :partial)${bounds.map(({ i }) => ` AND #lines[${i}].received <= :max${i}`).join('')}`,
      values: {
        ':sent': 'SENT',
        ':partial': 'PARTIALLY_RECEIVED',
        ...Object.fromEntries(bounds.map(({ i, max }) => [`:max${i}`, max])),
      },
    };
    const writes: TaggedWrite<ReceiptTag>[] = [
      ...(idemKey ? [{ tag: 'idempotency' as const, write: idempotencyPut(idemKey, hash, id, at) }] : []),
      {
        tag: 'order',
        write: orderUpdate(order, { status: applied.status, at, by, lines: applied.lines }, extra),
      },
      {
        tag: 'receipt',
        write: {
          Put: {
            TableName: tableName,
            Item: { ...receiptKey(id, receiptId), entity: 'PurchaseOrderReceipt', ...receipt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      },
      ...movements.flatMap((m) => [
        { tag: 'stock' as const, write: moveStockWrite(m.sku, m.quantity, at) },
        {
          tag: 'movement' as const,
          write: {
            Put: {
              TableName: tableName,
              Item: movementToItem(m),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        },
        {
          tag: 'outbox' as const,
          write: emit(
            'StockChanged',
            {
              sku: m.sku,
              cause: 'receipt',
              movementId: m.id,
              quantity: m.quantity,
              ...(m.note === undefined ? {} : { note: m.note }),
              occurredAt: at,
              by,
              purchaseOrderId: id,
            },
            context,
          ),
        },
      ]),
      {
        tag: 'outbox',
        write: emit(
          'StockReplenished',
          {
            purchaseOrderId: id,
            receiptId,
            supplier: order.supplier,
            currency: order.currency,
            lines: movements.map((m) => ({
              sku: m.sku,
              quantity: m.quantity,
              unitCost: costs.get(m.sku)!,
              movementId: m.id,
            })),
            status: applied.status,
            receivedAt: at,
            receivedBy: by,
          },
          context,
        ),
      },
    ];
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) return { created: true, order: await requirePurchaseOrder(id) };
    if (idemKey && outcome.failed.includes('idempotency')) {
      return { created: false, order: await mustReplay(idemKey, hash) };
    }
    if (!outcome.failed.includes('order')) {
      throw new Error(`Receipt cancelled by ${outcome.failed.join(', ')}`);
    }
    // The order changed since it was read (another receipt, a cancel): read again and decide.
  }
  throw contention(`Purchase order ${id}`);
}
