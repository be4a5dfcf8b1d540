/**
 * The anonymisation rules of an erasure (docs/security.md, "Personal data"): pure, no I/O, so every
 * context's erasure handler and the unit tests share them. An erased customer keeps their id (orders,
 * invoices and ledgers still point at it) but nothing that names, reaches or locates them.
 */
import type { Customer } from './rules.ts';

/** What replaces a person's name wherever it was stored. */
export const ERASED_NAME = 'Erased customer';
/** What replaces free text a customer wrote (ticket descriptions, interaction bodies). */
export const ERASED_TEXT = '[erased]';
/** What replaces each line of a postal address (the country stays: it carries tax, not identity). */
export const ERASED_ADDRESS_LINE = '[erased]';

/**
 * The customer after erasure: name replaced, email and phone dropped (their uniqueness item is released
 * by the caller), consent withdrawn on every channel (no marketing can reach an erased person), e-receipts
 * off, the idempotency fingerprint (a hash over the email) dropped, the version moved on. Already erased:
 * unchanged, so a repeated erasure writes nothing.
 */
export function anonymiseCustomer(customer: Customer, at: string): Customer {
  if (customer.erasedAt !== undefined) return customer;
  const { email: _email, phone: _phone, requestHash: _hash, ...kept } = customer;
  return {
    ...kept,
    name: ERASED_NAME,
    marketingConsent: {
      email: { granted: false, changedAt: at, source: 'staff' },
      sms: { granted: false, changedAt: at, source: 'staff' },
    },
    eReceipts: false,
    version: customer.version + 1,
    updatedAt: at,
    erasedAt: at,
  };
}

/** A postal address with every line that locates a person erased; the country is kept. */
export function anonymiseAddress<
  A extends {
    name: string;
    line1: string;
    line2?: string | undefined;
    city: string;
    postalCode: string;
    country: string;
  },
>(address: A): A {
  const { line2, ...rest } = address;
  return {
    ...rest,
    name: ERASED_NAME,
    line1: ERASED_ADDRESS_LINE,
    ...(line2 === undefined ? {} : { line2: ERASED_ADDRESS_LINE }),
    city: ERASED_ADDRESS_LINE,
    postalCode: ERASED_ADDRESS_LINE,
  } as A;
}

/** Whether a text still carries one of the customer's identifiers (for tests and audits). */
export function mentions(text: string, identifiers: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return identifiers.some((id) => id.trim() !== '' && lower.includes(id.trim().toLowerCase()));
}
