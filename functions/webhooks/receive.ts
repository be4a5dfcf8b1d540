/**
 * Receiving one signed marketing event, exactly once per event id.
 *
 * The event's effect (a consent change, a customer created or updated) and the claim of its id
 * (webhook-events.ts) are ONE transaction: the claim goes into the customers module's transaction
 * as an extra tagged write, so either both commit or neither does. A replay, or any of several
 * copies racing the first, fails the claim's condition, commits nothing, and is answered as a
 * duplicate. DynamoDB's transaction conflicts between racing copies are retried with jitter by the
 * transaction helper; a customer that changed between the read and the write is read again.
 *
 * What each type does (docs/api.md, docs/security.md):
 * - `contact.subscribed` / `contact.unsubscribed` `{ email }` → the email consent of the customer
 *   with that email, source `webhook` (`ConsentChanged` when it flips). An email no customer has is
 *   recorded (202, reason `unknown-customer`), not applied: a consent needs a customer to belong to,
 *   and creating a nameless customer from a subscription is what `contact.updated` is for;
 * - `contact.updated` `{ email, name?, phone? }` → updates the customer with that email, or creates
 *   one (origin `webhook`; without a `name`, the email stands in for it until someone sets one);
 * - `coupon.issued` → creates the coupon exactly as `PUT /coupons/{code}` would (source `webhook`).
 *   An update of an existing code: a coupon the marketing system issued is replaced like a PUT
 *   (terms it does not carry are removed, `active` and the redemption counts are kept); a coupon
 *   staff created is left alone and the event recorded (202, reason `coupon-exists`): staff own
 *   their codes;
 * - any other type → recorded (202).
 */
import { ulid } from 'ulid';
import type * as z from 'zod';
import { CouponInput } from '#functions/coupons/contract.ts';
import { saveCoupon } from '#functions/coupons/service.ts';
import {
  type CustomerContext,
  ExtraWritesFailed,
  findCustomerByEmail,
  tryCreateCustomer,
  updateCustomer,
} from '#functions/customers/customers.ts';
import { ddb } from '#shared/ddb.ts';
import { validationError } from '#shared/http/problem.ts';
import { logger } from '#shared/observability.ts';
import { contention, type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import {
  ContactConsentData,
  ContactUpdatedData,
  CouponIssuedData,
  type RecordedReason,
  type WebhookEnvelope,
  type WebhookReceipt,
} from './contract.ts';
import {
  bodyHash,
  claimWebhookEvent,
  expiryOf,
  getWebhookEvent,
  type WebhookEventRecord,
} from './webhook-events.ts';

/** One verified delivery. */
export interface Delivery {
  readonly event: WebhookEnvelope;
  /** The body as received (its hash tells a replay with another body apart). */
  readonly rawBody: string;
  /** The signed timestamp, unix seconds. */
  readonly signedAt: number;
  /** When it arrived, ISO 8601 UTC. */
  readonly receivedAt: string;
  /** The API request id: the correlation id of every event this delivery causes. */
  readonly requestId: string;
}

/** What became of an event that was not a replay. */
type Result =
  | { readonly outcome: 'applied'; readonly customerId: string }
  | { readonly outcome: 'applied'; readonly couponCode: string }
  | { readonly outcome: 'recorded'; readonly reason: RecordedReason };

/** The claim's tag: its failure means "this id was received before". */
const CLAIM = 'webhook-event' as const;
type ClaimWrite = TaggedWrite<typeof CLAIM>;

/** What a type's handler gets: who acts, and the claim to commit with its effect. */
interface Context {
  readonly customer: CustomerContext;
  /** The claim describing `result`, as an extra write for the effect's transaction. */
  readonly claim: (result: Result) => ClaimWrite[];
}

/**
 * A type's handler. It commits an `applied` result itself, with `ctx.claim(result)` in the same
 * transaction; a `recorded` result is committed (the claim alone) by `receiveWebhook`. A failed
 * claim surfaces as `ExtraWritesFailed`.
 */
type Handler = (data: Record<string, unknown>, ctx: Context) => Promise<Result>;

/** `data` validated against a known type's schema; problems point into `body.data`. */
function dataOf<S extends z.ZodType>(schema: S, data: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw validationError(parsed.error, 'body.data');
  return parsed.data;
}

const recorded = (reason: RecordedReason): Result => ({ outcome: 'recorded', reason });

/** Attempts at creating a customer whose email another request took in the meantime. */
const MAX_CREATE_ATTEMPTS = 3;

const consentHandler =
  (granted: boolean): Handler =>
  async (data, ctx) => {
    const { email } = dataOf(ContactConsentData, data);
    const customer = await findCustomerByEmail(email);
    if (!customer) return recorded('unknown-customer');
    const result: Result = { outcome: 'applied', customerId: customer.id };
    // Re-granting a granted consent changes nothing but still claims the id (with a version check).
    await updateCustomer(customer.id, { marketingConsent: { email: granted } }, ctx.customer, {
      extra: ctx.claim(result),
    });
    return result;
  };

const contactUpdated: Handler = async (data, ctx) => {
  const { email, name, phone } = dataOf(ContactUpdatedData, data);
  for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
    const existing = await findCustomerByEmail(email);
    if (existing) {
      const result: Result = { outcome: 'applied', customerId: existing.id };
      await updateCustomer(existing.id, { name, phone }, ctx.customer, { extra: ctx.claim(result) });
      return result;
    }
    const id = ulid();
    const result: Result = { outcome: 'applied', customerId: id };
    const created = await tryCreateCustomer(
      { id, email, name: name ?? email, phone, origin: 'webhook' },
      ctx.customer,
      ctx.claim(result),
    );
    if (created.ok) return result;
    // The email was taken since we looked (another event, or staff): update that customer instead.
  }
  throw contention(`The customer with email ${email}`);
};

