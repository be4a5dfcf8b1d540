/**
 * Tax and rounding, as plain functions with no I/O (unit and property tests check them directly).
 *
 * Catalogue prices are **net**: an order's `subtotal − discount` is what the goods cost before
 * tax, and the invoice adds tax on top (`total = subtotal − discount + tax`).
 *
 * The rules, in integer minor units and basis points (1 bp = 0.01 %), never floating point:
 * 1. **Discount allocation.** The order's discount is spread over its lines in proportion to their
 *    `lineTotal` by the largest-remainder method: each line gets ⌊discount × lineTotal / subtotal⌋,
 *    and the units left over go one each to the lines with the largest remainders (ties: the
 *    earlier line). So the line discounts sum to the order discount exactly, no line's discount
 *    exceeds its `lineTotal`, and the line nets sum to `subtotal − discount`.
 * 2. **Line tax** = round half up of `net × rate / 10 000` (a line's net is never negative).
 * 3. **Invoice tax** = Σ line taxes (never recomputed on the sum, so the lines add up exactly).
 * 4. **Credits** of `k` of a line's `Q` units are prorated cumulatively: after `c` units have
 *    been credited, crediting `q` more credits `f(c + q) − f(c)` of each amount `A` (line total,
 *    line discount, line tax), where `f(k) = round half up of A × k / Q`. `f(Q) = A`, so the last
 *    unit credits exactly the remainder, the credits of a line never exceed what it invoiced, and
 *    however the units come back, they sum to the line exactly.
 */

/** The tax rate table: standard VAT rates by ISO 3166-1 alpha-2 shipping country, in basis points. */
export const TAX_RATES_BPS: Readonly<Record<string, number>> = {
  AT: 2000,
  BE: 2100,
  CH: 810,
  DE: 1900,
  DK: 2500,
  ES: 2100,
  FI: 2550,
  FR: 2000,
  GB: 2000,
  IE: 2300,
  IT: 2200,
  LU: 1700,
  NL: 2100,
  PL: 2300,
  PT: 2300,
  SE: 2500,
};

export const BPS_PER_UNIT = 10_000;

/** The rate for a shipping country: the table's, or `defaultRateBps` for a country not in it. */
export function taxRateFor(
  country: string,
  defaultRateBps: number,
  table: Readonly<Record<string, number>> = TAX_RATES_BPS,
): number {
  return Object.hasOwn(table, country) ? table[country]! : defaultRateBps;
}

/** Round half up of `a × b / d` for non-negative integers (BigInt inside: `a × b` may pass 2^53). */
export function mulDivHalfUp(a: number, b: number, d: number): number {
  if (a < 0 || b < 0 || d <= 0) throw new RangeError(`mulDivHalfUp(${a}, ${b}, ${d}): needs a, b ≥ 0, d > 0`);
  const n = BigInt(a) * BigInt(b);
  const den = BigInt(d);
  return Number((2n * n + den) / (2n * den));
}

/**
 * Splits `amount` over `weights` in proportion, by largest remainder: the parts sum to `amount`,
 * and each part is at most its weight when `amount ≤ Σ weights`. All-zero weights take nothing
 * (then `amount` must be 0).
 */
export function allocateLargestRemainder(amount: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) {
    if (amount !== 0) throw new RangeError(`Cannot allocate ${amount} over zero weights`);
    return weights.map(() => 0);
  }
  const bigAmount = BigInt(amount);
  const bigTotal = BigInt(total);
  const shares = weights.map((w, index) => {
    const product = bigAmount * BigInt(w);
    return { index, floor: Number(product / bigTotal), remainder: product % bigTotal };
  });
  let left = amount - shares.reduce((s, p) => s + p.floor, 0);
  const parts = shares.map((s) => s.floor);
  const byRemainder = [...shares].sort((x, y) =>
    x.remainder === y.remainder ? x.index - y.index : x.remainder > y.remainder ? -1 : 1,
  );
  for (const share of byRemainder) {
    if (left <= 0) break;
    parts[share.index]! += 1;
    left -= 1;
  }
  return parts;
}

/** An order line as priced at intake (net catalogue prices). */
export interface PricedLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly lineTotal: number;
}

