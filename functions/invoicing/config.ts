/**
 * Invoicing configuration, read once per container (cold start). Every value has a default for a
 * demo deployment and can be overridden through the function's environment (the topology's
 * `environment` of the `invoicing` function, or the shell running `npm start`):
 *
 * | variable | default | what |
 * |---|---|---|
 * | `INVOICE_SELLER_NAME` | `Storeline GmbH` | the seller's legal name on every document |
 * | `INVOICE_SELLER_VAT_ID` | `DE000000000` | the seller's VAT identification number |
 * | `INVOICE_SELLER_LINE1` | `Musterstraße 1` | the seller's address |
 * | `INVOICE_SELLER_CITY` | `Berlin` | |
 * | `INVOICE_SELLER_POSTAL_CODE` | `10115` | |
 * | `INVOICE_SELLER_COUNTRY` | `DE` | ISO 3166-1 alpha-2 |
 * | `INVOICE_SELLER_EMAIL` | `billing@storeline.example` | where customers ask about invoices |
 * | `INVOICE_DEFAULT_TAX_RATE_BPS` | `1900` | the rate (basis points) for a shipping country not in `TAX_RATES_BPS` (`./tax.ts`): the seller's domestic rate |
 *
 * Changing a value affects documents issued afterwards only: each document stores the seller
 * details and the rate it was issued with.
 */
import * as z from 'zod';

export interface Seller {
  readonly name: string;
  readonly vatId: string;
  readonly email: string;
  readonly address: {
    readonly line1: string;
    readonly city: string;
    readonly postalCode: string;
    readonly country: string;
  };
}

const env = (name: string, fallback: string): string => {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
};

/** The seller on every document issued by this container. */
export const seller: Seller = {
  name: env('INVOICE_SELLER_NAME', 'Storeline GmbH'),
  vatId: env('INVOICE_SELLER_VAT_ID', 'DE000000000'),
  email: env('INVOICE_SELLER_EMAIL', 'billing@storeline.example'),
  address: {
    line1: env('INVOICE_SELLER_LINE1', 'Musterstraße 1'),
    city: env('INVOICE_SELLER_CITY', 'Berlin'),
    postalCode: env('INVOICE_SELLER_POSTAL_CODE', '10115'),
    country: env('INVOICE_SELLER_COUNTRY', 'DE'),
  },
};

/** Checked at cold start: a bad value fails the first invocation, not a document. */
export const defaultTaxRateBps: number = z.coerce
  .number()
  .int()
  .min(0)
  .max(10_000)
  .parse(env('INVOICE_DEFAULT_TAX_RATE_BPS', '1900'));
