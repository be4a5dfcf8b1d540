/**
 * The opportunity item and its history. This module owns their keys and index keys; every access
 * pattern is a named function, and every write carries a condition.
 *
 * | item        | pk                 | sk                  | gsi1pk                     | gsi1sk                              | gsi2pk                      | gsi2sk                  |
 * |-------------|--------------------|---------------------|----------------------------|-------------------------------------|-----------------------------|-------------------------|
 * | opportunity | OPPORTUNITY#<id>   | OPPORTUNITY         | OPPORTUNITY_OWNER#<owner>  | <stage>#<expectedCloseDate>#<id>    | OPPORTUNITY_STAGE#<stage>   | <expectedCloseDate>#<id> |
 * | change      | OPPORTUNITY#<id>   | HISTORY#<version>   | —                          | —                                   | —                           | —                       |
 *
 * The partition also holds the opportunity's activities (`ACTIVITY#<ulid>`, activities.ts). Sort
 * keys order `ACTIVITY#…` < `HISTORY#…` < `OPPORTUNITY`, so one Query `sk BETWEEN HISTORY# AND
 * OPPORTUNITY` reads the opportunity with its history and never its activities.
 *
 * Every version is written once: the first with `attribute_not_exists(pk)`, each later one with
 * `version = :read` (the optimistic guard), each with its history item (`attribute_not_exists`).
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { EventData } from '#events/catalog.ts';
import { OrderChannel, ShippingAddress } from '#events/orders.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { notFound } from '#shared/errors.ts';
import { queryPage } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import type { OpportunitySummaryView, OpportunityView } from './contract.ts';
import { type FieldName, isClosed, type OpportunityTerms, probabilityOf, Stage } from './stages.ts';

export const OPPORTUNITY_PK_PREFIX = 'OPPORTUNITY#';
export const opportunityPk = (id: string): string => `${OPPORTUNITY_PK_PREFIX}${id}`;
export const opportunityKey = (id: string) => ({ pk: opportunityPk(id), sk: 'OPPORTUNITY' }) as const;
export const HISTORY_SK_PREFIX = 'HISTORY#';
/** Zero-padded so versions sort as numbers. */
export const historyKey = (id: string, version: number) =>
  ({ pk: opportunityPk(id), sk: `${HISTORY_SK_PREFIX}${String(version).padStart(8, '0')}` }) as const;
export const opportunityOwnerPk = (owner: string): string => `OPPORTUNITY_OWNER#${owner}`;
export const opportunityOwnerSk = (stage: string, expectedCloseDate: string, id: string): string =>
  `${stage}#${expectedCloseDate}#${id}`;
export const opportunityStagePk = (stage: string): string => `OPPORTUNITY_STAGE#${stage}`;
export const opportunityStageSk = (expectedCloseDate: string, id: string): string =>
  `${expectedCloseDate}#${id}`;

/** The order a win asked for, as stored on the opportunity (won-orders.ts). */
export const OrderRequestRecord = z.object({
  orderId: z.string(),
  idempotencyKey: z.string(),
  status: z.enum(['requested', 'refused']),
  lines: z.array(z.object({ sku: z.string(), quantity: z.int() })),
  shippingAddress: ShippingAddress,
  channel: OrderChannel,
  requestedAt: z.string(),
  requestedBy: z.string(),
  refusal: z
    .object({ code: z.string(), detail: z.string(), skus: z.array(z.string()).optional(), at: z.string() })
    .optional(),
});
export type OrderRequestRecord = z.infer<typeof OrderRequestRecord>;

/** An opportunity as stored (without its key attributes). */
export const OpportunityRecord = z.object({
  id: z.string(),
  name: z.string(),
  leadId: z.string().optional(),
  customerId: z.string().optional(),
  amount: z.int(),
  currency: z.string(),
  expectedCloseDate: z.string(),
  owner: z.string(),
  stage: Stage,
  /** The stage's probability when this version was written (the forecast used it). */
  probability: z.int(),
  version: z.int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  closedAt: z.string().optional(),
  /** Set once, by the move to won that asked for it; only its status and refusal change later. */
  order: OrderRequestRecord.optional(),
});
export type Opportunity = z.infer<typeof OpportunityRecord>;

/** One version's entry in the history. */
export const ChangeRecord = z.object({
  version: z.int().min(1),
  at: z.string(),
  by: z.string(),
  stage: z.string(),
  previousStage: z.string().optional(),
  changed: z.array(z.string()),
  amount: z.int(),
  expectedCloseDate: z.string(),
  owner: z.string(),
});
export type ChangeRecord = z.infer<typeof ChangeRecord>;

export function opportunityToItem(opportunity: Opportunity) {
  return {
    ...opportunityKey(opportunity.id),
    entity: 'Opportunity',
    gsi1pk: opportunityOwnerPk(opportunity.owner),
    gsi1sk: opportunityOwnerSk(opportunity.stage, opportunity.expectedCloseDate, opportunity.id),
    gsi2pk: opportunityStagePk(opportunity.stage),
    gsi2sk: opportunityStageSk(opportunity.expectedCloseDate, opportunity.id),
    ...opportunity,
  };
}

