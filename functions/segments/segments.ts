/**
 * Segment definitions and their membership items: keys, reads, the staff write, and the write
 * builders of a membership change.
 *
 * | item        | pk                   | sk                     |
 * |-------------|----------------------|------------------------|
 * | definition  | SEGMENTS             | SEGMENT#<segmentId>    |
 * | count       | SEGMENTS             | COUNT                  |
 * | member      | SEGMENT#<segmentId>  | MEMBER#<customerId>    |  (keys.ts: shared with coupons and campaigns)
 *
 * Every definition lives in the one `SEGMENTS` partition: there are at most `MAX_SEGMENTS`, so
 * the consumers read all of them with one strongly consistent Query for every judgement, and
 * the list route pages through the same partition. The count item makes that limit exact under
 * concurrent creates. `memberCount` on the definition moves by ±1 in the transaction of every
 * membership change (the consumers that write it run with bounded concurrency).
 *
 * `revision` numbers the rule: a change of rule is a new revision, evaluated for every existing
 * customer by the backfill (`SegmentDefined`); a change of name or description alone is not.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ConsumerTx } from '#events/consumer.ts';
import { emit } from '#events/emit.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { type PageRequest, queryPage } from '#shared/query-page.ts';
import { contention, type TaggedWrite, type TransactWrite, transactWrite } from '#shared/transactions.ts';
import { SEGMENT_MEMBER_SK_PREFIX, segmentMemberKey } from './keys.ts';
import { MAX_SEGMENTS, type MembershipChange, Rule, type SegmentRule } from './rules.ts';

export const SEGMENTS_PK = 'SEGMENTS';
export const SEGMENT_SK_PREFIX = 'SEGMENT#';
export const segmentKey = (id: string) => ({ pk: SEGMENTS_PK, sk: `${SEGMENT_SK_PREFIX}${id}` }) as const;
export const segmentCountKey = { pk: SEGMENTS_PK, sk: 'COUNT' } as const;

export const BackfillState = z.object({
  /** The revision being (or last) evaluated for every customer. */
  revision: z.int().min(1),
  status: z.enum(['running', 'complete']),
  /** Customers evaluated so far. */
  evaluated: z.int().min(0),
  completedAt: z.string().optional(),
});

export const SegmentRecord = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  rule: Rule,
  revision: z.int().min(1),
  memberCount: z.int(),
  backfill: BackfillState,
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type Segment = z.infer<typeof SegmentRecord>;

const segmentFromItem = (item: Record<string, unknown>): Segment => {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return SegmentRecord.parse(rest);
};

export async function getSegment(id: string): Promise<Segment | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: tableName, Key: segmentKey(id), ConsistentRead: true }),
  );
  return Item ? segmentFromItem(Item) : undefined;
}

