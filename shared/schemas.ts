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

/**
 * Query parameter names that must never be silently ignored: a route that does not declare one
 * refuses it, because dropping it would answer a wider question than the caller asked (a list
 * "for customer X" that is really everyone's). Compared case-insensitively. docs/api.md states
 * the rule.
 */
export const SECURITY_RELEVANT_QUERY_PARAMETERS: readonly string[] = ['customerId'];

/** Bounds of each query integer, for the OpenAPI document (the wire value is a string of digits). */
export const queryIntegerBounds = z.registry<{ minimum: number; maximum: number }>();

/**
 * A whole number in a query string: decimal digits only. `Number()` and `z.coerce.number()` also
 * take `1e1`, `0x10`, ` 5` or `5.0`, none of which a client means as a count.
 */
export function queryInt(minimum: number, maximum: number) {
  const schema = z
    .string()
    .regex(/^[0-9]{1,15}$/, 'Must be a whole number in decimal digits')
    .transform(Number)
    .pipe(z.int().min(minimum).max(maximum));
  queryIntegerBounds.add(schema, { minimum, maximum });
  return schema;
}

/**
 * A route's query parameters. Parameters the route does not declare are ignored (a cache-buster
 * such as `?_=123` must not break a client), except the security-relevant names above, which are
 * refused with 400 when the route does not declare them.
 */
export function queryParams<const Shape extends z.ZodRawShape>(shape: Shape) {
  const declared = new Set(Object.keys(shape));
  const guarded = new Set(SECURITY_RELEVANT_QUERY_PARAMETERS.map((n) => n.toLowerCase()));
  return z
    .looseObject(shape)
    .superRefine((query, ctx) => {
      for (const name of Object.keys(query)) {
        if (!declared.has(name) && guarded.has(name.toLowerCase())) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'Not a parameter of this route' });
        }
      }
    })
    .transform((query) => {
      const known: Record<string, unknown> = {};
      for (const name of declared) if (query[name] !== undefined) known[name] = query[name];
      return known as z.output<z.ZodObject<Shape>>;
    });
}

/** `limit` and `cursor`, for every list. */
export const pageQueryShape = {
  limit: queryInt(1, 100).default(20).meta({ description: 'Page size: 1 to 100, 20 when absent' }),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page' }),
};

export const PageQuery = queryParams(pageQueryShape);
