/**
 * Small schemas shared by several contexts: money, currency, ids, timestamps, paging.
 */
import * as z from 'zod';

const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

/** ISO 4217 code, as the runtime's ICU data knows them. */
export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'Must be an ISO 4217 code such as EUR', abort: true })
  .refine((c) => isoCurrencies.has(c), 'Unknown ISO 4217 currency')
  .meta({ description: 'ISO 4217 currency code', example: 'EUR' });

/** Integer minor units (cents); never floating point. Capped well inside Number.MAX_SAFE_INTEGER. */
export const Money = z
  .int()
  .min(0)
  .max(1_000_000_000_00)
  .meta({ description: 'Amount in minor units of the currency (e.g. cents)', example: 1999 });

export const IsoTimestamp = z.iso.datetime().meta({ description: 'ISO 8601 UTC timestamp' });

export const Sku = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'Letters, digits, dot, dash or underscore; at most 64 characters',
  )
  .meta({ description: 'Stock keeping unit, chosen by the business', example: 'TSHIRT-RED-M' });

export const Ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'Must be a ULID');

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});
