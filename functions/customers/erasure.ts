/**
 * Erasure of a customer's personal data (`POST /customers/{id}/erase`, staff). One transaction: the
 * anonymised customer (conditioned on the version read), the release of the email's uniqueness item
 * (conditioned on its owner) and `CustomerErased` in the outbox. Each context holding copies reacts to
 * the event on its own (docs/security.md, "Personal data"). Idempotent: an erased customer is answered
 * as it is, nothing written, no second event.
 */

import { emit } from '#events/emit.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { notFound } from '#shared/errors.ts';
import { backoff, contention, type TransactWrite, transactWrite } from '#shared/transactions.ts';
import { anonymiseCustomer } from './anonymise.ts';
import { type Customer, customerEmailKey, customerToItem, getCustomer } from './customers.ts';

const MAX_ATTEMPTS = 5;

export interface EraseRequest {
  readonly id: string;
  /** The staff member's `sub`. */
  readonly by: string;
  readonly correlationId: string;
  readonly at?: string | undefined;
}

/** The writes erasing `current` at `at`; none when it is already erased. */
export function erasureWrites(current: Customer, request: EraseRequest, at: string): TransactWrite[] {
  if (current.erasedAt !== undefined) return [];
  const erased = anonymiseCustomer(current, at);
  const writes: TransactWrite[] = [
    {
      Put: {
        TableName: tableName,
        Item: customerToItem(erased),
        ConditionExpression: 'version = :read',
        ExpressionAttributeValues: { ':read': current.version },
      },
    },
  ];
  if (current.email !== undefined) {
    writes.push({
      Delete: {
        TableName: tableName,
        Key: customerEmailKey(current.email),
        ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
        ExpressionAttributeValues: { ':id': current.id },
      },
    });
  }
  writes.push(
    emit(
      'CustomerErased',
      { customerId: current.id, erasedAt: at, by: request.by },
      { correlationId: request.correlationId, occurredAt: at },
    ),
  );
  return writes;
}

/** Erases the customer (retrying a concurrent change on fresh state); 404 for an unknown id. */
export async function eraseCustomer(request: EraseRequest): Promise<Customer> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await backoff(attempt - 1);
    const current = await getCustomer(request.id);
    if (!current) throw notFound(`Customer ${request.id}`);
    const at = request.at ?? new Date().toISOString();
    const writes = erasureWrites(current, request, at);
    if (writes.length === 0) return current;
    const outcome = await transactWrite(
      ddb,
      writes.map((write) => ({ tag: 'customer', write })),
    );
    if (outcome.ok) return anonymiseCustomer(current, at);
  }
  throw contention(`Customer ${request.id}`);
}
