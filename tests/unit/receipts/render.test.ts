/**
 * eReceipt rendering and money formatting: amounts written from integer minor units exactly (no
 * float), every line, the discount, tax and totals and the invoice number in the receipt, HTML
 * escaped, and who gets a receipt at all (email, opt-out; never marketing consent).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Customer } from '#functions/customers/rules.ts';
import { applyChange, mayMarket, wantsEReceipts } from '#functions/customers/rules.ts';
import type { InvoiceDocument } from '#functions/invoicing/documents.ts';
import {
  formatMoney,
  formatRate,
  minorDigits,
  minorToDecimal,
  renderReceipt,
} from '#functions/receipts/render.ts';

// delivery.ts reads TABLE_NAME at load through the table client (no I/O happens here).
process.env.TABLE_NAME ??= 'receipts-unit-test';
const { suppressionOf } = await import('#functions/receipts/delivery.ts');

const invoice = (over: Partial<InvoiceDocument> = {}): InvoiceDocument => ({
  id: '01JQ8A1B2C3D4E5F6G7H8J9K0N',
  number: 'INV-2026-000042',
  kind: 'invoice',
  orderId: '7R3G0B5QZ6X1M9D2K4T8V0W5YC',
  customerId: 'c-1',
  channel: 'web',
  lines: [
    {
      sku: 'SHIRT',
      name: 'Shirt <b>red</b>',
      quantity: 2,
      unitPrice: 1999,
      lineTotal: 3998,
      discount: 247,
      net: 3751,
      taxRate: 2000,
      tax: 750,
      total: 4501,
    },
    {
      sku: 'MUG',
      name: 'Mug',
      quantity: 1,
      unitPrice: 850,
      lineTotal: 850,
      discount: 53,
      net: 797,
      taxRate: 550,
      tax: 44,
      total: 841,
    },
  ],
  subtotal: 4848,
  discount: 300,
  tax: 794,
  total: 5342,
  currency: 'EUR',
  issuedAt: '2026-03-01T10:15:02.000Z',
  seller: {
    name: 'Storeline GmbH',
    vatId: 'DE000000000',
    email: 'billing@storeline.example',
    address: { line1: 'Musterstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  },
  buyer: {
    customerId: 'c-1',
    name: 'Ada',
    address: { line1: '1 Main St', city: 'London', postalCode: 'SW1', country: 'GB' },
  },
  ...over,
});

const customer = (over: Partial<Customer> = {}): Customer => ({
  id: 'c-1',
  email: 'ada@example.com',
  name: 'Ada',
  marketingConsent: { email: { granted: false }, sms: { granted: false } },
  version: 1,
  origin: 'staff',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'staff-1',
  ...over,
});

describe('Money formatting', () => {
  it('formats minor units in the currency’s own decimals', () => {
    expect(formatMoney(4758, 'EUR')).toBe('€47.58');
    expect(formatMoney(-300, 'EUR')).toBe('-€3.00');
    expect(formatMoney(5, 'GBP')).toBe('£0.05');
    expect(formatMoney(123456789, 'USD')).toBe('US$1,234,567.89');
    expect(formatMoney(4758, 'JPY')).toBe('JP¥4,758');
    expect(formatMoney(1234, 'BHD')).toContain('1.234');
    expect(minorDigits('JPY')).toBe(0);
  });

  it('writes every amount exactly: its digits are the integer’s, beyond float precision too', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom('EUR', 'JPY', 'BHD', 'USD'),
        (amount, currency) => {
          const digits = minorDigits(currency);
          const decimal = minorToDecimal(amount, digits);
          // The decimal string is the integer with a point inserted.
          expect(BigInt(decimal.replace('.', ''))).toBe(BigInt(amount));
          expect(decimal.split('.')[1]?.length ?? 0).toBe(digits);
          // The formatted amount keeps every digit and the sign.
          const formatted = formatMoney(amount, currency);
          expect(formatted.replace(/[^0-9]/g, '').replace(/^0+(?=\d)/, '')).toBe(String(Math.abs(amount)));
          expect(formatted.startsWith('-')).toBe(amount < 0);
        },
      ),
    );
  });

  it('refuses an amount that is not an integer', () => {
    expect(() => minorToDecimal(1.5, 2)).toThrow(RangeError);
  });

  it('writes tax rates from basis points', () => {
    expect(formatRate(1900)).toBe('19%');
    expect(formatRate(550)).toBe('5.5%');
    expect(formatRate(0)).toBe('0%');
  });
});

describe('Receipt rendering', () => {
  it('names the invoice number, every line, the discount, tax and total', () => {
    const { subject, text, html } = renderReceipt(invoice(), 'Ada');
    expect(subject).toBe('Your receipt INV-2026-000042 from Storeline GmbH');
    for (const body of [text, html]) {
      expect(body).toContain('INV-2026-000042');
      expect(body).toContain('7R3G0B5QZ6X1M9D2K4T8V0W5YC');
      expect(body).toContain('€19.99');
      expect(body).toContain('€8.50');
      expect(body).toContain('-€3.00');
      expect(body).toContain('€7.94');
      expect(body).toContain('€53.42');
      expect(body).toContain('(5.5%)');
    }
    expect(text).toContain('2 × Shirt <b>red</b> (SHIRT)');
    expect(text).toContain('Subtotal: €48.48\nDiscount: -€3.00\nTax: €7.94\nTotal: €53.42');
  });

  it('escapes what customers and staff typed in the HTML', () => {
    const { html } = renderReceipt(invoice(), '<img src=x onerror=alert(1)>');
    expect(html).not.toContain('<b>red</b>');
    expect(html).toContain('Shirt &lt;b&gt;red&lt;/b&gt;');
    expect(html).not.toContain('<img');
  });

  it('leaves the discount out when there is none', () => {
    const { text } = renderReceipt(
      invoice({ discount: 0, lines: invoice().lines.map((l) => ({ ...l, discount: 0 })) }),
      'Ada',
    );
    expect(text).not.toContain('Discount');
    expect(text).not.toContain('discount');
  });

  it('calls a credit note a credit note', () => {
    const { subject, text } = renderReceipt(
      invoice({ kind: 'credit_note', number: 'CRN-2026-000007', total: -5342 }),
      'Ada',
    );
    expect(subject).toBe('Your credit note CRN-2026-000007 from Storeline GmbH');
    expect(text).toContain('Credit note CRN-2026-000007');
    expect(text).toContain('Total: -€53.42');
  });
});

describe('Who gets an eReceipt', () => {
  it('a customer with an email, eReceipts on by default, whatever their marketing consent', () => {
    expect(wantsEReceipts(customer())).toBe(true);
    expect(mayMarket(customer(), 'email')).toBe(false);
    expect(suppressionOf(customer())).toBeUndefined();
  });

  it('no one without a customer record or an email, and no one who turned eReceipts off', () => {
    expect(suppressionOf(undefined)).toBe('no_customer');
    const { email: _email, ...noEmail } = customer();
    expect(suppressionOf(noEmail)).toBe('no_email');
    expect(suppressionOf(customer({ eReceipts: false }))).toBe('opted_out');
  });

  it('turning eReceipts off is a change of its own: no consent changes, marketing untouched', () => {
    const ctx = {
      at: '2026-03-02T00:00:00.000Z',
      correlationId: 'c',
      by: 'c-1',
      source: 'customer' as const,
    };
    const off = applyChange(
      customer({ marketingConsent: { email: { granted: true }, sms: { granted: false } } }),
      { eReceipts: false },
      ctx,
    );
    expect(off.changed).toEqual(['eReceipts']);
    expect(off.consentChanges).toEqual([]);
    expect(off.customer.eReceipts).toBe(false);
    expect(off.customer.version).toBe(2);
    expect(mayMarket(off.customer, 'email')).toBe(true);
    // Turning on what is on by default is no change.
    expect(applyChange(customer(), { eReceipts: true }, ctx).changed).toEqual([]);
  });
});
