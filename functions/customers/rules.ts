/**
 * The customers context's pure rules: the stored shapes of a customer and its consent, email and
 * search-term normalisation, consent changes, what a PATCH may touch, and `mayMarket`. No I/O and
 * no table client, so unit tests (and other contexts' pure code) can import it freely.
 */
import * as z from 'zod';
import {
  type ConsentChannel as ConsentChannelSchema,
  ConsentSource as ConsentSourceSchema,
} from '#events/customers.ts';

export type ConsentChannel = z.infer<typeof ConsentChannelSchema>;
export type ConsentSource = z.infer<typeof ConsentSourceSchema>;

/** One channel's consent: granted or not, and when and by whom it was last set (absent: never). */
export const ConsentState = z.object({
  granted: z.boolean(),
  changedAt: z.string().optional(),
  source: ConsentSourceSchema.optional(),
});
export type ConsentState = z.infer<typeof ConsentState>;

export const MarketingConsent = z.object({ email: ConsentState, sms: ConsentState });
export type MarketingConsent = z.infer<typeof MarketingConsent>;

export const CustomerOrigin = z.enum(['staff', 'order', 'webhook', 'lead']);
export type CustomerOrigin = z.infer<typeof CustomerOrigin>;

/** A customer as stored (without its key attributes). */
export const CustomerRecord = z.object({
  id: z.string(),
  /** As entered (trimmed); unique case-insensitively through the `CUSTOMER_EMAIL#` item. */
  email: z.string().optional(),
  name: z.string(),
  phone: z.string().optional(),
  marketingConsent: MarketingConsent,
  /** 1 on creation, +1 on every change: the `If-Match` value. */
  version: z.int().min(1),
  origin: CustomerOrigin,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Who created it: a `sub`, `webhook`, or `order` (the customerProfiles consumer). */
  createdBy: z.string(),
  /** Fingerprint of the `POST /customers` that created it under an Idempotency-Key. */
  requestHash: z.string().optional(),
  /**
   * Whether the customer wants receipts by email (eReceipts); absent means yes. Not marketing
   * consent: receipts are transactional, and `mayMarket` never looks at this.
   */
  eReceipts: z.boolean().optional(),
  /** When staff erased the customer's personal data (`POST /customers/{id}/erase`); absent: never. */
  erasedAt: z.string().optional(),
});
export type Customer = z.infer<typeof CustomerRecord>;

/** Who is acting and why: every domain operation takes one. */
export interface CustomerContext {
  /** The time of the change (ISO 8601); the transaction's timestamp. */
  readonly at: string;
  /** The request id or the causing event's correlation id. */
  readonly correlationId: string;
  /** The `sub` of the customer or staff member, or `webhook`. */
  readonly by: string;
  /** Recorded as the source of consent changes. */
  readonly source: ConsentSource;
}

export const NO_CONSENT: ConsentState = { granted: false };

/** The uniqueness form of an email: trimmed and lower-cased. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/**
 * A search term's normal form: Unicode-decomposed with the accents dropped, lower-cased, inner
 * whitespace collapsed. "Zoë  Ångström" → "zoe angstrom". Queries are normalised the same way.
 */
