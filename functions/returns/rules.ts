/**
 * Return rules as plain functions, with no I/O: which lines an order can still return, the return
 * state machine, and how a receipt must account for the approved units. request.ts and lifecycle.ts
 * apply them; unit tests check them directly. The transaction conditions enforce the same limits
 * race-free; these functions give the precise answer (which SKU, which line) before and after.
 */
import { AppError, type FieldError } from '#shared/errors.ts';
import type { ReturnStatus } from './contract.ts';

export interface ReturnLine {
  readonly sku: string;
  readonly quantity: number;
}

export interface ReceivedLine extends ReturnLine {
  readonly disposition: 'restock' | 'scrap';
}

/** Lines with the same SKU summed, in first-seen order. */
export function mergeReturnLines(lines: readonly ReturnLine[]): ReturnLine[] {
  const merged = new Map<string, number>();
  for (const { sku, quantity } of lines) merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

/** Per SKU: delivered minus what is already being returned (never below 0). */
export function returnableQuantities(
  delivered: readonly ReturnLine[],
  returning: ReadonlyMap<string, number>,
): Map<string, number> {
  return new Map(
    delivered.map(({ sku, quantity }) => [sku, Math.max(0, quantity - (returning.get(sku) ?? 0))]),
  );
}

/**
 * The lines of a new return, merged, when the order can still return them: a SKU not in the order
 * is 400 `VALIDATION_FAILED` (naming the request lines); more than delivered minus what is being
 * returned is 409 `RETURN_QUANTITY_EXCEEDED` naming the SKUs.
 */
export function checkReturnable(
  requested: readonly ReturnLine[],
  delivered: readonly ReturnLine[],
  returning: ReadonlyMap<string, number>,
): ReturnLine[] {
  const returnable = returnableQuantities(delivered, returning);
  const unknown: FieldError[] = requested.flatMap((l, i) =>
    returnable.has(l.sku) ? [] : [{ path: `body.lines.${i}.sku`, message: 'Not a line of this order' }],
  );
  if (unknown.length > 0) {
    throw new AppError('VALIDATION_FAILED', 'Only lines of this order can be returned', {
      errors: unknown,
    });
  }
  const merged = mergeReturnLines(requested);
  const beyond = merged
    .filter(({ sku, quantity }) => quantity > (returnable.get(sku) ?? 0))
    .map((l) => l.sku);
  if (beyond.length > 0) {
    throw new AppError(
      'RETURN_QUANTITY_EXCEEDED',
      `More than the order delivered minus what is already being returned: ${beyond.join(', ')}`,
      { skus: beyond },
    );
  }
  return merged;
}

export interface ReturnTransitionRule {
  readonly from: readonly ReturnStatus[];
  readonly to: ReturnStatus;
  /** What happens to the order's "being returned" tally. */
  readonly tally: 'keep' | 'release';
}

/**
 * The return state machine (docs/api.md, returns). Opening is not a transition: it creates the
 * return in `REQUESTED`. A rejected return releases its quantities; a received one keeps them
 * (they were returned). REJECTED and RECEIVED are final.
 */
export const RETURN_TRANSITIONS = {
  approve: { from: ['REQUESTED'], to: 'APPROVED', tally: 'keep' },
  reject: { from: ['REQUESTED', 'APPROVED'], to: 'REJECTED', tally: 'release' },
  receive: { from: ['APPROVED'], to: 'RECEIVED', tally: 'keep' },
} as const satisfies Record<string, ReturnTransitionRule>;
export type ReturnTransitionName = keyof typeof RETURN_TRANSITIONS;

/** Refuses a transition from the return's current status with 409 `INVALID_STATE`. */
export function assertReturnTransition(name: ReturnTransitionName, status: ReturnStatus): void {
  const rule: ReturnTransitionRule = RETURN_TRANSITIONS[name];
  if (!rule.from.includes(status)) {
    throw new AppError(
      'INVALID_STATE',
      `The return is ${status}: ${name} is possible only from ${rule.from.join(' or ')}`,
      { currentStatus: status },
    );
  }
}

/** Per SKU, the units restocked and scrapped: one stock write each. */
export interface SkuReceipt {
  readonly sku: string;
  readonly restock: number;
  readonly scrap: number;
}

/**
 * How a receipt lands on stock, per SKU in the return's order. The lines must account for every
 * approved unit exactly — no SKU outside the return, no SKU short or over: partial receipt is not
 * allowed (400 `VALIDATION_FAILED`, one error per offending SKU).
 */
export function planReceipt(
  approved: readonly ReturnLine[],
  received: readonly ReceivedLine[],
): SkuReceipt[] {
  const bySku = new Map<string, { restock: number; scrap: number }>();
  for (const { sku, quantity, disposition } of received) {
    const units = bySku.get(sku) ?? { restock: 0, scrap: 0 };
    units[disposition] += quantity;
    bySku.set(sku, units);
  }
  const approvedSkus = new Set(approved.map((l) => l.sku));
  const errors: FieldError[] = received.flatMap((l, i) =>
    approvedSkus.has(l.sku) ? [] : [{ path: `body.lines.${i}.sku`, message: 'Not a line of this return' }],
  );
  for (const { sku, quantity } of approved) {
    const units = bySku.get(sku);
    const got = units ? units.restock + units.scrap : 0;
    if (got !== quantity) {
      errors.push({ path: 'body.lines', message: `${sku}: ${got} received, ${quantity} approved` });
    }
  }
  if (errors.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      'A receipt must restock or scrap exactly the approved units of every line (no partial receipt)',
      { errors },
    );
  }
  return approved.map(({ sku }) => ({ sku, ...(bySku.get(sku) ?? { restock: 0, scrap: 0 }) }));
}

/** The receipt as the event and the return record it: one line per SKU and disposition. */
export function receivedLines(plan: readonly SkuReceipt[]): ReceivedLine[] {
  return plan.flatMap(({ sku, restock, scrap }) => [
    ...(restock > 0 ? [{ sku, quantity: restock, disposition: 'restock' as const }] : []),
    ...(scrap > 0 ? [{ sku, quantity: scrap, disposition: 'scrap' as const }] : []),
  ]);
}
