/**
 * Erasure of a customer's personal data in the orders context (`CustomerErased`): the shipping address
 * of each of their orders anonymised (the country kept), read by "a customer's orders" (`gsi1`), no
 * scan. The update sets `shippingAddress` only, so it never races a lifecycle transition's
 * `status` + `updatedAt` guard. Idempotent: an erased address is skipped. Bounded: the newest
 * `ERASED_ORDERS_LIMIT` orders per event (one transaction beside the consumer's marker).
 */
import type { EventOf } from '#events/catalog.ts';
import { anonymiseAddress, ERASED_ADDRESS_LINE } from '#functions/customers/anonymise.ts';
import { tableName } from '#shared/ddb.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { listOrdersForCustomer, orderKey } from './orders.ts';

export const ERASED_ORDERS_LIMIT = 90;

export async function eraseOrderAddresses(
  event: EventOf<'CustomerErased'>,
): Promise<readonly TransactWrite[]> {
  const { items } = await listOrdersForCustomer(event.data.customerId, { limit: ERASED_ORDERS_LIMIT });
  return items
    .filter((order) => order.shippingAddress.line1 !== ERASED_ADDRESS_LINE)
    .map((order) => ({
      Update: {
        TableName: tableName,
        Key: orderKey(order.id),
        UpdateExpression: 'SET shippingAddress = :address',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':address': anonymiseAddress(order.shippingAddress) },
      },
    }));
}