export function normaliseTerm(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Characters of a term that choose its search shard. Two spread the index's writes over
 * hundreds of partitions (no partition takes every new customer) while a query still reads one.
 */
export const SEARCH_SHARD_CHARS = 2;
/** Shortest query: it must name its shard. */
export const MIN_SEARCH_CHARS = SEARCH_SHARD_CHARS;

export const searchShard = (normalisedTerm: string): string => normalisedTerm.slice(0, SEARCH_SHARD_CHARS);

/**
 * Nothing may send marketing to a customer on a channel without their consent on that channel:
 * true only when that channel's consent is granted. (Whether there is an address or number to
 * send to is the sender's concern.)
 */
export function mayMarket(customer: Pick<Customer, 'marketingConsent'>, channel: ConsentChannel): boolean {
  return customer.marketingConsent[channel].granted === true;
}

/** Whether the customer gets eReceipts: yes unless they turned them off. */
export function wantsEReceipts(customer: Pick<Customer, 'eReceipts'>): boolean {
  return customer.eReceipts !== false;
}

/** The consent a new customer starts with: explicit choices recorded with their source. */
export function initialConsent(
  requested: Partial<Record<ConsentChannel, boolean>> | undefined,
  ctx: Pick<CustomerContext, 'at' | 'source'>,
): MarketingConsent {
  const state = (granted: boolean | undefined): ConsentState =>
    granted === undefined ? { ...NO_CONSENT } : { granted, changedAt: ctx.at, source: ctx.source };
  return { email: state(requested?.email), sms: state(requested?.sms) };
}

/** A change to a customer: absent fields stay; `phone: null` removes the number. */
export interface CustomerChange {
  readonly email?: string | undefined;
  readonly name?: string | undefined;
  readonly phone?: string | null | undefined;
  readonly marketingConsent?: Partial<Record<ConsentChannel, boolean>> | undefined;
  /** eReceipts on or off (not marketing consent). */
  readonly eReceipts?: boolean | undefined;
}

export interface AppliedChange {
  readonly customer: Customer;
  /** Field names that changed (`marketingConsent.email` per consent channel), in a fixed order. */
  readonly changed: string[];
  /** The consent channels whose `granted` flipped. */
  readonly consentChanges: { channel: ConsentChannel; granted: boolean }[];
}

const CHANNELS: readonly ConsentChannel[] = ['email', 'sms'];

/**
 * The customer after `change`, with what actually changed. Setting a field to its current value
 * is no change; so is re-granting a granted consent (its time and source stay those of the
 * change that granted it). A real change bumps `version` and `updatedAt`.
 */
export function applyChange(customer: Customer, change: CustomerChange, ctx: CustomerContext): AppliedChange {
  const changed: string[] = [];
  const next: Customer = { ...customer, marketingConsent: { ...customer.marketingConsent } };
  if (change.email !== undefined && change.email !== customer.email) {
    next.email = change.email;
    changed.push('email');
  }
  if (change.name !== undefined && change.name !== customer.name) {
    next.name = change.name;
    changed.push('name');
  }
  if (change.phone !== undefined && (change.phone ?? undefined) !== customer.phone) {
    if (change.phone === null) delete next.phone;
    else next.phone = change.phone;
    changed.push('phone');
  }
  if (change.eReceipts !== undefined && change.eReceipts !== wantsEReceipts(customer)) {
    next.eReceipts = change.eReceipts;
    changed.push('eReceipts');
  }
  const consentChanges: AppliedChange['consentChanges'] = [];
  for (const channel of CHANNELS) {
    const granted = change.marketingConsent?.[channel];
    if (granted === undefined || granted === customer.marketingConsent[channel].granted) continue;
    next.marketingConsent[channel] = { granted, changedAt: ctx.at, source: ctx.source };
    changed.push(`marketingConsent.${channel}`);
    consentChanges.push({ channel, granted });
  }
  if (changed.length > 0) {
    next.version = customer.version + 1;
    next.updatedAt = ctx.at;
  }
  return { customer: next, changed, consentChanges };
}

/** Fields a customer may change on their own record; staff may change every field. */
export const SELF_EDITABLE_FIELDS = ['name', 'phone', 'marketingConsent', 'eReceipts'] as const;

/**
 * The fields of a change a customer may not make on their own record (empty when allowed). A
 * customer may not change their email: it is how marketing systems and staff identify them, and
 * there is no verification of a new address yet; staff change it on request.
 */
export function fieldsNotSelfEditable(change: object): string[] {
  const allowed: readonly string[] = SELF_EDITABLE_FIELDS;
  return Object.entries(change)
    .filter(([field, value]) => value !== undefined && !allowed.includes(field))
    .map(([field]) => field);
}

/**
 * The version an `If-Match` header names: `3`, `"3"` or `W/"3"` (as the `ETag` of a GET is sent
 * back). Undefined when the header is absent; null when it is not a version.
 */
export function parseIfMatch(header: string | undefined): number | null | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^(?:([1-9][0-9]{0,14})|(?:W\/)?"([1-9][0-9]{0,14})")$/.exec(header.trim());
  return match ? Number(match[1] ?? match[2]) : null;
}

/** The first characters of an interaction body, for events and timelines. */
export const SUMMARY_CHARS = 140;
export function summarise(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length <= SUMMARY_CHARS ? flat : `${flat.slice(0, SUMMARY_CHARS - 1)}…`;
}

/** Notes are internal by default (staff's own remarks); calls, emails and meetings are not. */
export const defaultInternal = (kind: 'call' | 'email' | 'meeting' | 'note'): boolean => kind === 'note';
