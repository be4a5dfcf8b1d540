/**
 * Input schemas of order intake that other contexts reuse (the pipeline's won-opportunity order,
 * customer ids): kept apart from the route contracts so that importing them does not bundle every
 * orders route definition into another context's function.
 */
import * as z from 'zod';
import { idempotentId } from '#shared/idempotency.ts';
import { Sku } from '#shared/schemas.ts';
import { MAX_LINE_QUANTITY } from './rules.ts';

/** 26 Crockford base32 characters: derived from the caller and their Idempotency-Key. */
export const OrderId = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'Must be an order id')
  .meta({ description: 'Order id (26 characters, Crockford base32)', example: '7R3G0B5QZ6X1M9D2K4T8V0W5YC' });

/** A customer id is the customer's token `sub`. */
export const CustomerId = z
  .string()
  .regex(/^[\w.:@|+-]{1,128}$/, 'Letters, digits and . _ : @ | + -; at most 128 characters')
  .meta({ description: "The customer's id (their token's `sub`)" });

export const CouponCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'Letters, digits, dash or underscore; at most 64 characters');

export const ShippingAddressInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().min(1).max(200).optional(),
    city: z.string().trim().min(1).max(100),
    postalCode: z.string().trim().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code such as DE'),
  })
  .meta({ id: 'ShippingAddress' });

export const OrderLineInput = z.strictObject({
  sku: Sku,
  quantity: z.int().min(1).max(MAX_LINE_QUANTITY),
});

/** The order id for (principal, key): the same on every retry, different for every other caller. */
export const orderIdFor = (sub: string, idempotencyKey: string): string =>
  idempotentId('order', sub, idempotencyKey);