/** `coupon.issued`: a coupon like a staff one, in one transaction with the claim of the event id. */
const couponIssued: Handler = async (data, ctx) => {
  const issued = dataOf(CouponIssuedData, data);
  const { code, ...terms } = issued;
  // The same rules as PUT /coupons/{code} (a percentage up to 100, a fixed coupon's currency).
  const input = CouponInput.safeParse(terms);
  if (!input.success) throw validationError(input.error, 'body.data');
  const result: Result = { outcome: 'applied', couponCode: code };
  const claim = ctx.claim(result);
  const saved = await saveCoupon(code, input.data, {
    source: 'webhook',
    at: ctx.customer.at,
    extra: claim.map((c) => c.write),
    mayReplace: (existing) => existing.source === 'webhook',
  });
  if (saved.kind === 'extra-failed') throw new ExtraWritesFailed([CLAIM]);
  if (saved.kind === 'kept') return recorded('coupon-exists');
  return result;
};

/** Known types. Data is validated before anything is read or written. */
const handlers: Readonly<Record<string, Handler>> = {
  'contact.subscribed': consentHandler(true),
  'contact.unsubscribed': consentHandler(false),
  'contact.updated': contactUpdated,
  'coupon.issued': couponIssued,
};

const unknownType: Handler = async () => recorded('unknown-type');

/** HTTP status of a receipt: applied and duplicates 200, recorded 202. */
export const statusOf = (receipt: WebhookReceipt): 200 | 202 => (receipt.outcome === 'recorded' ? 202 : 200);

function recordOf(delivery: Delivery, result: Result): WebhookEventRecord {
  return {
    id: delivery.event.id,
    type: delivery.event.type,
    ...result,
    data: JSON.stringify(delivery.event.data),
    bodyHash: bodyHash(delivery.rawBody),
    signedAt: new Date(delivery.signedAt * 1000).toISOString(),
    receivedAt: delivery.receivedAt,
    requestId: delivery.requestId,
    expiresAt: expiryOf(delivery.receivedAt),
  };
}

async function duplicateOf(delivery: Delivery, found?: WebhookEventRecord): Promise<WebhookReceipt> {
  const first = found ?? (await getWebhookEvent(delivery.event.id));
  const sameBody = first?.bodyHash === bodyHash(delivery.rawBody);
  logger.info('webhook replay ignored', {
    webhookId: delivery.event.id,
    type: delivery.event.type,
    firstReceivedAt: first?.receivedAt,
    sameBody,
  });
  if (first && !sameBody) {
    // The sender reused an id for another event: nothing is applied, but someone should know.
    logger.warn('webhook id reused with a different body', { webhookId: delivery.event.id });
  }
  return { id: delivery.event.id, type: first?.type ?? delivery.event.type, outcome: 'duplicate' };
}

/**
 * Applies or records one verified event, once per id. Throws VALIDATION_FAILED for a known type
 * with invalid data (nothing is claimed, so a corrected event under the same id is accepted), and
 * RATE_LIMITED when the effect keeps losing to concurrent changes (nothing is claimed either).
 */
export async function receiveWebhook(delivery: Delivery): Promise<WebhookReceipt> {
  const { event } = delivery;
  // A cheap read first, so a replay does not redo its effect's reads. Racing copies all get past
  // it; the claim's condition decides between them.
  const seen = await getWebhookEvent(event.id);
  if (seen) return duplicateOf(delivery, seen);

  // Own keys only: a `type` of `__proto__` or `constructor` names no handler (found by fuzzing).
  const handler = Object.hasOwn(handlers, event.type) ? (handlers[event.type] as Handler) : unknownType;
  const ctx: Context = {
    customer: {
      at: delivery.receivedAt,
      correlationId: delivery.requestId,
      by: 'webhook',
      source: 'webhook',
    },
    claim: (result) => [{ tag: CLAIM, write: claimWebhookEvent(recordOf(delivery, result)) }],
  };
  let result: Result;
  try {
    result = await handler(event.data, ctx);
    if (result.outcome === 'recorded') {
      const outcome = await transactWrite(ddb, ctx.claim(result));
      if (!outcome.ok) return duplicateOf(delivery);
    }
  } catch (error) {
    if (error instanceof ExtraWritesFailed) return duplicateOf(delivery);
    throw error;
  }
  logger.info('webhook received', { webhookId: event.id, type: event.type, ...result });
  return { id: event.id, type: event.type, ...result };
}