/** Every segment, strongly consistent (one partition of at most `MAX_SEGMENTS` items). */
export async function loadSegments(): Promise<Segment[]> {
  const segments: Segment[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': SEGMENTS_PK, ':prefix': SEGMENT_SK_PREFIX },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    segments.push(...(result.Items ?? []).map(segmentFromItem));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return segments;
}

/** Every definition, read afresh (see `segmentsFor` in ./membership.ts for why there is no cache). */
export const currentSegments = (): Promise<readonly Segment[]> => loadSegments();

export const asRule = (s: Segment): SegmentRule => ({ id: s.id, revision: s.revision, rule: s.rule });

export async function listSegments(page: PageRequest) {
  return queryPage({
    partition: SEGMENTS_PK,
    sortKeyPrefix: SEGMENT_SK_PREFIX,
    order: 'oldest-first',
    page,
    parse: segmentFromItem,
  });
}

export const MemberRecord = z.object({
  segmentId: z.string(),
  customerId: z.string(),
  /** When they (last) entered. */
  since: z.string(),
  revision: z.int().min(1),
});
export type Member = z.infer<typeof MemberRecord>;

/** One page of a segment's members, by customer id (one Query on the segment's partition). */
export async function listMembers(segmentId: string, page: PageRequest) {
  return queryPage({
    partition: segmentMemberKey(segmentId, '').pk,
    sortKeyPrefix: SEGMENT_MEMBER_SK_PREFIX,
    order: 'oldest-first',
    page,
    parse: (item) => {
      const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
      return MemberRecord.parse(rest);
    },
  });
}

/** Canonical JSON: keys sorted at every level, so equal rules compare equal however written. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface SegmentInput {
  readonly name: string;
  readonly description?: string | undefined;
  readonly rule: Rule;
}

type PutTag = 'segment' | 'count' | 'outbox';

/**
 * Creates or changes a segment (staff). A new segment, or a changed rule, is a new revision and
 * emits `SegmentDefined` in the same transaction: the backfill consumer then evaluates every
 * customer. Same rule, new name: no new revision. Answers the segment and whether it was created.
 */
export async function putSegment(options: {
  id: string;
  input: SegmentInput;
  by: string;
  correlationId: string;
  now?: string;
}): Promise<{ segment: Segment; created: boolean }> {
  const { id, input, by, correlationId } = options;
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = options.now ?? new Date().toISOString();
    const current = await getSegment(id);
    const ruleChanged = !current || canonical(current.rule) !== canonical(input.rule);
    const revision = current ? current.revision + (ruleChanged ? 1 : 0) : 1;
    const segment: Segment = {
      id,
      name: input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      rule: input.rule,
      revision,
      memberCount: current?.memberCount ?? 0,
      backfill: ruleChanged || !current ? { revision, status: 'running', evaluated: 0 } : current.backfill,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      updatedBy: by,
    };
    const writes: TaggedWrite<PutTag>[] = [];
    if (!current) {
      writes.push(
        {
          tag: 'segment',
          write: {
            Put: {
              TableName: tableName,
              Item: { ...segmentKey(id), entity: 'Segment', ...segment },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        },
        {
          tag: 'count',
          write: {
            Update: {
              TableName: tableName,
              Key: segmentCountKey,
              UpdateExpression: 'SET entity = :entity ADD #count :one',
              ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
              ExpressionAttributeNames: { '#count': 'segments' },
              ExpressionAttributeValues: { ':entity': 'SegmentCount', ':one': 1, ':max': MAX_SEGMENTS },
            },
          },
        },
      );
    } else {
      // `memberCount` is left alone: the consumers move it concurrently.
      writes.push({
        tag: 'segment',
        write: {
          Update: {
            TableName: tableName,
            Key: segmentKey(id),
            UpdateExpression:
              'SET #name = :name, #rule = :rule, #revision = :revision, #backfill = :backfill, #updatedAt = :now, #updatedBy = :by' +
              (segment.description === undefined ? ' REMOVE #description' : ', #description = :description'),
            ConditionExpression: '#revision = :read',
            ExpressionAttributeNames: {
              '#name': 'name',
              '#rule': 'rule',
              '#revision': 'revision',
              '#backfill': 'backfill',
              '#updatedAt': 'updatedAt',
              '#updatedBy': 'updatedBy',
              '#description': 'description',
            },
            ExpressionAttributeValues: {
              ':name': segment.name,
              ':rule': segment.rule,
              ':revision': revision,
              ':backfill': segment.backfill,
              ':now': now,
              ':by': by,
              ':read': current.revision,
              ...(segment.description === undefined ? {} : { ':description': segment.description }),
            },
          },
        },
      });
    }
    if (ruleChanged) {
      writes.push({
        tag: 'outbox',
        write: emit(
          'SegmentDefined',
          { segmentId: id, revision, name: segment.name, by, definedAt: now },
          { correlationId, occurredAt: now },
        ),
      });
    }
    const outcome = await transactWrite(ddb, writes);
    if (outcome.ok) {
      return { segment, created: !current };
    }
    if (outcome.failed.includes('count')) {
      throw new AppError(
        'SEGMENT_LIMIT_REACHED',
        `At most ${MAX_SEGMENTS} segments are kept live at once; change an existing one instead`,
      );
    }
    // Another change or create of this segment won: judge again on what it wrote.
  }
  throw contention(`Segment ${id}`);
}

export async function getSegmentOrThrow(id: string): Promise<Segment> {
  const segment = await getSegment(id);
  if (!segment) throw notFound(`Segment ${id}`);
  return segment;
}

/** The writes of customer entering or leaving segments: member item, count, event. */
export function membershipWrites(
  customerId: string,
  changes: readonly MembershipChange[],
  cause: 'facts' | 'rule' | 'time',
  now: string,
  emitEvent: ConsumerTx['emit'],
): TransactWrite[] {
  return changes.flatMap((change): TransactWrite[] => {
    const key = segmentMemberKey(change.segmentId, customerId);
    const membership = { segmentId: change.segmentId, customerId, revision: change.revision, cause };
    return [
      change.entered
        ? {
            Put: {
              TableName: tableName,
              Item: {
                ...key,
                entity: 'SegmentMember',
                segmentId: change.segmentId,
                customerId,
                since: now,
                revision: change.revision,
              },
            },
          }
        : { Delete: { TableName: tableName, Key: key } },
      {
        Update: {
          TableName: tableName,
          Key: segmentKey(change.segmentId),
          UpdateExpression: 'ADD #memberCount :d',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#memberCount': 'memberCount' },
          ExpressionAttributeValues: { ':d': change.entered ? 1 : -1 },
        },
      },
      change.entered
        ? emitEvent('SegmentEntered', { ...membership, enteredAt: now })
        : emitEvent('SegmentLeft', { ...membership, leftAt: now }),
    ];
  });
}

/** Records backfill progress on the segment, while its revision is still the one being filled. */
export function backfillProgressWrite(
  segmentId: string,
  revision: number,
  evaluated: number,
  done: boolean,
  now: string,
): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: segmentKey(segmentId),
      UpdateExpression: 'SET #backfill = :backfill',
      ConditionExpression: '#revision = :revision',
      ExpressionAttributeNames: { '#backfill': 'backfill', '#revision': 'revision' },
      ExpressionAttributeValues: {
        ':revision': revision,
        ':backfill': {
          revision,
          status: done ? 'complete' : 'running',
          evaluated,
          ...(done ? { completedAt: now } : {}),
        },
      },
    },
  };
}
