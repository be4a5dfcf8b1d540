/**
 * The lead item. This module owns its keys and index keys; every access pattern is a named
 * function, and every write carries a condition.
 *
 * | item | pk          | sk   | gsi1pk              | gsi1sk                         | gsi2pk                | gsi2sk              |
 * |------|-------------|------|---------------------|--------------------------------|-----------------------|---------------------|
 * | lead | LEAD#<id>   | LEAD | LEAD_OWNER#<owner>  | <status>#<createdAt>#<id>      | LEAD_STATUS#<status>  | <createdAt>#<id>    |
 *
 * The lead's partition also holds its activities (`ACTIVITY#<ulid>`, see activities.ts). A lead
 * is `open` until converted (conversion.ts); the status is in both index sort/partition keys, so
 * the conversion's update moves the lead between the lists in the same write.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import * as z from 'zod';
import { emit } from '#events/emit.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { idempotentId, requestHash } from '#shared/idempotency.ts';
import { queryPage } from '#shared/query-page.ts';
import { type TaggedWrite, type TransactWrite, transactWrite } from '#shared/transactions.ts';
import { type CreateLeadInput, LeadStatus, type LeadView } from './contract.ts';

export const LEAD_PK_PREFIX = 'LEAD#';
export const leadPk = (id: string): string => `${LEAD_PK_PREFIX}${id}`;
export const leadKey = (id: string) => ({ pk: leadPk(id), sk: 'LEAD' }) as const;
export const leadOwnerPk = (owner: string): string => `LEAD_OWNER#${owner}`;
export const leadOwnerSk = (status: string, createdAt: string, id: string): string =>
  `${status}#${createdAt}#${id}`;
export const leadStatusPk = (status: string): string => `LEAD_STATUS#${status}`;
export const leadStatusSk = (createdAt: string, id: string): string => `${createdAt}#${id}`;

/** A lead as stored (without its key attributes). */
export const LeadRecord = z.object({
  id: z.string(),
  name: z.string(),
  company: z.string().optional(),
  email: z.string().optional(),
  source: z.string(),
  owner: z.string(),
  status: LeadStatus,
  opportunityId: z.string().optional(),
  customerId: z.string().optional(),
  convertedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  /** Fingerprint of the creating request when it carried an Idempotency-Key. */
  requestHash: z.string().optional(),
});
export type Lead = z.infer<typeof LeadRecord>;

function indexKeys(lead: Pick<Lead, 'id' | 'owner' | 'status' | 'createdAt'>) {
  return {
    gsi1pk: leadOwnerPk(lead.owner),
    gsi1sk: leadOwnerSk(lead.status, lead.createdAt, lead.id),
    gsi2pk: leadStatusPk(lead.status),
    gsi2sk: leadStatusSk(lead.createdAt, lead.id),
  };
}

export function leadToItem(lead: Lead) {
  return { ...leadKey(lead.id), entity: 'Lead', ...indexKeys(lead), ...lead };
}

export function leadFromItem(item: unknown): Lead {
  return LeadRecord.parse(item);
}

export function leadView(lead: Lead): LeadView {
  const { createdBy: _by, requestHash: _hash, ...view } = lead;
  return view;
}

/** One lead, strongly consistent. */
export async function getLead(id: string): Promise<Lead | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: leadKey(id), ConsistentRead: true }),
  );
  return result.Item ? leadFromItem(result.Item) : undefined;
}

/** One lead, or 404. */
export async function requireLead(id: string): Promise<Lead> {
  const lead = await getLead(id);
  if (!lead) throw notFound(`Lead ${id}`);
  return lead;
}

/**
 * A page of leads: by owner (gsi1, optionally one status: a prefix of the sort key), or by status
 * (gsi2); newest first. The cursor is pinned to the partition it came from.
 */
