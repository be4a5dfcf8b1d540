/**
 * The marketing webhook's HTTP contract (docs/api.md, "Marketing webhooks"): one signed route, no
 * JWT. The envelope `{ id, type, data }` is validated here; `data` is validated per known type by
 * the domain (receive.ts), after the signature, so an unknown type can still be recorded.
 */
import * as z from 'zod';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp } from '#shared/schemas.ts';
import { SIGNATURE_TOLERANCE_SECONDS } from './signature.ts';

/** The sender's event id: printable ASCII without spaces, as senders' ids (UUIDs, `evt_…`) are. */
export const WebhookEventId = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Printable ASCII without spaces; 1 to 255 characters')
  .meta({ description: "The sender's event id: a repeated id is a replay", example: 'evt_01HZX3J5T7' });

export const WebhookType = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'Letters, digits, dot, dash or underscore; at most 100 characters')
  .meta({ description: 'What happened, e.g. `contact.unsubscribed`', example: 'contact.unsubscribed' });

export const WebhookEnvelope = z
  .strictObject({
    id: WebhookEventId,
    type: WebhookType,
    data: z.record(z.string(), z.unknown()).meta({
      description:
        'Depends on `type`: `contact.subscribed` / `contact.unsubscribed` `{ email }`; `contact.updated` ' +
        '`{ email, name?, phone? }`; `coupon.issued` `{ code, kind, value, currency?, maxRedemptions?, ' +
        'perCustomerLimit?, validUntil? }`; anything for other types',
    }),
  })
  .meta({ id: 'MarketingWebhookEvent' });
export type WebhookEnvelope = z.infer<typeof WebhookEnvelope>;

/*
 * The contact fields, validated as the customers contract validates them (`Email`, `PersonName`,
 * `Phone` in functions/customers/contract.ts; a unit test holds them equal). Not imported: that
 * module brings the whole customers and orders HTTP contracts (~12 KB) into this function's bundle.
 */
export const ContactEmail = z.email({ message: 'Must be an email address' }).max(254);
export const ContactName = z.string().trim().min(1).max(200);
export const ContactPhone = z
  .string()
  .trim()
  .regex(
    /^\+?[0-9][0-9 ()./-]{3,30}$/,
    'Digits with an optional leading + and spaces, dots, dashes or brackets',
  );

/** `contact.subscribed` and `contact.unsubscribed`. */
export const ContactConsentData = z.strictObject({ email: ContactEmail });

/** `contact.updated`: creates the customer when no customer has this email. */
export const ContactUpdatedData = z.strictObject({
  email: ContactEmail,
  name: ContactName.optional(),
  phone: ContactPhone.optional(),
});

/** `coupon.issued`: the coupon the marketing system created, applied like `PUT /coupons/{code}`. */
export const CouponIssuedData = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Letters, digits, dash or underscore; at most 64'),
  kind: z.enum(['percent', 'fixed']),
  value: z.int().min(1),
  currency: Currency.optional(),
  maxRedemptions: z.int().min(1).optional(),
  perCustomerLimit: z.int().min(1).optional(),
  validUntil: IsoTimestamp.optional(),
});

/** What became of an event: applied, recorded only (202), or a replay of an id already received. */
export const WebhookOutcome = z.enum(['applied', 'recorded', 'duplicate']);
export type WebhookOutcome = z.infer<typeof WebhookOutcome>;

/** Why an event was recorded and not applied. */
export const RecordedReason = z.enum([
  'unknown-type',
  /** Only on events received before coupons existed (they are applied by `applyRecordedCoupons`). */
  'coupons-not-available',
  'unknown-customer',
  /** `coupon.issued` for a code staff created: staff coupons are not replaced by the marketing system. */
  'coupon-exists',
  /** A `coupon.issued` recorded before coupons existed whose terms the coupon rules refuse. */
  'invalid-coupon',
]);
export type RecordedReason = z.infer<typeof RecordedReason>;

export const WebhookReceipt = z
  .object({
    id: WebhookEventId,
    type: z.string(),
    outcome: WebhookOutcome,
    reason: RecordedReason.optional().meta({ description: 'Why a `recorded` event was not applied' }),
    customerId: z.string().optional().meta({ description: 'The customer an applied contact event changed' }),
    couponCode: z
      .string()
      .optional()
      .meta({ description: 'The coupon an applied `coupon.issued` created or updated' }),
  })
  .meta({ id: 'MarketingWebhookReceipt' });
export type WebhookReceipt = z.infer<typeof WebhookReceipt>;

export const webhooksTag: ApiTag = {
  name: 'webhooks',
  description:
    'Events from the marketing system (unsubscribes, contact updates, issued coupons), authenticated by ' +
    'an HMAC signature instead of a token.',
};

export const webhookRoutes = {
  receiveMarketingWebhook: defineRoute({
    method: 'POST',
    path: '/webhooks/marketing',
    operationId: 'receiveMarketingWebhook',
    summary: 'Receive a signed event from the marketing system',
    description:
      'No token: the sender signs. Headers `X-Webhook-Timestamp: <unix seconds>` and ' +
      '`X-Webhook-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>`; a missing, ' +
      `malformed or wrong signature, or a timestamp more than ${SIGNATURE_TOLERANCE_SECONDS} s from now, ` +
      'is `UNAUTHORIZED` before the body is even read. Several secrets may be active at once (rotation). ' +
      'An applied event answers 200 (`coupon.issued` creates the coupon as `PUT /coupons/{code}` would); an ' +
      'event recorded but not applied (an unknown `type`, a coupon whose code staff created, a ' +
      'consent change for an email no customer has) 202; a repeated `id` 200 with outcome `duplicate`, ' +
      'and changes nothing, however many copies arrive at once. Ids are remembered for 30 days.',
    example: { id: 'evt_01HZX3J5T7', type: 'contact.unsubscribed', data: { email: 'ada@example.com' } },
    tag: 'webhooks',
    access: 'signed',
    body: WebhookEnvelope,
    responses: {
      200: { description: 'Applied, or a replay of an id already received', schema: WebhookReceipt },
      202: { description: 'Recorded, not applied (see `reason`)', schema: WebhookReceipt },
    },
    errors: ['RATE_LIMITED'],
  }),
} as const;
