import { monotonicFactory } from 'ulid';
import * as z from 'zod';
import { InteractionKind } from '#events/customers.ts';
import { emit } from '#events/emit.ts';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { notFound } from '#shared/errors.ts';
import { queryPage } from '#shared/query-page.ts';
import { type TaggedWrite, type TransactWrite, transactWrite } from '#shared/transactions.ts';
import type { ActivityInput, ActivityView } from './contract.ts';
import { getLead, leadExistsCheck, leadPk } from './leads.ts';
import { opportunityExistsCheck, opportunityPk, requireOpportunity } from './opportunities.ts';

export type SubjectType = 'lead' | 'opportunity';
export interface Subject {
  readonly type: SubjectType;
  readonly id: string;
}

export const ACTIVITY_SK_PREFIX = 'ACTIVITY#';
const subjectPk = (subject: Subject): string =>
  subject.type === 'lead' ? leadPk(subject.id) : opportunityPk(subject.id);
export const activityKey = (subject: Subject, id: string) =>
  ({ pk: subjectPk(subject), sk: `${ACTIVITY_SK_PREFIX}${id}` }) as const;

/** The first characters of the body, for timelines. */
const SUMMARY_LENGTH = 200;

const nextId = monotonicFactory();

const ActivityRecord = z.object({
  id: z.string(),
  subject: z.object({ type: z.enum(['lead', 'opportunity']), id: z.string() }),
  customerId: z.string().optional(),
  kind: InteractionKind,
  body: z.string(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  durationSeconds: z.int().optional(),
  author: z.string(),
  occurredAt: z.string(),
});

const activityFromItem = (item: unknown): ActivityView => {
  const { id, subject, customerId, kind, body, direction, durationSeconds, author, occurredAt } =
    ActivityRecord.parse(item);
  return {
    id,
    subject,
    ...(customerId === undefined ? {} : { customerId }),
    kind,
    body,
    ...(direction === undefined ? {} : { direction }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
    author,
    occurredAt,
  };
};

/** The subject's customer (if any), or 404 when the subject does not exist. */
async function customerOf(subject: Subject): Promise<string | undefined> {
  if (subject.type === 'lead') {
    const lead = await getLead(subject.id);
    if (!lead) throw notFound(`Lead ${subject.id}`);
    return lead.customerId;
  }
  return (await requireOpportunity(subject.id)).customerId;
}

const existsCheck = (subject: Subject): TransactWrite =>
  subject.type === 'lead' ? leadExistsCheck(subject.id) : opportunityExistsCheck(subject.id);

export async function logActivity(request: {
  readonly subject: Subject;
  readonly input: ActivityInput;
  readonly principal: Principal;
  readonly correlationId: string;
}): Promise<ActivityView> {
  const { subject, input, principal, correlationId } = request;
  const customerId = await customerOf(subject);
  const occurredAt = new Date().toISOString();
  const activity: ActivityView = {
    id: nextId(),
    subject: { type: subject.type, id: subject.id },
    ...(customerId === undefined ? {} : { customerId }),
    kind: input.kind,
    body: input.body,
    ...(input.direction === undefined ? {} : { direction: input.direction }),
    ...(input.durationSeconds === undefined ? {} : { durationSeconds: input.durationSeconds }),
    author: principal.sub,
    occurredAt,
  };
  const writes: TaggedWrite<'subject' | 'activity' | 'outbox'>[] = [
    { tag: 'subject', write: existsCheck(subject) },
    {
      tag: 'activity',
      write: {
        Put: {
          TableName: tableName,
          Item: { ...activityKey(subject, activity.id), entity: 'Activity', ...activity },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    {
      tag: 'outbox',
      write: emit(
        'InteractionLogged',
        {
          interactionId: activity.id,
          subject: activity.subject,
          ...(customerId === undefined ? {} : { customerId }),
          kind: activity.kind,
          ...(activity.direction === undefined ? {} : { direction: activity.direction }),
          ...(activity.durationSeconds === undefined ? {} : { durationSeconds: activity.durationSeconds }),
          internal: true,
          summary: activity.body.slice(0, SUMMARY_LENGTH),
          author: principal.sub,
          occurredAt,
        },
        { correlationId, occurredAt },
      ),
    },
  ];
  const outcome = await transactWrite(ddb, writes);
  if (outcome.ok) return activity;
  throw new Error(`Activity on ${subject.type} ${subject.id} cancelled by ${outcome.failed.join(', ')}`);
}

/** A page of the subject's activities, newest first; 404 when the subject does not exist. */
export async function listActivities(
  subject: Subject,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: ActivityView[]; nextCursor: string | null }> {
  const [, result] = await Promise.all([
    customerOf(subject),
    queryPage({
      partition: subjectPk(subject),
      sortKeyPrefix: ACTIVITY_SK_PREFIX,
      order: 'newest-first',
      page,
      parse: activityFromItem,
    }),
  ]);
  return result;
}
