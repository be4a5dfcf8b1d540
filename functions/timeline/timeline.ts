/**
 * Timeline entries: what happened to a customer, projected from the bus by the timeline consumer
 * and read newest first with one Query. This module owns their keys and access patterns.
 *
 * | item                      | pk                    | sk                                   |
 * |---------------------------|-----------------------|--------------------------------------|
 * | entry, staff view         | CUSTOMER#<customerId> | TIMELINE#STAFF#<at>#<event id>       |
 * | entry, customer view      | CUSTOMER#<customerId> | TIMELINE#CUSTOMER#<at>#<event id>    |
 *
 * Two views, each its own sort-key range in the customer's partition: every entry is in the staff
 * view; entries the customer may see are written a second time into the customer view, in the same
 * transaction. Each view is then one descending Query with a `Limit`, so both page with full pages:
 * a filter on visibility would apply after the `Limit` (short or empty pages), and one range per
 * visibility would make the staff view a merge of two queries. The price is a second small item
 * per customer-visible event. `at` is the event's `occurredAt` (as `toISOString()`, so text order
 * is time order) and the event id breaks ties, so the order is total and the same in both views.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Principal } from '#shared/auth.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError } from '#shared/errors.ts';
import { visibleTo } from '#shared/ownership.ts';
import { decodeCursor, encodeCursor } from '#shared/paging.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { TIMELINE_VISIBILITIES, type TimelineEntry, type TimelineVisibility } from './mappings.ts';

/** Whose eyes a page is for: staff see every entry, a customer only `customer` ones. */
export type TimelineView = 'staff' | 'customer';

export const timelinePk = (customerId: string): string => `CUSTOMER#${customerId}`;
export const timelineSkPrefix = (view: TimelineView): string => `TIMELINE#${view.toUpperCase()}#`;
export const timelineKey = (
  view: TimelineView,
  entry: Pick<TimelineEntry, 'customerId' | 'at' | 'eventId'>,
) =>
  ({
    pk: timelinePk(entry.customerId),
    sk: `${timelineSkPrefix(view)}${entry.at}#${entry.eventId}`,
  }) as const;

/** The views an entry of this visibility is written to. */
export const viewsOf = (visibility: TimelineVisibility): readonly TimelineView[] =>
  visibility === 'customer' ? ['staff', 'customer'] : ['staff'];

/** An entry as stored (without its keys). */
const StoredEntry = z.object({
  customerId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  kind: z.string(),
  at: z.string(),
  title: z.string(),
  refs: z.record(z.string(), z.string()),
  visibility: z.enum(TIMELINE_VISIBILITIES),
});
export type StoredTimelineEntry = z.infer<typeof StoredEntry>;
const StoredItem = StoredEntry.extend({ pk: z.string(), sk: z.string() });

/**
 * The Puts writing an entry into each of its views, for the consumer's transaction. Each is
 * conditioned on its own key: an entry is written once, whatever delivers its event again.
 */
export function timelineEntryPuts(entry: TimelineEntry, now: string): TransactWrite[] {
  return viewsOf(entry.visibility).map((view) => ({
    Put: {
      TableName: tableName,
      Item: { ...timelineKey(view, entry), entity: 'TimelineEntry', view, ...entry, projectedAt: now },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
}

/**
 * Whether the entry is already written (its staff-view item; both views commit together). The
 * consumer's marker catches redeliveries first; this read keeps a replay into a fresh consumer (a
 * renamed one, markers expired) from failing on the entries' conditions forever.
 */
export async function timelineEntryExists(entry: TimelineEntry): Promise<boolean> {
  const result = await ddb.send(
    new GetCommand({
      TableName: tableName,
      Key: timelineKey('staff', entry),
      ConsistentRead: true,
      ProjectionExpression: 'pk',
    }),
  );
  return result.Item !== undefined;
}

export interface TimelinePage {
  readonly items: StoredTimelineEntry[];
  readonly nextCursor: string | null;
}

const foreignCursor = () =>
  new AppError('VALIDATION_FAILED', 'query.cursor: The cursor belongs to another list', {
    errors: [{ path: 'query.cursor', message: 'The cursor belongs to another list' }],
  });

/**
 * One page of a customer's timeline in a view, newest first: ONE Query of the view's sort-key
 * range. It asks for one entry more than the page, so a last full page has no `nextCursor` leading
 * to an empty one. The cursor is pinned to the customer's partition and to the view: a staff cursor is
 * refused in the customer view (400), never a jump into entries the caller may not see.
 */
export async function listTimeline(
  customerId: string,
  view: TimelineView,
  page: { limit: number; cursor?: string | undefined },
): Promise<TimelinePage> {
  const pk = timelinePk(customerId);
  const prefix = timelineSkPrefix(view);
  const startKey = decodeCursor(page.cursor, ['pk', 'sk'], { pk });
  if (startKey && !startKey.sk?.startsWith(prefix)) throw foreignCursor();
  const result = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ScanIndexForward: false,
      Limit: page.limit + 1,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const items = (result.Items ?? []).map((item) => StoredItem.parse(item));
  const shown = items.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    items: shown.map(({ pk: _pk, sk: _sk, ...entry }) => entry),
    // One more than the page came back: the page's last entry is where the next one starts. Fewer
    // (the end, or DynamoDB's 1 MB cut): its own LastEvaluatedKey says whether anything follows.
    nextCursor:
      items.length > page.limit && last
        ? encodeCursor({ pk: last.pk, sk: last.sk })
        : encodeCursor(result.LastEvaluatedKey),
  };
}

/**
 * A customer's timeline as the principal may see it: staff get the staff view, the customer
 * their own customer view; another customer's timeline is 404 (its existence is not theirs to learn).
 */
export async function timelineFor(
  principal: Principal,
  customerId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<TimelinePage & { view: TimelineView }> {
  visibleTo(principal, customerId, (id) => id, `Customer ${customerId}`);
  const view: TimelineView = principal.isStaff ? 'staff' : 'customer';
  return { view, ...(await listTimeline(customerId, view, page)) };
}
