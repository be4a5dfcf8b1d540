/**
 * The customer facts item, the per-order contributions to it, and the review index: keys, reads
 * and write builders. Every write carries a condition on the version it read.
 *
 * | item          | pk                        | sk                      |
 * |---------------|---------------------------|-------------------------|
 * | facts         | SEGFACTS#<shard>          | CUSTOMER#<customerId>   |
 * | contribution  | SEGORDER#<orderId>        | CONTRIBUTION            |
 * | review entry  | SEGREVIEW#<shard>         | <YYYY-MM-DD>#<customerId> |
 *
 * `<shard>` is `00`–`15`, a hash of the customer id. The facts items live in those sixteen
 * partitions rather than under `CUSTOMER#<id>` so that a segment's backfill can walk every
 * customer's facts with sixteen Queries (no scan, no extra index to write on every order), while
 * a customer's own facts are still one GetItem by a key computed from their id. The review index
 * holds each customer once, under the day time alone may change their judgement
 * (`nextReviewDay`); the daily run reads each shard's entries up to today with one Query.
 */
import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#shared/ddb.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { CustomerFacts, OrderContribution } from './rules.ts';

export const FACT_SHARDS = 16;

/** The shard of a customer: stable, spread evenly by a hash of the id. */
export function shardOf(customerId: string): number {
  return createHash('sha256').update(customerId).digest().readUInt16BE(0) % FACT_SHARDS;
}

const pad = (shard: number) => String(shard).padStart(2, '0');
export const factsPartition = (shard: number) => `SEGFACTS#${pad(shard)}`;
export const reviewPartition = (shard: number) => `SEGREVIEW#${pad(shard)}`;
export const FACTS_SK_PREFIX = 'CUSTOMER#';

export const factsKey = (customerId: string) =>
  ({ pk: factsPartition(shardOf(customerId)), sk: `${FACTS_SK_PREFIX}${customerId}` }) as const;
export const contributionKey = (orderId: string) =>
  ({ pk: `SEGORDER#${orderId}`, sk: 'CONTRIBUTION' }) as const;
export const reviewKey = (customerId: string, day: string) =>
  ({ pk: reviewPartition(shardOf(customerId)), sk: `${day}#${customerId}` }) as const;

const strip = (item: Record<string, unknown>) => {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest;
};

export const factsFromItem = (item: Record<string, unknown>): CustomerFacts =>
  CustomerFacts.parse(strip(item));

/** A customer's facts, strongly consistent; undefined before the first event about them. */
export async function getFacts(customerId: string): Promise<CustomerFacts | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: factsKey(customerId), ConsistentRead: true }),
  );
  return Item ? factsFromItem(Item) : undefined;
}

/** The Put of `facts` as the next version of what was read (`readVersion`; 0: never written). */
export function factsPut(facts: CustomerFacts, readVersion: number): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: { ...factsKey(facts.customerId), entity: 'CustomerFacts', ...facts, version: readVersion + 1 },
      ConditionExpression: readVersion === 0 ? 'attribute_not_exists(pk)' : '#version = :v',
      ...(readVersion === 0
        ? {}
        : {
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':v': readVersion },
          }),
    },
  };
}

export async function getContribution(orderId: string): Promise<OrderContribution | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: contributionKey(orderId), ConsistentRead: true }),
  );
  return Item ? OrderContribution.parse(strip(Item)) : undefined;
}

export function contributionPut(c: OrderContribution, readVersion: number): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: { ...contributionKey(c.orderId), entity: 'OrderContribution', ...c, version: readVersion + 1 },
      ConditionExpression: readVersion === 0 ? 'attribute_not_exists(pk)' : '#version = :v',
      ...(readVersion === 0
        ? {}
        : {
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':v': readVersion },
          }),
    },
  };
}

/** Moves a customer's review entry from one day to another (either may be absent). */
export function reviewMoves(
  customerId: string,
  from: string | undefined,
  to: string | undefined,
): TransactWrite[] {
  if (from === to) return [];
  const writes: TransactWrite[] = [];
  if (from !== undefined) writes.push({ Delete: { TableName: tableName, Key: reviewKey(customerId, from) } });
  if (to !== undefined) {
    writes.push({
      Put: {
        TableName: tableName,
        Item: { ...reviewKey(customerId, to), entity: 'SegmentReview', customerId, reviewOn: to },
      },
    });
  }
  return writes;
}

export interface FactsPage {
  readonly items: CustomerFacts[];
  /** The key to resume from, or undefined at the shard's end. */
  readonly lastKey: Record<string, unknown> | undefined;
}

/** One page of a shard's facts items, in customer id order (strongly consistent). */
export async function factsPage(
  shard: number,
  startKey: Record<string, unknown> | undefined,
  limit: number,
): Promise<FactsPage> {
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': factsPartition(shard), ':prefix': FACTS_SK_PREFIX },
      ConsistentRead: true,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return { items: (result.Items ?? []).map(factsFromItem), lastKey: result.LastEvaluatedKey };
}

export interface DueReview {
  readonly customerId: string;
  readonly reviewOn: string;
}

/** One page of a shard's review entries due on or before `day`, oldest first. */
export async function dueReviews(
  shard: number,
  day: string,
  startKey: Record<string, unknown> | undefined,
  limit: number,
): Promise<{ items: DueReview[]; lastKey: Record<string, unknown> | undefined }> {
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      // Sort keys are `<day>#<customerId>`: every day up to `day` sorts below `<day>$` ('$' follows '#').
      KeyConditionExpression: 'pk = :pk AND sk < :end',
      ExpressionAttributeValues: { ':pk': reviewPartition(shard), ':end': `${day}$` },
      ConsistentRead: true,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const items = (result.Items ?? []).map((item) => ({
    customerId: String(item.customerId),
    reviewOn: String(item.reviewOn),
  }));
  return { items, lastKey: result.LastEvaluatedKey };
}
