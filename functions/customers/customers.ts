/**
 * The customer entity: keys, stored shape, reads, and the domain operations other contexts use.
 *
 * | item           | pk                        | sk        | gsi2pk                     | gsi2sk                   |
 * |----------------|---------------------------|-----------|----------------------------|--------------------------|
 * | customer       | CUSTOMER#<id>             | PROFILE   | CUSTOMER_SEARCH#<2 chars>  | <normalised name>#<id>   |
 * | email (unique) | CUSTOMER_EMAIL#<lower>    | UNIQUE    | CUSTOMER_SEARCH#<2 chars>  | <lower email>#<id>       |
 *
 * Usage from another context (webhooks, pipeline, a consumer):
 *
 * ```ts
 * const ctx = { at: new Date().toISOString(), correlationId, by: 'webhook', source: 'webhook' } as const;
 * // one TransactWriteItems: the customer, its email item, CustomerCreated (+ ConsentChanged) and yours
 * const created = await createCustomer({ email, name, origin: 'webhook' }, ctx, [{ tag: 'dedupe', write }]);
 * const { customer, changed } = await updateCustomer(id, { marketingConsent: { email: false } }, ctx, {
 *   extra: [{ tag: 'dedupe', write }],
 * });
 * // a failed extra condition throws ExtraWritesFailed with your tags; nothing was written
 * if (!mayMarket(customer, 'email')) return; // never send marketing without consent
 * ```
 *
 * A consumer returns writes instead of committing them: `newCustomerWrites(buildNewCustomer(…), ctx)`
 * and `customerChangeWrites(current, change, ctx)` are the builders the operations commit.
 *
 * The email is unique case-insensitively: its `CUSTOMER_EMAIL#` item is put with
 * `attribute_not_exists` in the same transaction as the customer, and moved (delete the old one,
 * conditioned on its owner; put the new one) in the transaction that changes the email. The
 * customer item's Put is conditioned on `attribute_not_exists` (create) or on the version read
 * (change), so a stale change commits nothing.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { emit } from '#events/emit.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { visibleTo } from '#shared/ownership.ts';
import {
  backoff,
  contention,
  type TaggedWrite,
  type TransactWrite,
  transactWrite,
} from '#shared/transactions.ts';
import {
  type AppliedChange,
  applyChange,
  type ConsentChannel,
  type Customer,
  type CustomerChange,
  type CustomerContext,
  type CustomerOrigin,
  CustomerRecord,
  initialConsent,
  normaliseEmail,
  normaliseTerm,
  searchShard,
} from './rules.ts';

export type {
  ConsentState,
  Customer,
  CustomerChange,
  CustomerContext,
  CustomerOrigin,
  MarketingConsent,
} from './rules.ts';
export { mayMarket, normaliseEmail } from './rules.ts';

export const CUSTOMER_PK_PREFIX = 'CUSTOMER#';
export const customerPk = (id: string): string => `${CUSTOMER_PK_PREFIX}${id}`;
export const customerKey = (id: string) => ({ pk: customerPk(id), sk: 'PROFILE' }) as const;
export const customerEmailKey = (email: string) =>
  ({ pk: `CUSTOMER_EMAIL#${normaliseEmail(email)}`, sk: 'UNIQUE' }) as const;
export const CUSTOMER_SEARCH_PREFIX = 'CUSTOMER_SEARCH#';
export const customerSearchPk = (normalisedTerm: string): string =>
  `${CUSTOMER_SEARCH_PREFIX}${searchShard(normalisedTerm)}`;
export const customerSearchSk = (normalisedTerm: string, id: string): string => `${normalisedTerm}#${id}`;

/** Which item of a customer transaction failed its condition. */
export type CustomerWriteTag = 'customer' | 'email' | 'outbox';
/** A caller's own write in a customer transaction, tagged with the caller's tag. */
export type ExtraWrite<T> = TaggedWrite<T>;
type Tagged<T> = TaggedWrite<{ own: CustomerWriteTag } | { extra: T }>;

/**
 * The caller's extra writes failed their conditions (e.g. a webhook's dedupe record exists):
 * nothing was written. `tags` are the caller's tags of the failed writes.
 */
export class ExtraWritesFailed<T = unknown> extends Error {
  readonly tags: T[];
  constructor(tags: T[]) {
    super(`Extra writes failed their conditions: ${JSON.stringify(tags)}`);
    this.name = 'ExtraWritesFailed';
    this.tags = tags;
  }
}

