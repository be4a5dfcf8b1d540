/**
 * One page of a list: a Query over one partition of the table or of an overloaded index,
 * optionally narrowed to a sort-key prefix, with the opaque cursor of `paging.ts` pinned to that
 * partition. Every list of the API reads through this, so each entity module names only its keys.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from './ddb.ts';
import { decodeCursor, encodeCursor } from './paging.ts';

/** What a list request asks for: `limit` and the previous page's `nextCursor`. */
export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface PartitionQuery<T> {
  /** The index queried; the table itself when absent. */
  readonly index?: 'gsi1' | 'gsi2';
  /** The partition key's value (`pk`, or the index's `…pk`). */
  readonly partition: string;
  /** Only sort keys beginning with this. */
  readonly sortKeyPrefix?: string;
  readonly order: 'newest-first' | 'oldest-first';
  readonly page: PageRequest;
  /** Reads an item as stored into what the list returns (zod parse, view mapping). */
  readonly parse: (item: Record<string, unknown>) => T;
}

/** One page of the partition, in sort-key order or its reverse. */
export async function queryPage<T>(query: PartitionQuery<T>): Promise<Page<T>> {
  const pkName = query.index ? `${query.index}pk` : 'pk';
  const skName = query.index ? `${query.index}sk` : 'sk';
  const keyAttributes = query.index ? ['pk', 'sk', pkName, skName] : ['pk', 'sk'];
  const startKey = decodeCursor(query.page.cursor, keyAttributes, { [pkName]: query.partition });
  const prefixed = query.sortKeyPrefix !== undefined;
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      ...(query.index ? { IndexName: query.index } : {}),
      KeyConditionExpression: prefixed ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
      ExpressionAttributeNames: prefixed ? { '#pk': pkName, '#sk': skName } : { '#pk': pkName },
      ExpressionAttributeValues: {
        ':pk': query.partition,
        ...(prefixed ? { ':prefix': query.sortKeyPrefix } : {}),
      },
      ScanIndexForward: query.order === 'oldest-first',
      Limit: query.page.limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return {
    items: (result.Items ?? []).map(query.parse),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
  };
}

/**
 * Every item of one table partition in sort-key order, strongly consistent, following
 * `LastEvaluatedKey` to the end: for aggregates read whole (a ticket with its thread, a purchase
 * order with its receipts), whose partitions are bounded by their own write rules.
 */
export async function queryWholePartition(pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