/** A document line. On a credit note every amount is negative; `quantity` and `unitPrice` are not. */
export interface DocumentLine extends PricedLine {
  /** The line's share of the order discount. */
  readonly discount: number;
  /** `lineTotal − discount`. */
  readonly net: number;
  /** Basis points applied (2000 = 20 %). */
  readonly taxRate: number;
  readonly tax: number;
  /** `net + tax`. */
  readonly total: number;
}

export interface DocumentAmounts {
  readonly lines: DocumentLine[];
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  /** `subtotal − discount + tax`. */
  readonly total: number;
}

/** `-x`, but never `-0` (which JSON, DynamoDB and deep equality would treat apart from 0). */
const negate = (x: number): number => (x === 0 ? 0 : -x);

const sum = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0);

function totalsOf(lines: DocumentLine[]): DocumentAmounts {
  const subtotal = sum(lines.map((l) => l.lineTotal));
  const discount = sum(lines.map((l) => l.discount));
  const tax = sum(lines.map((l) => l.tax));
  return { lines, subtotal, discount, tax, total: subtotal - discount + tax };
}

/** The invoice amounts of an order: discount allocated, tax per line at `rateBps`, totals summed. */
export function priceInvoice(
  lines: readonly PricedLine[],
  discount: number,
  rateBps: number,
): DocumentAmounts {
  const subtotal = sum(lines.map((l) => l.lineTotal));
  if (discount < 0 || discount > subtotal) {
    throw new RangeError(`Discount ${discount} outside 0..${subtotal}`);
  }
  const shares = allocateLargestRemainder(
    discount,
    lines.map((l) => l.lineTotal),
  );
  return totalsOf(
    lines.map((line, i) => {
      const lineDiscount = shares[i]!;
      const net = line.lineTotal - lineDiscount;
      const tax = mulDivHalfUp(net, rateBps, BPS_PER_UNIT);
      return { ...line, discount: lineDiscount, net, taxRate: rateBps, tax, total: net + tax };
    }),
  );
}

/** Units of a SKU to credit. */
export interface CreditRequest {
  readonly sku: string;
  readonly quantity: number;
}

/** A credit note's amounts, and the credited quantities per SKU after it. */
export interface CreditPlan extends DocumentAmounts {
  /** Credited units per SKU, this credit included. */
  readonly credited: Record<string, number>;
}

/**
 * The credit of `requests` against an invoice's lines, of which `credited` units per SKU were
 * credited before. Quantities are clamped to what is still uncredited (a request beyond it credits
 * the rest; an unknown SKU credits nothing); requests for one SKU are merged. Lines come out in the
 * invoice's order, with negative amounts; a plan with no lines credits nothing.
 */
export function planCredit(
  invoiceLines: readonly DocumentLine[],
  credited: Readonly<Record<string, number>>,
  requests: readonly CreditRequest[],
): CreditPlan {
  const requested = new Map<string, number>();
  for (const r of requests) requested.set(r.sku, (requested.get(r.sku) ?? 0) + r.quantity);
  const after: Record<string, number> = { ...credited };
  const lines: DocumentLine[] = [];
  for (const line of invoiceLines) {
    const before = credited[line.sku] ?? 0;
    const quantity = Math.min(requested.get(line.sku) ?? 0, line.quantity - before);
    if (quantity <= 0) continue;
    const upTo = before + quantity;
    const part = (amount: number) =>
      mulDivHalfUp(amount, upTo, line.quantity) - mulDivHalfUp(amount, before, line.quantity);
    const lineTotal = part(line.lineTotal);
    const discount = part(line.discount);
    const tax = part(line.tax);
    const net = lineTotal - discount;
    after[line.sku] = upTo;
    lines.push({
      sku: line.sku,
      name: line.name,
      quantity,
      unitPrice: line.unitPrice,
      lineTotal: negate(lineTotal),
      discount: negate(discount),
      net: negate(net),
      taxRate: line.taxRate,
      tax: negate(tax),
      total: negate(net + tax),
    });
  }
  return { ...totalsOf(lines), credited: after };
}

/** Every unit not yet credited: what a cancellation credits. */
export function remainingUnits(
  invoiceLines: readonly DocumentLine[],
  credited: Readonly<Record<string, number>>,
): CreditRequest[] {
  return invoiceLines
    .map((l) => ({ sku: l.sku, quantity: l.quantity - (credited[l.sku] ?? 0) }))
    .filter((r) => r.quantity > 0);
}