export async function listLeads(query: {
  owner?: string | undefined;
  status?: Lead['status'] | undefined;
  limit: number;
  cursor?: string | undefined;
}): Promise<{ items: Lead[]; nextCursor: string | null }> {
  const byOwner = query.owner !== undefined;
  const prefix = byOwner && query.status ? `${query.status}#` : undefined;
  return queryPage({
    index: byOwner ? 'gsi1' : 'gsi2',
    partition: byOwner ? leadOwnerPk(query.owner ?? '') : leadStatusPk(query.status ?? ''),
    ...(prefix ? { sortKeyPrefix: prefix } : {}),
    order: 'newest-first',
    page: query,
    parse: leadFromItem,
  });
}

export interface CreateLeadRequest {
  readonly principal: Principal;
  readonly input: CreateLeadInput;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
}

/** The lead as its creating request left it: what a retry with the same key answers. */
function asCreated(lead: Lead): Lead {
  const { opportunityId: _o, customerId: _c, convertedAt: _at, ...created } = lead;
  return { ...created, status: 'open', updatedAt: lead.createdAt };
}

/**
 * Records a lead and emits `LeadCreated`, in one transaction. With an Idempotency-Key the id is
 * derived from the caller and the key, so a retry finds the first lead (same fingerprint: the
 * first response; another body: 422 `IDEMPOTENCY_KEY_REUSED`).
 */
export async function createLead(request: CreateLeadRequest): Promise<Lead> {
  const { principal, input, idempotencyKey, correlationId } = request;
  const owner = input.owner ?? principal.sub;
  const hash = idempotencyKey === undefined ? undefined : requestHash({ ...input, owner });
  const id = idempotencyKey === undefined ? ulid() : idempotentId('lead', principal.sub, idempotencyKey);
  const now = new Date().toISOString();
  const lead: Lead = {
    id,
    name: input.name,
    ...(input.company === undefined ? {} : { company: input.company }),
    ...(input.email === undefined ? {} : { email: input.email }),
    source: input.source,
    owner,
    status: 'open',
    createdAt: now,
    updatedAt: now,
    createdBy: principal.sub,
    ...(hash === undefined ? {} : { requestHash: hash }),
  };
  const writes: TaggedWrite<'lead' | 'outbox'>[] = [
    {
      tag: 'lead',
      write: {
        Put: {
          TableName: tableName,
          Item: leadToItem(lead),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    {
      tag: 'outbox',
      write: emit(
        'LeadCreated',
        {
          leadId: id,
          name: lead.name,
          ...(lead.company === undefined ? {} : { company: lead.company }),
          ...(lead.email === undefined ? {} : { email: lead.email }),
          source: lead.source,
          owner,
          createdAt: now,
          createdBy: principal.sub,
        },
        { correlationId, occurredAt: now },
      ),
    },
  ];
  const outcome = await transactWrite(ddb, writes);
  if (outcome.ok) return lead;
  // Only the derived id can already exist: this is a retry, or a reuse of the key.
  const existing = await requireLead(id);
  if (existing.requestHash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used for a different lead',
    );
  }
  return asCreated(existing);
}

/**
 * Marks an open lead converted (conversion.ts): condition `status = open`, so a second or racing
 * conversion fails here. The index keys move with the status.
 */
export function convertLeadUpdate(
  lead: Lead,
  change: { opportunityId: string; customerId?: string | undefined; at: string },
): TransactWrite {
  const keys = indexKeys({ ...lead, status: 'converted' });
  return {
    Update: {
      TableName: tableName,
      Key: leadKey(lead.id),
      UpdateExpression:
        'SET #status = :converted, opportunityId = :opportunity, convertedAt = :at, updatedAt = :at, ' +
        'gsi1sk = :gsi1sk, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk' +
        (change.customerId === undefined ? '' : ', customerId = :customer'),
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':converted': 'converted',
        ':open': 'open',
        ':opportunity': change.opportunityId,
        ':at': change.at,
        ':gsi1sk': keys.gsi1sk,
        ':gsi2pk': keys.gsi2pk,
        ':gsi2sk': keys.gsi2sk,
        ...(change.customerId === undefined ? {} : { ':customer': change.customerId }),
      },
    },
  };
}

/** The check that a lead exists, for a transaction writing under it. */
export function leadExistsCheck(id: string): TransactWrite {
  return {
    ConditionCheck: { TableName: tableName, Key: leadKey(id), ConditionExpression: 'attribute_exists(pk)' },
  };
}
