/**
 * The eReceipt a customer gets for an invoice: subject, plain text and HTML, from the stored
 * document (lines, discount, tax, totals, number). Pure: no I/O, so unit tests render receipts
 * directly. Amounts are formatted from integer minor units without floating point: the decimal is
 * written out digit by digit and handed to `Intl.NumberFormat` as a string, which formats decimal
 * strings exactly.
 */
import type { InvoiceDocument } from '#functions/invoicing/documents.ts';

/** The locale receipts are written in (English, amounts like `€1,234.50`). */
export const RECEIPT_LOCALE = 'en-GB';

const formatters = new Map<string, Intl.NumberFormat>();
function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat(RECEIPT_LOCALE, { style: 'currency', currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Digits after the decimal point in a currency's minor unit: 2 for EUR, 0 for JPY, 3 for BHD. */
export function minorDigits(currency: string): number {
  return formatterFor(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** An integer of minor units as an exact decimal string: `-1234`, EUR → `-12.34`. */
export function minorToDecimal(amount: number, digits: number): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`Not an amount in minor units: ${amount}`);
  const sign = amount < 0 ? '-' : '';
  const abs = String(Math.abs(amount));
  if (digits === 0) return `${sign}${abs}`;
  const padded = abs.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/** `formatMoney(4758, 'EUR')` → `€47.58`; `formatMoney(-300, 'EUR')` → `-€3.00`. */
export function formatMoney(amount: number, currency: string): string {
  // A decimal string is formatted exactly (Intl.NumberFormat v3), so no float ever holds money.
  return formatterFor(currency).format(minorToDecimal(amount, minorDigits(currency)) as `${number}`);
}

/** A tax rate in basis points as a percentage: 1900 → `19%`, 550 → `5.5%`. */
export function formatRate(bps: number): string {
  return `${minorToDecimal(bps, 2).replace(/\.?0+$/, '')}%`;
}

export interface RenderedReceipt {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The receipt of a document for its customer (`name` as addressed). */
export function renderReceipt(doc: InvoiceDocument, recipientName: string): RenderedReceipt {
  const money = (amount: number) => formatMoney(amount, doc.currency);
  const kind = doc.kind === 'invoice' ? 'Invoice' : 'Credit note';
  const issued = doc.issuedAt.slice(0, 10);
  const subject =
    doc.kind === 'invoice'
      ? `Your receipt ${doc.number} from ${doc.seller.name}`
      : `Your credit note ${doc.number} from ${doc.seller.name}`;
  const lines = doc.lines.map((l) => ({
    label: `${l.quantity} × ${l.name} (${l.sku})`,
    unit: money(l.unitPrice),
    lineTotal: money(l.lineTotal),
    discount: l.discount === 0 ? undefined : money(-l.discount),
    tax: `${money(l.tax)} (${formatRate(l.taxRate)})`,
    total: money(l.total),
  }));
  const totals: [string, string][] = [
    ['Subtotal', money(doc.subtotal)],
    ...(doc.discount === 0 ? [] : [['Discount', money(-doc.discount)] as [string, string]]),
    ['Tax', money(doc.tax)],
    ['Total', money(doc.total)],
  ];

  const text = [
    `Hello ${recipientName},`,
    '',
    doc.kind === 'invoice'
      ? `thank you for your order ${doc.orderId}. This is your receipt.`
      : `this credit note corrects the invoice of your order ${doc.orderId}.`,
    '',
    `${kind} ${doc.number}, issued ${issued}`,
    '',
    ...lines.map(
      (l) =>
        `${l.label}: ${l.unit} each, ${l.lineTotal}${l.discount ? `, discount ${l.discount}` : ''}, tax ${l.tax}, total ${l.total}`,
    ),
    '',
    ...totals.map(([label, value]) => `${label}: ${value}`),
    '',
    `${doc.seller.name}, ${doc.seller.address.line1}, ${doc.seller.address.postalCode} ${doc.seller.address.city}, ${doc.seller.address.country}`,
    `VAT ID ${doc.seller.vatId}. Questions about this document: ${doc.seller.email}`,
    '',
    'This is a transactional message about your order. You can turn eReceipts off in your account.',
  ].join('\n');

  const cell = (value: string, align: 'left' | 'right' = 'left') =>
    `<td style="padding:4px 8px;text-align:${align}">${escapeHtml(value)}</td>`;
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>Hello ${escapeHtml(recipientName)},</p>`,
    `<p>${escapeHtml(
      doc.kind === 'invoice'
        ? `thank you for your order ${doc.orderId}. This is your receipt.`
        : `this credit note corrects the invoice of your order ${doc.orderId}.`,
    )}</p>`,
    `<h2>${escapeHtml(`${kind} ${doc.number}`)}</h2><p>Issued ${escapeHtml(issued)}</p>`,
    '<table style="border-collapse:collapse">',
    '<tr><th>Item</th><th>Unit price</th><th>Amount</th><th>Discount</th><th>Tax</th><th>Total</th></tr>',
    ...lines.map(
      (l) =>
        `<tr>${cell(l.label)}${cell(l.unit, 'right')}${cell(l.lineTotal, 'right')}${cell(l.discount ?? '', 'right')}${cell(l.tax, 'right')}${cell(l.total, 'right')}</tr>`,
    ),
    ...totals.map(
      ([label, value]) =>
        `<tr><td colspan="5" style="padding:4px 8px;text-align:right">${escapeHtml(label)}</td>${cell(value, 'right')}</tr>`,
    ),
    '</table>',
    `<p style="color:#555">${escapeHtml(
      `${doc.seller.name}, ${doc.seller.address.line1}, ${doc.seller.address.postalCode} ${doc.seller.address.city}, ${doc.seller.address.country}. VAT ID ${doc.seller.vatId}. Questions: ${doc.seller.email}`,
    )}</p>`,
    '<p style="color:#555">This is a transactional message about your order. You can turn eReceipts off in your account.</p>',
    '</body></html>',
  ].join('\n');

  return { subject, text, html };
}
