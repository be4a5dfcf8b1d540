/**
 * Prefix search over customers' names and emails, from `gsi2` (no scan, no new index).
 *
 * Each customer has up to two search entries: its own item (`gsi2sk` = normalised name + `#id`)
 * and its email's uniqueness item (`gsi2sk` = lower-case email + `#id`). Entries are spread over
 * partitions `CUSTOMER_SEARCH#<first two characters>`, so new customers do not all land on one
 * index partition, while a query (at least two characters) reads exactly one. The index only finds
 * ids: the customers themselves are read strongly consistently and checked to still match, so an
 * entry the index has not caught up on is never answered.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#shared/ddb.ts';
import { decodeCursor, encodeCursor } from '#shared/paging.ts';
import { batchGetItems } from '#shared/transactions.ts';
import { type Customer, customerFromItem, customerKey, customerSearchPk } from './customers.ts';
import { normaliseTerm } from './rules.ts';

/** Customers whose name or email starts with `q` (accents and letter case ignored), paged. */
export async function searchCustomers(
  q: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: Customer[]; nextCursor: string | null }> {
  const term = normaliseTerm(q);
  const gsi2pk = customerSearchPk(term);
  const startKey = decodeCursor(page.cursor, ['pk', 'sk', 'gsi2pk', 'gsi2sk'], { gsi2pk });
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :term)',
      ExpressionAttributeValues: { ':pk': gsi2pk, ':term': term },
      ProjectionExpression: 'pk, sk, gsi2pk, gsi2sk, customerId, #id',
      ExpressionAttributeNames: { '#id': 'id' },
      Limit: page.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const ids: string[] = [];
  for (const entry of result.Items ?? []) {
    const id = typeof entry.customerId === 'string' ? entry.customerId : entry.id;
    if (typeof id === 'string' && !ids.includes(id)) ids.push(id);
  }
  const fetched =
    ids.length === 0
      ? []
      : (
          await batchGetItems(
            ddb,
            tableName,
            ids.map((id) => customerKey(id)),
          )
        ).map(customerFromItem);
  const byId = new Map(fetched.map((c) => [c.id, c]));
  const matches = (c: Customer) =>
    normaliseTerm(c.name).startsWith(term) ||
    (c.email !== undefined && normaliseTerm(c.email).startsWith(term));
  const items = ids.flatMap((id) => {
    const customer = byId.get(id);
    return customer && matches(customer) ? [customer] : [];
  });
  return { items, nextCursor: encodeCursor(result.LastEvaluatedKey) };
}
