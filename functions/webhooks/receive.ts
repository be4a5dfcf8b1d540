/**
 * Receiving one signed marketing event, exactly once per event id.
 *
 * The event's effect (a consent change, a customer created or updated) and the claim of its id
 * (webhook-events.ts) are ONE transaction: either both commit or neither does. A replay, or any of
 * several copies racing the first, fails the claim's condition and changes nothing, and is answered
 * as a duplicate. The transaction helper retries DynamoDB's transaction conflicts between racing
 * copies with jitter; an effect whose own condition failed (the customer changed between the read
 * and the write) is planned again from a fresh read.
 *
 * What each type does, and the decisions behind it, are in docs/security.md and docs/api.md:
 * - `contact.subscribed` / `contact.unsubscribed` `{ email }` → the email consent of the customer
 *   with that email (source `webhook`, `ConsentChanged`); an email no customer has is recorded,
 *   not applied: a consent needs a customer to hang on, and creating a nameless customer from a
 *   subscription is the marketing system's `contact.updated` to send;
 * - `contact.updated` `{ email, name?, phone? }` → creates or updates the customer with that email;
 * - `coupon.issued` → recorded (coupons do not exist yet);
 * - any other type → recorded.
 */
import type * as z from 'zod';
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

/** What an event does: writes to commit with its claim, and how to describe it. */
export interface Effect {
  readonly outcome: 'applied' | 'recorded';
  readonly reason?: RecordedReason;
  readonly customerId?: string;
  readonly writes: readonly TaggedWrite<unknown>[];
}

/** The context an effect is planned in. */
export interface EffectContext {
  readonly correlationId: string;
  readonly occurredAt: string;
}

type Planner = (data: Record<string, unknown>, context: EffectContext) => Promise<Effect>;

/** `data` validated against a known type's schema; problems point into `body.data`. */
function dataOf<S extends z.ZodType>(schema: S, data: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw validationError(parsed.error, 'body.data');
  return parsed.data;
}

const recorded = (reason: RecordedReason): Effect => ({ outcome: 'recorded', reason, writes: [] });

/** Known types. Data is validated before anything is read or written. */
const planners: Readonly<Record<string, Planner>> = {
  'contact.subscribed': async (data) => {
    dataOf(ContactConsentData, data);
    return recorded('customers-not-available');
  },
  'contact.unsubscribed': async (data) => {
    dataOf(ContactConsentData, data);
    return recorded('customers-not-available');
  },
  'contact.updated': async (data) => {
    dataOf(ContactUpdatedData, data);
    return recorded('customers-not-available');
  },
  'coupon.issued': async (data) => {
    dataOf(CouponIssuedData, data);
    return recorded('coupons-not-available');
  },
};

/** HTTP status of a receipt: applied and duplicates 200, recorded 202. */
export const statusOf = (receipt: WebhookReceipt): 200 | 202 => (receipt.outcome === 'recorded' ? 202 : 200);

/** Attempts at planning and committing an effect whose own conditions keep failing. */
const MAX_PLANS = 3;

/** The claim's tag: its failure means "this id was received before". */
const CLAIM = { kind: 'webhook-event' } as const;

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
 * with invalid data (nothing is claimed, so a corrected event with the same id is accepted), and
 * RATE_LIMITED when the effect keeps losing to concurrent changes.
 */
export async function receiveWebhook(delivery: Delivery): Promise<WebhookReceipt> {
  const { event } = delivery;
  const planner: Planner = planners[event.type] ?? (async () => recorded('unknown-type'));
  const context: EffectContext = { correlationId: delivery.requestId, occurredAt: delivery.receivedAt };

  // A cheap read first: a replay does not plan (read) its effect again. Racing copies all get
  // past it; the claim's condition decides between them.
  const seen = await getWebhookEvent(event.id);
  if (seen) {
    // Invalid data under an id already received still answers as a replay: nothing changes.
    return duplicateOf(delivery, seen);
  }

  for (let plan = 0; plan < MAX_PLANS; plan++) {
    const effect = await planner(event.data, context);
    const record: WebhookEventRecord = {
      id: event.id,
      type: event.type,
      outcome: effect.outcome,
      ...(effect.reason ? { reason: effect.reason } : {}),
      ...(effect.customerId ? { customerId: effect.customerId } : {}),
      data: JSON.stringify(event.data),
      bodyHash: bodyHash(delivery.rawBody),
      signedAt: new Date(delivery.signedAt * 1000).toISOString(),
      receivedAt: delivery.receivedAt,
      requestId: delivery.requestId,
      expiresAt: expiryOf(delivery.receivedAt),
    };
    const outcome = await transactWrite<unknown>(ddb, [
      { write: claimWebhookEvent(record), tag: CLAIM },
      ...effect.writes,
    ]);
    if (outcome.ok) {
      logger.info('webhook received', {
        webhookId: event.id,
        type: event.type,
        outcome: effect.outcome,
        reason: effect.reason,
        customerId: effect.customerId,
      });
      return {
        id: event.id,
        type: event.type,
        outcome: effect.outcome,
        ...(effect.reason ? { reason: effect.reason } : {}),
        ...(effect.customerId ? { customerId: effect.customerId } : {}),
      };
    }
    if (outcome.failed.includes(CLAIM)) return duplicateOf(delivery);
    logger.info('webhook effect raced a concurrent change; planning again', {
      webhookId: event.id,
      failed: outcome.failed,
    });
  }
  throw contention('The customer this event changes');
}
