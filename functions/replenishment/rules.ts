/**
 * Replenishment rules as plain functions, with no I/O: when a SKU's replenishment state changes,
 * how big a purchase order may be, which purchase-order transitions exist, and what a receipt does
 * to the lines it receives. The consumer (monitor.ts) and purchase-orders.ts apply them; unit tests
 * check them directly.
 */
import { AppError, type FieldError } from '#shared/errors.ts';
import { MAX_TRANSACT_ITEMS } from '#shared/limits.ts';

/**
 * What the monitor does for a SKU, from what it read: `low` when `available` is at or below the
 * reorder point and the SKU is not LOW yet (the crossing: StockLow, one suggestion), `clear` when
 * the SKU is LOW but `available` is back above the reorder point or the product has none any more,
 * `none` otherwise. Being LOW already is what makes the crossing count once, however many events
 * report levels below the reorder point.
 */
export type LevelDecision = 'low' | 'clear' | 'none';

export function levelDecision(input: {
  readonly reorderPoint: number | undefined;
  readonly available: number;
  readonly low: boolean;
}): LevelDecision {
  const { reorderPoint, available, low } = input;
  if (reorderPoint === undefined) return low ? 'clear' : 'none';
  if (available <= reorderPoint) return low ? 'none' : 'low';
  return low ? 'clear' : 'none';
}

/**
 * A receipt's fixed share of its transaction: the purchase-order update, the receipt item, the
 * `StockReplenished` outbox item and the idempotency record.
 */
export const RECEIPT_FIXED_ITEMS = 4;
/** Per line: the stock update, the movement item and its `StockChanged` outbox item. */
export const RECEIPT_ITEMS_PER_LINE = 3;
/** (100 − 4) / 3 = 32 lines: the most one receipt can move in one `TransactWriteItems`. */
export const MAX_PURCHASE_ORDER_LINES = Math.floor(
  (MAX_TRANSACT_ITEMS - RECEIPT_FIXED_ITEMS) / RECEIPT_ITEMS_PER_LINE,
);
/** Largest quantity on one purchase-order line. */
export const MAX_PURCHASE_QUANTITY = 1_000_000;
/** Largest amount in minor units, as `Money` allows. */
const MAX_AMOUNT = 1_000_000_000_00;

export const PURCHASE_ORDER_STATUSES = [
  'DRAFT',
  'SENT',
  'PARTIALLY_RECEIVED',
  'RECEIVED',
  'CANCELLED',
] as const;
export type PurchaseOrderStatus = (typeof PURCHASE_ORDER_STATUSES)[number];

/** The transitions staff make by route; receipts move SENT → PARTIALLY_RECEIVED → RECEIVED. */
export const PURCHASE_ORDER_TRANSITIONS = {
  send: { from: ['DRAFT'], to: 'SENT' },
  /** Only before anything was received: received goods cannot be un-received by cancelling. */
  cancel: { from: ['DRAFT', 'SENT'], to: 'CANCELLED' },
} as const satisfies Record<string, { from: readonly PurchaseOrderStatus[]; to: PurchaseOrderStatus }>;
export type PurchaseOrderAction = keyof typeof PURCHASE_ORDER_TRANSITIONS;

/** Statuses a receipt may be recorded in. */
export const RECEIVABLE_STATUSES: readonly PurchaseOrderStatus[] = ['SENT', 'PARTIALLY_RECEIVED'];

/** 409 `INVALID_STATE` unless `action` is possible from `status`. */
export function assertTransition(
  action: PurchaseOrderAction,
  status: PurchaseOrderStatus,
): PurchaseOrderStatus {
  const rule = PURCHASE_ORDER_TRANSITIONS[action];
  if (!(rule.from as readonly string[]).includes(status)) {
    throw new AppError(
      'INVALID_STATE',
      `A ${status} purchase order cannot be ${action === 'send' ? 'sent' : 'cancelled'}`,
      {
        currentStatus: status,
      },
    );
  }
  return rule.to;
}

export interface PurchaseLineInput {
  readonly sku: string;
  readonly quantity: number;
  readonly unitCost: number;
}

export interface PurchaseLine extends PurchaseLineInput {
  readonly lineTotal: number;
  /** Units received so far; never above `quantity`. */
  readonly received: number;
}

const refused = (message: string, errors: FieldError[]) =>
  new AppError('VALIDATION_FAILED', message, { errors });

/** The lines of a new purchase order, priced, nothing received; refuses totals beyond `Money`. */
export function purchaseLines(input: readonly PurchaseLineInput[]): { lines: PurchaseLine[]; total: number } {
  const lines = input.map(({ sku, quantity, unitCost }) => ({
    sku,
    quantity,
    unitCost,
    lineTotal: quantity * unitCost,
    received: 0,
  }));
  const total = lines.reduce((sum, l) => sum + l.lineTotal, 0);
  const tooBig = lines.flatMap((l, i) => (l.lineTotal > MAX_AMOUNT ? [i] : []));
  if (tooBig.length > 0 || total > MAX_AMOUNT) {
    throw refused('The purchase order total is larger than the API accepts', [
      ...(tooBig.length > 0
        ? tooBig.map((i) => ({ path: `body.lines.${i}.unitCost`, message: 'Line total too large' }))
        : [{ path: 'body.lines', message: 'Total too large' }]),
    ]);
  }
  return { lines, total };
}

export interface ReceiptLineInput {
  readonly sku: string;
  readonly quantity: number;
}

/**
 * The lines after a receipt and the status it leaves the order in. A SKU not on the order is 400
 * (`body.lines.<i>.sku`); a line taken beyond what was ordered is 409 `OVER_RECEIPT`, naming every
 * such line. Nothing is applied unless every line fits.
 */
export function applyReceipt(
  lines: readonly PurchaseLine[],
  receipt: readonly ReceiptLineInput[],
): { lines: PurchaseLine[]; status: 'PARTIALLY_RECEIVED' | 'RECEIVED' } {
  const bySku = new Map(lines.map((l) => [l.sku, l]));
  const unknown = receipt.flatMap((r, i) =>
    bySku.has(r.sku)
      ? []
      : [{ path: `body.lines.${i}.sku`, message: `${r.sku} is not on this purchase order` }],
  );
  if (unknown.length > 0) throw refused('A receipt line names a SKU not on this purchase order', unknown);
  const requested = new Map<string, number>();
  for (const r of receipt) requested.set(r.sku, (requested.get(r.sku) ?? 0) + r.quantity);
  const over = [...requested].flatMap(([sku, quantity]) => {
    const line = bySku.get(sku)!;
    return line.received + quantity > line.quantity
      ? [{ sku, ordered: line.quantity, received: line.received, requested: quantity }]
      : [];
  });
  if (over.length > 0) {
    throw new AppError(
      'OVER_RECEIPT',
      `Receiving this would exceed the quantity ordered for ${over.map((o) => o.sku).join(', ')}`,
      { lines: over },
    );
  }
  const next = lines.map((l) => ({ ...l, received: l.received + (requested.get(l.sku) ?? 0) }));
  return {
    lines: next,
    status: next.every((l) => l.received === l.quantity) ? 'RECEIVED' : 'PARTIALLY_RECEIVED',
  };
}