export function customerToItem(customer: Customer) {
  // An erased customer leaves the search index: nothing of theirs is left to find.
  const term = customer.erasedAt === undefined ? normaliseTerm(customer.name) : '';
  return {
    ...customerKey(customer.id),
    entity: 'Customer',
    ...(term === '' ? {} : { gsi2pk: customerSearchPk(term), gsi2sk: customerSearchSk(term, customer.id) }),
    ...customer,
  };
}

export function customerFromItem(item: unknown): Customer {
  return CustomerRecord.parse(item);
}

/** The email uniqueness item: who owns the address, and the email's search entry. */
export function customerEmailItem(customerId: string, email: string) {
  const term = normaliseTerm(email);
  return {
    ...customerEmailKey(email),
    entity: 'CustomerEmail',
    customerId,
    email,
    gsi2pk: customerSearchPk(term),
    gsi2sk: customerSearchSk(term, customerId),
  };
}

/** One customer by id, strongly consistent. */
export async function getCustomer(id: string): Promise<Customer | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: customerKey(id), ConsistentRead: true }),
  );
  return result.Item ? customerFromItem(result.Item) : undefined;
}

/** The customer with this email, in any letter case: the uniqueness item names them. */
export async function findCustomerByEmail(email: string): Promise<Customer | undefined> {
  const owner = await ddb.send(
    new GetCommand({ TableName: tableName, Key: customerEmailKey(email), ConsistentRead: true }),
  );
  const customerId = owner.Item?.customerId;
  if (typeof customerId !== 'string') return undefined;
  const customer = await getCustomer(customerId);
  // The two reads are not one snapshot: an email moved in between is no match.
  return customer?.email !== undefined && normaliseEmail(customer.email) === normaliseEmail(email)
    ? customer
    : undefined;
}

/** A customer the principal may see (themselves, or staff); 404 `NOT_FOUND` otherwise. */
export async function getCustomerFor(principal: Principal, id: string): Promise<Customer> {
  return visibleTo(principal, await getCustomer(id), (c) => c.id, `Customer ${id}`);
}

export interface NewCustomerInput {
  /** Defaults to a new ULID. A customer who signs in has their token's `sub` as id. */
  readonly id?: string | undefined;
  readonly email?: string | undefined;
  readonly name: string;
  readonly phone?: string | undefined;
  readonly marketingConsent?: Partial<Record<ConsentChannel, boolean>> | undefined;
  readonly origin: CustomerOrigin;
  readonly requestHash?: string | undefined;
}

/** The customer a create would write (version 1). */
export function buildNewCustomer(input: NewCustomerInput, ctx: CustomerContext): Customer {
  return {
    id: input.id ?? ulid(),
    ...(input.email === undefined ? {} : { email: input.email }),
    name: input.name,
    ...(input.phone === undefined ? {} : { phone: input.phone }),
    marketingConsent: initialConsent(input.marketingConsent, ctx),
    version: 1,
    origin: input.origin,
    createdAt: ctx.at,
    updatedAt: ctx.at,
    createdBy: ctx.by,
    ...(input.requestHash === undefined ? {} : { requestHash: input.requestHash }),
  };
}

const eventContext = (ctx: CustomerContext) => ({ correlationId: ctx.correlationId, occurredAt: ctx.at });

/**
 * The writes creating `customer`: the customer (`attribute_not_exists`), its email item
 * (`attribute_not_exists`: the address is free), `CustomerCreated`, and `ConsentChanged` for
 * every channel it starts with consent on.
 */
