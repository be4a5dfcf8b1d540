/**
 * The customer a converted lead's opportunity is for: the customer with the lead's email (any
 * letter case, through the customers context's uniqueness item), or a new one (origin `lead`)
 * whose writes — the customer, its email uniqueness item, `CustomerCreated` — commit in the
 * conversion's own transaction. A lead without an email gets no customer. The customers context
 * (functions/customers/customers.ts) owns the records; this module only asks it.
 *
 * Two conversions racing to create a customer for one email: one email item's
 * `attribute_not_exists` fails, its transaction commits nothing, and conversion.ts tries again,
 * now finding the customer the other one created.
 */
import { buildNewCustomer, findCustomerByEmail, newCustomerWrites } from '#functions/customers/customers.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import type { Lead } from './leads.ts';

export interface ConversionCustomer {
  readonly id: string;
  /** True when the conversion creates it (its writes commit with the conversion). */
  readonly created: boolean;
  readonly writes: readonly TransactWrite[];
}

export interface ConversionContext {
  readonly at: string;
  readonly correlationId: string;
  readonly by: string;
}

/** The lead's customer: found by email, or to be created with the returned writes; none without an email. */
export async function customerForLead(
  lead: Lead,
  context: ConversionContext,
): Promise<ConversionCustomer | undefined> {
  if (lead.email === undefined) return undefined;
  const existing = await findCustomerByEmail(lead.email);
  if (existing) return { id: existing.id, created: false, writes: [] };
  const ctx = { ...context, source: 'staff' as const };
  const customer = buildNewCustomer({ email: lead.email, name: lead.name, origin: 'lead' }, ctx);
  return { id: customer.id, created: true, writes: newCustomerWrites(customer, ctx).map((w) => w.write) };
}
