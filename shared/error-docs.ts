/**
 * What each error code means, for the documents: when it happens, and the members its problem
 * document carries beyond the RFC 9457 ones (`type`, `title`, `status`, `detail`, `instance`) and
 * `code`. The OpenAPI document gives each code its own closed schema from `members`, so a typed
 * client can read `skus` on an `OUT_OF_STOCK` without a cast. Kept apart from `#shared/errors.ts`
 * (status and title, what functions need) so that no function bundles these texts and schemas; a
 * code without its entry here fails type checking.
 */
import * as z from 'zod';
import type { ErrorCode } from './errors.ts';

const FieldErrorSchema = z
  .object({
    path: z
      .string()
      .meta({ description: 'Where: `body.lines.0.sku`, `query.limit`, `headers.idempotency-key`' }),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });

const Skus = z.array(z.string()).meta({ description: 'The SKUs concerned' });

export const errorDocs = {
  VALIDATION_FAILED: {
    when: 'A path parameter, query parameter, header or body field is missing or invalid',
    members: {
      errors: z.array(FieldErrorSchema).meta({ description: 'Each failure, one per field' }),
      skus: Skus.optional().meta({
        description: 'Order lines refused as a whole: unknown, not for sale, or in another currency',
      }),
    },
  },
  MALFORMED_JSON: {
    when: 'The body could not be parsed as JSON',
    members: {},
  },
  UNAUTHORIZED: {
    when: 'The bearer token is missing, invalid or expired',
    members: {},
  },
  FORBIDDEN: {
    when: 'The caller is authenticated but may not do this (a staff-only route, another customer)',
    members: {},
  },
  NOT_FOUND: {
    when: 'The resource does not exist, or is not the caller’s to see',
    members: {},
  },
  OUT_OF_STOCK: {
    when: 'Not enough available stock for one or more SKUs; nothing was reserved or moved',
    members: { skus: Skus.meta({ description: 'The SKUs that are short' }) },
  },
  COUPON_EXHAUSTED: {
    when: 'The coupon reached its redemption limit while the order was placed',
    members: {},
  },
  COUPON_LIMIT_REACHED: {
    when: 'The customer already used this coupon as often as it allows',
    members: {},
  },
  COUPON_NOT_APPLICABLE: {
    when: 'The coupon does not exist or does not apply to this order',
    members: { couponCode: z.string().meta({ description: 'The code that was refused' }) },
  },
  INVALID_STATE: {
    when: 'The resource is in a state from which this transition is not possible',
    members: {
      currentStatus: z.string().optional().meta({ description: 'The state the resource is in now' }),
    },
  },
  ALREADY_EXISTS: {
    when: 'A resource with this identity already exists',
    members: {},
  },
  VERSION_CONFLICT: {
    when: 'The resource changed since the version the request named',
    members: {},
  },
  IDEMPOTENCY_KEY_REUSED: {
    when: 'The Idempotency-Key was first used with another body (or by another route)',
    members: {
      orderId: z.string().optional().meta({ description: 'On orders: the order the key created' }),
    },
  },
  PAYLOAD_TOO_LARGE: {
    when: 'The body is larger than the API accepts',
    members: {},
  },
  RATE_LIMITED: {
    when: 'Too many concurrent changes to the same item; retry after a short, jittered wait',
    members: {},
  },
  METHOD_NOT_ALLOWED: {
    when: 'The path exists but not with this method',
    members: {},
  },
  UNSUPPORTED_MEDIA_TYPE: {
    when: 'The body is not in a media type the route accepts',
    members: {},
  },
  INTERNAL: {
    when: 'A fault on our side; the detail quotes the request id to report',
    members: {},
  },
  PRECONDITION_REQUIRED: {
    when: 'A conditional change was sent without `If-Match` naming the version it applies to',
    members: {},
  },
  RETURN_QUANTITY_EXCEEDED: {
    when: 'A return asks for more units of a SKU than the order delivered minus what is already being returned',
    members: { skus: Skus.meta({ description: 'The SKUs asked for beyond what can still be returned' }) },
  },
  OVER_RECEIPT: {
    when: 'A receipt would take a purchase order line beyond the quantity ordered; nothing was received',
    members: {
      lines: z
        .array(
          z.object({ sku: z.string(), ordered: z.int(), received: z.int(), requested: z.int() }).meta({
            id: 'OverReceiptLine',
          }),
        )
        .meta({ description: 'Each line refused: ordered, already received, and requested now' }),
    },
  },
  RECIPIENT_UNAVAILABLE: {
    when: 'A message cannot be sent: the customer has no address on the channel, or turned this kind of message off; nothing was sent',
    members: {
      reason: z
        .enum(['no_email', 'opted_out'])
        .meta({ description: '`no_email`: no address to send to; `opted_out`: the customer turned it off' }),
    },
  },
  INSUFFICIENT_POINTS: {
    when: 'The order spends more loyalty points than the customer’s balance; nothing was reserved or spent',
    members: { balance: z.int().meta({ description: 'The customer’s balance when the order was refused' }) },
  },
  POINTS_NOT_APPLICABLE: {
    when: 'The points are worth more than the order still costs after its coupon, or its currency has no point value',
    members: { maxPoints: z.int().meta({ description: 'The most points this order could take' }) },
  },
  SEGMENT_LIMIT_REACHED: {
    when: 'A new segment would pass the most segments kept live at once; change or reuse an existing one',
    members: {},
  },
  CHANGE_NOT_READY: {
    when: 'A change ticket is resolved while a checklist item is open or before a staff member other than its requester approved it',
    members: {
      openChecklistItems: z
        .array(z.string())
        .meta({ description: 'The ids of the checklist items not done yet' }),
      approved: z.boolean().meta({ description: 'Whether the change is approved' }),
    },
  },
  TICKET_TYPE_MISMATCH: {
    when: 'The operation belongs to another ticket type: a checklist or approval on a ticket that is not a change, a problem link from a ticket that is not an incident or to one that is not a problem',
    members: { ticketType: z.string().meta({ description: 'The type of the ticket concerned' }) },
  },
  SERVICE_UNAVAILABLE: {
    when: 'A store the request needs throttled or failed transiently beyond the bounded retry budget; nothing was changed. Send the same request again (same Idempotency-Key) after the seconds in the Retry-After header',
    members: {},
  },
} as const satisfies Record<ErrorCode, { when: string; members: Readonly<Record<string, z.ZodType>> }>;