export function newCustomerWrites(customer: Customer, ctx: CustomerContext): TaggedWrite<CustomerWriteTag>[] {
  const writes: TaggedWrite<CustomerWriteTag>[] = [
    {
      tag: 'customer',
      write: {
        Put: {
          TableName: tableName,
          Item: customerToItem(customer),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
  ];
  if (customer.email !== undefined) {
    writes.push({
      tag: 'email',
      write: {
        Put: {
          TableName: tableName,
          Item: customerEmailItem(customer.id, customer.email),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    });
  }
  writes.push({
    tag: 'outbox',
    write: emit(
      'CustomerCreated',
      {
        customerId: customer.id,
        ...(customer.email === undefined ? {} : { email: customer.email }),
        name: customer.name,
        origin: customer.origin,
        createdAt: customer.createdAt,
      },
      eventContext(ctx),
    ),
  });
  for (const channel of ['email', 'sms'] as const) {
    const state = customer.marketingConsent[channel];
    if (!state.granted) continue;
    writes.push({ tag: 'outbox', write: consentChangedEvent(customer.id, channel, true, ctx) });
  }
  return writes;
}

function consentChangedEvent(
  customerId: string,
  channel: ConsentChannel,
  granted: boolean,
  ctx: CustomerContext,
): TransactWrite {
  return emit(
    'ConsentChanged',
    { customerId, channel, granted, source: ctx.source, changedAt: ctx.at },
    eventContext(ctx),
  );
}

/** What a committed change did; `changed` is empty when the change changed nothing. */
export interface ChangeOutcome {
  readonly customer: Customer;
  readonly changed: string[];
}

/**
 * The writes changing `current` (as read) by `change`: the customer Put conditioned on the version
 * read, the email item moved when the address changes, `ConsentChanged` per flipped channel and
 * `CustomerUpdated`. No writes when nothing changes.
 */
export function customerChangeWrites(
  current: Customer,
  change: CustomerChange,
  ctx: CustomerContext,
): AppliedChange & { writes: TaggedWrite<CustomerWriteTag>[] } {
  const applied = applyChange(current, change, ctx);
  const { customer: next, changed, consentChanges } = applied;
  if (changed.length === 0) return { ...applied, writes: [] };
  const writes: TaggedWrite<CustomerWriteTag>[] = [
    {
      tag: 'customer',
      write: {
        Put: {
          TableName: tableName,
          Item: customerToItem(next),
          ConditionExpression: 'version = :read',
          ExpressionAttributeValues: { ':read': current.version },
        },
      },
    },
  ];
  if (changed.includes('email') && next.email !== undefined) {
    writes.push(...emailMoveWrites(current.id, current.email, next.email));
  }
  for (const { channel, granted } of consentChanges) {
    writes.push({ tag: 'outbox', write: consentChangedEvent(next.id, channel, granted, ctx) });
  }
  writes.push({
    tag: 'outbox',
    write: emit(
      'CustomerUpdated',
      { customerId: next.id, version: next.version, changed, updatedAt: ctx.at, by: ctx.by },
      eventContext(ctx),
    ),
  });
  return { ...applied, writes };
}

/** Moves the uniqueness item from `from` (if any) to `to`; only the letter case may stay. */
function emailMoveWrites(
  customerId: string,
  from: string | undefined,
  to: string,
): TaggedWrite<CustomerWriteTag>[] {
  const owned = {
    ConditionExpression: 'customerId = :id',
    ExpressionAttributeValues: { ':id': customerId },
  };
  if (from !== undefined && normaliseEmail(from) === normaliseEmail(to)) {
    // Same address in other letters: the item stays, its display form changes.
    return [
      {
        tag: 'email',
        write: { Put: { TableName: tableName, Item: customerEmailItem(customerId, to), ...owned } },
      },
    ];
  }
  const writes: TaggedWrite<CustomerWriteTag>[] = [
    {
      tag: 'email',
      write: {
        Put: {
          TableName: tableName,
          Item: customerEmailItem(customerId, to),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
  ];
  if (from !== undefined) {
    // Tagged 'customer': it fails only if another change moved the address since we read it.
    writes.push({
      tag: 'customer',
      write: {
        Delete: {
          TableName: tableName,
          Key: customerEmailKey(from),
          ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
          ExpressionAttributeValues: { ':id': customerId },
        },
      },
    });
  }
  return writes;
}

function withExtra<T>(
  own: readonly TaggedWrite<CustomerWriteTag>[],
  extra: readonly ExtraWrite<T>[],
): Tagged<T>[] {
  return [
    ...own.map(({ tag, write }) => ({ tag: { own: tag }, write })),
    ...extra.map(({ tag, write }) => ({ tag: { extra: tag }, write })),
  ];
}

/** Splits failed tags into the caller's (thrown as `ExtraWritesFailed`, first) and ours. */
function ownFailures<T>(failed: readonly ({ own: CustomerWriteTag } | { extra: T })[]): CustomerWriteTag[] {
  const extras = failed.flatMap((f) => ('extra' in f ? [f.extra] : []));
  if (extras.length > 0) throw new ExtraWritesFailed(extras);
  return failed.flatMap((f) => ('own' in f ? [f.own] : []));
}

/** Why a create did not commit: the id is taken, or the email is. */
export type CreateFailure = 'id-taken' | 'email-taken';

/**
 * Creates a customer in one `TransactWriteItems` with the caller's extra writes. Answers the
 * failure instead of throwing, for callers that must tell a taken id (a retry) from a taken email.
 */
export async function tryCreateCustomer<T = string>(
  input: NewCustomerInput,
  ctx: CustomerContext,
  extra: readonly ExtraWrite<T>[] = [],
): Promise<{ ok: true; customer: Customer } | { ok: false; reason: CreateFailure }> {
  const customer = buildNewCustomer(input, ctx);
  const outcome = await transactWrite(ddb, withExtra(newCustomerWrites(customer, ctx), extra));
  if (outcome.ok) return { ok: true, customer };
  const failed = ownFailures(outcome.failed);
  if (failed.includes('customer')) return { ok: false, reason: 'id-taken' };
  if (failed.includes('email')) return { ok: false, reason: 'email-taken' };
  throw new Error(`Customer create cancelled by ${JSON.stringify(outcome.failed)}`);
}

/**
 * Creates a customer (version 1) with `CustomerCreated`, in one transaction with `extra`.
 * 409 `ALREADY_EXISTS` when the email (in any letter case) or the id is taken.
 */
export async function createCustomer<T = string>(
  input: NewCustomerInput,
  ctx: CustomerContext,
  extra: readonly ExtraWrite<T>[] = [],
): Promise<Customer> {
  const outcome = await tryCreateCustomer(input, ctx, extra);
  if (outcome.ok) return outcome.customer;
  throw outcome.reason === 'email-taken'
    ? new AppError('ALREADY_EXISTS', 'A customer with this email already exists')
    : new AppError('ALREADY_EXISTS', `Customer ${input.id ?? ''} already exists`);
}

/** Optimistic attempts of a change that named no version, before 429. */
const MAX_CHANGE_ATTEMPTS = 5;

export interface UpdateOptions<T> {
  /** The `If-Match` version: a customer at another version is 412 `VERSION_CONFLICT`, unchanged. */
  readonly expectedVersion?: number | undefined;
  /** The caller's writes, committed in the same transaction (also when nothing else changes). */
  readonly extra?: readonly ExtraWrite<T>[] | undefined;
}

/**
 * Changes a customer in one transaction (with `extra`): contact fields, the email (moving its
 * uniqueness item: 409 `ALREADY_EXISTS` when the new one is taken), consent per channel with
 * `ctx.source` (a `ConsentChanged` per flipped channel), and `CustomerUpdated`. 404 when there is
 * no such customer. Without `expectedVersion` a concurrent change is retried on fresh state.
 */
export async function updateCustomer<T = string>(
  id: string,
  change: CustomerChange,
  ctx: CustomerContext,
  options: UpdateOptions<T> = {},
): Promise<ChangeOutcome> {
  const { expectedVersion, extra = [] } = options;
  for (let attempt = 0; attempt < MAX_CHANGE_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const current = await getCustomer(id);
    if (!current) throw notFound(`Customer ${id}`);
    if (expectedVersion !== undefined && current.version !== expectedVersion) throw versionConflict(current);
    const { customer, changed, writes } = customerChangeWrites(current, change, ctx);
    if (writes.length === 0 && extra.length === 0) return { customer: current, changed };
    const own: TaggedWrite<CustomerWriteTag>[] =
      writes.length > 0 ? writes : [{ tag: 'customer', write: versionCheck(current) }];
    const outcome = await transactWrite(ddb, withExtra(own, extra));
    if (outcome.ok) return { customer, changed };
    const failed = ownFailures(outcome.failed);
    if (failed.includes('customer')) {
      if (expectedVersion !== undefined) throw versionConflict(current);
      continue;
    }
    if (failed.includes('email'))
      throw new AppError('ALREADY_EXISTS', 'A customer with this email already exists');
    throw new Error(`Customer change cancelled by ${JSON.stringify(outcome.failed)}`);
  }
  throw contention(`Customer ${id}`);
}

/** The customer is still at the version read: guards extra writes when nothing else changes. */
export function versionCheck(customer: Customer): TransactWrite {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: customerKey(customer.id),
      ConditionExpression: 'version = :read',
      ExpressionAttributeValues: { ':read': customer.version },
    },
  };
}

/** The customer exists (for writes attached to them, such as interactions). */
export function customerExistsCheck(id: string): TransactWrite {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: customerKey(id),
      ConditionExpression: 'attribute_exists(pk)',
    },
  };
}

function versionConflict(current: Customer): AppError {
  return new AppError(
    'VERSION_CONFLICT',
    `Customer ${current.id} is at version ${current.version}, not the version named in If-Match`,
  );
}
