/**
 * The customer a converted lead's opportunity is for: the customer with the lead's email, or a new
 * one created in the conversion's transaction.
 *
 * The customers context (functions/customers/customers.ts) owns customer records and their email
 * uniqueness. Until it exists on this branch, no customer is attached: a conversion answers
 * `customer: null` and its events carry no customer id. Nothing here invents one.
 */
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

/** No customer context yet: the conversion attaches none. */
export async function customerForLead(
  _lead: Lead,
  _context: ConversionContext,
): Promise<ConversionCustomer | undefined> {
  return undefined;
}
