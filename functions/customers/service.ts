/**
 * The customers API's operations on behalf of a principal: who may do what (staff everything; a
 * customer reads and edits their own contact fields and consent), `POST /customers`'s
 * Idempotency-Key, `If-Match`, and the view clients get. The handler maps these to HTTP.
 */
import type { Principal } from '#shared/auth.ts';
import { AppError } from '#shared/errors.ts';
import { idempotentId, requestHash } from '#shared/idempotency.ts';
import type { CreateCustomerInput, CustomerView, UpdateCustomerInput } from './contract.ts';
import {
  type Customer,
  type CustomerContext,
  findCustomerByEmail,
  getCustomer,
  getCustomerFor,
  tryCreateCustomer,
  updateCustomer,
} from './customers.ts';
import { fieldsNotSelfEditable, parseIfMatch, wantsEReceipts } from './rules.ts';
import { searchCustomers } from './search.ts';

/** What clients see: no fingerprint, no creator. */
export function customerView(customer: Customer): CustomerView {
  return {
    id: customer.id,
    ...(customer.email === undefined ? {} : { email: customer.email }),
    name: customer.name,
    ...(customer.phone === undefined ? {} : { phone: customer.phone }),
    marketingConsent: {
      email: { ...customer.marketingConsent.email },
      sms: { ...customer.marketingConsent.sms },
    },
    version: customer.version,
    eReceipts: wantsEReceipts(customer),
    origin: customer.origin,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    ...(customer.erasedAt === undefined ? {} : { erasedAt: customer.erasedAt }),
  };
}

/** The `ETag` of a customer: its version, quoted as RFC 9110 wants. */
export const etagOf = (customer: Customer): string => `"${customer.version}"`;

const contextFor = (principal: Principal, correlationId: string): CustomerContext => ({
  at: new Date().toISOString(),
  correlationId,
  by: principal.sub,
  source: principal.isStaff ? 'staff' : 'customer',
});

/**
 * Creates a customer for staff. With an Idempotency-Key the id is derived from the caller and
 * the key, so a retry finds the customer it created and answers it (as it is now); the key with
 * another body is 422.
 */
export async function createCustomerFor(request: {
  principal: Principal;
  input: CreateCustomerInput;
  idempotencyKey?: string | undefined;
  correlationId: string;
}): Promise<Customer> {
  const { principal, input, idempotencyKey, correlationId } = request;
  const hash = idempotencyKey === undefined ? undefined : requestHash(input);
  const id =
    idempotencyKey === undefined ? undefined : idempotentId('customer', principal.sub, idempotencyKey);
  const outcome = await tryCreateCustomer(
    { ...input, id, origin: 'staff', requestHash: hash },
    contextFor(principal, correlationId),
  );
  if (outcome.ok) return outcome.customer;
  if (outcome.reason === 'id-taken' && id !== undefined) {
    const first = await getCustomer(id);
    if (!first) throw new Error(`Customer ${id} failed attribute_not_exists but cannot be read`);
    if (first.requestHash !== hash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request',
      );
    }
    return first;
  }
  throw new AppError('ALREADY_EXISTS', 'A customer with this email already exists');
}

/**
 * Changes a customer for the principal: themselves (name, phone, consent) or, for staff, anyone
 * (every field). `If-Match` is required (428 without it, 400 when it is not a version).
 */
export async function updateCustomerFor(request: {
  principal: Principal;
  id: string;
  input: UpdateCustomerInput;
  ifMatch: string | undefined;
  correlationId: string;
}): Promise<Customer> {
  const { principal, id, input, correlationId } = request;
  // Ownership first: another customer learns nothing, not even that If-Match matters.
  await getCustomerFor(principal, id);
  const expectedVersion = parseIfMatch(request.ifMatch);
  if (expectedVersion === undefined) {
    throw new AppError('PRECONDITION_REQUIRED', 'Send the customer’s version as If-Match');
  }
  if (expectedVersion === null) {
    throw new AppError('VALIDATION_FAILED', 'headers.if-match: Must be a customer version such as 3', {
      errors: [{ path: 'headers.if-match', message: 'Must be a customer version such as 3' }],
    });
  }
  if (!principal.isStaff) {
    const refused = fieldsNotSelfEditable(input);
    if (refused.length > 0) {
      throw new AppError('FORBIDDEN', `Customers may not change ${refused.join(', ')}; staff can`);
    }
  }
  const { customer } = await updateCustomer(id, input, contextFor(principal, correlationId), {
    expectedVersion,
  });
  return customer;
}

/** `GET /customers`: exactly one of `email` and `q`. */
export async function listCustomersFor(query: {
  email?: string | undefined;
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}): Promise<{ items: Customer[]; nextCursor: string | null }> {
  if ((query.email === undefined) === (query.q === undefined)) {
    const message = 'Give exactly one of email and q';
    throw new AppError('VALIDATION_FAILED', `query: ${message}`, { errors: [{ path: 'query', message }] });
  }
  if (query.email !== undefined) {
    const customer = await findCustomerByEmail(query.email);
    return { items: customer ? [customer] : [], nextCursor: null };
  }
  return searchCustomers(query.q ?? '', query);
}
