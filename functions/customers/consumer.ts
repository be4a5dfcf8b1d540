/**
 * Customer-profiles consumer (queue fed by `OrderPlaced`): every order's customer has a record.
 * A customer who signs in has their token's `sub` as id but no record until their first order;
 * this creates it (origin `order`, name from the shipping address, no email) with
 * `CustomerCreated`. An existing customer is left alone (marker only).
 *
 * Race-safe: the customer Put is conditioned on `attribute_not_exists`. When a concurrent create
 * (another order of the same new customer, or any other create with that id) wins, the framework
 * runs this handler again on fresh state, which then finds the record and writes nothing.
 */
import { consumer } from '#events/consumer.ts';
import { tableName } from '#shared/ddb.ts';
import { queryPage } from '#shared/query-page.ts';
import { ERASED_TEXT } from './anonymise.ts';
import { buildNewCustomer, getCustomer, newCustomerWrites } from './customers.ts';
import { INTERACTION_SK_PREFIX, InteractionRecord, interactionKey } from './interactions.ts';

/**
 * Interactions anonymised per `CustomerErased` (one transaction, beside the marker): the bound of an
 * erasure's interaction log. Documented in docs/security.md; a longer log needs a continuation event.
 */
export const ERASED_INTERACTIONS_LIMIT = 90;

/** The name a customer created from an order gets when the order carries no address. */
export const UNNAMED_CUSTOMER = 'Customer';

export const customerProfiles = consumer({
  name: 'customerProfiles',
  handlers: {
    OrderPlaced: async (event, tx) => {
      const { customerId, shippingAddress } = event.data;
      if (await getCustomer(customerId)) return [];
      const ctx = { at: tx.now, correlationId: tx.correlationId, by: 'order', source: 'customer' } as const;
      const customer = buildNewCustomer(
        { id: customerId, name: shippingAddress?.name ?? UNNAMED_CUSTOMER, origin: 'order' },
        ctx,
      );
      return newCustomerWrites(customer, ctx).map(({ write }) => write);
    },
    // Erasure: interaction bodies are staff's words about the person; they go, the kind and time stay.
    CustomerErased: async (event) => {
      const page = await queryPage({
        partition: `CUSTOMER#${event.data.customerId}`,
        sortKeyPrefix: INTERACTION_SK_PREFIX,
        order: 'newest-first',
        page: { limit: ERASED_INTERACTIONS_LIMIT },
        parse: (item) => InteractionRecord.parse(item),
      });
      return page.items
        .filter((i) => i.body !== ERASED_TEXT)
        .map((i) => ({
          Update: {
            TableName: tableName,
            Key: interactionKey(i.customerId, i.id),
            UpdateExpression: 'SET body = :erased',
            ExpressionAttributeValues: { ':erased': ERASED_TEXT },
          },
        }));
    },
  },
});

export const handler = customerProfiles.handler;