export const opportunityFromItem = (item: unknown): Opportunity => OpportunityRecord.parse(item);

export const termsOf = (o: Opportunity): OpportunityTerms => ({
  stage: o.stage,
  amount: o.amount,
  expectedCloseDate: o.expectedCloseDate,
  owner: o.owner,
});

/** The terms as the events (and the forecast) carry them. */
export function forecastTerms(o: Opportunity): EventData<'OpportunityCreated'>['current'] {
  return {
    stage: o.stage,
    probability: o.probability,
    amount: o.amount,
    currency: o.currency,
    expectedCloseDate: o.expectedCloseDate,
    closeMonth: o.expectedCloseDate.slice(0, 7),
    owner: o.owner,
  };
}

/** The opportunity at its next version, with `next` terms. */
export function nextVersion(o: Opportunity, next: OpportunityTerms, at: string): Opportunity {
  const closing = isClosed(next.stage) && !isClosed(o.stage);
  const reopening = !isClosed(next.stage);
  const { closedAt: _closedAt, ...rest } = o;
  return {
    ...rest,
    ...next,
    // The configured probability now; the previous version's stays in the event's `previous`.
    probability: probabilityOf(next.stage),
    version: o.version + 1,
    updatedAt: at,
    ...(closing ? { closedAt: at } : !reopening && o.closedAt ? { closedAt: o.closedAt } : {}),
  };
}

export function changeRecord(
  o: Opportunity,
  previous: Opportunity | undefined,
  changed: readonly FieldName[],
  by: string,
): ChangeRecord {
  return {
    version: o.version,
    at: o.updatedAt,
    by,
    stage: o.stage,
    ...(previous ? { previousStage: previous.stage } : {}),
    changed: [...changed],
    amount: o.amount,
    expectedCloseDate: o.expectedCloseDate,
    owner: o.owner,
  };
}

export function summaryView(o: Opportunity): OpportunitySummaryView {
  const { createdBy: _by, ...view } = o;
  return { ...view, closed: isClosed(o.stage) };
}

export const opportunityView = (o: Opportunity, history: readonly ChangeRecord[]): OpportunityView => ({
  ...summaryView(o),
  history: history.map((h) => ({ ...h })),
});

/** Writes version 1; fails if the id exists. */
export function createOpportunityPut(o: Opportunity): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: opportunityToItem(o),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Writes version n + 1 over version n: fails if anyone wrote since `readVersion` was read. */
export function replaceOpportunityPut(o: Opportunity, readVersion: number): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: opportunityToItem(o),
      ConditionExpression: 'version = :read',
      ExpressionAttributeValues: { ':read': readVersion },
    },
  };
}

export function historyPut(opportunityId: string, change: ChangeRecord): TransactWrite {
  return {
    Put: {
      TableName: tableName,
      Item: { ...historyKey(opportunityId, change.version), entity: 'OpportunityChange', ...change },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The check that an opportunity exists, for a transaction writing under it. */
export function opportunityExistsCheck(id: string): TransactWrite {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: opportunityKey(id),
      ConditionExpression: 'attribute_exists(pk)',
    },
  };
}

/**
 * The opportunity with its whole history (oldest first), strongly consistent: one Query over
 * `HISTORY#…`..`OPPORTUNITY`, continued while DynamoDB pages it.
 */
export async function getOpportunityWithHistory(
  id: string,
): Promise<{ opportunity: Opportunity; history: ChangeRecord[] } | undefined> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :history AND :opportunity',
        ExpressionAttributeValues: {
          ':pk': opportunityPk(id),
          ':history': HISTORY_SK_PREFIX,
          ':opportunity': 'OPPORTUNITY',
        },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  const item = items.find((i) => i.sk === 'OPPORTUNITY');
  if (!item) return undefined;
  return {
    opportunity: opportunityFromItem(item),
    history: items.filter((i) => i.sk !== 'OPPORTUNITY').map((i) => ChangeRecord.parse(i)),
  };
}

/** The opportunity (no history), strongly consistent; 404 when missing. */
export async function requireOpportunity(id: string): Promise<Opportunity> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: opportunityKey(id), ConsistentRead: true }),
  );
  if (!result.Item) throw notFound(`Opportunity ${id}`);
  return opportunityFromItem(result.Item);
}

/**
 * A page of opportunities: by owner (gsi1, optionally one stage: a prefix of the sort key), or
 * by stage (gsi2); in stage, then expected-close-date order. The cursor is pinned to its partition.
 */
export async function listOpportunities(query: {
  owner?: string | undefined;
  stage?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}): Promise<{ items: Opportunity[]; nextCursor: string | null }> {
  const byOwner = query.owner !== undefined;
  const prefix = byOwner && query.stage ? `${query.stage}#` : undefined;
  return queryPage({
    index: byOwner ? 'gsi1' : 'gsi2',
    partition: byOwner ? opportunityOwnerPk(query.owner ?? '') : opportunityStagePk(query.stage ?? ''),
    ...(prefix ? { sortKeyPrefix: prefix } : {}),
    order: 'oldest-first',
    page: query,
    parse: opportunityFromItem,
  });
}
