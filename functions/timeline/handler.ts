/** Timeline API: thin handler over the timeline query (read only). */
import { httpApi, json } from '#shared/http/handler.ts';
import { type TimelineItem, timelineRoutes } from './contract.ts';
import { type StoredTimelineEntry, type TimelineView, timelineFor } from './timeline.ts';

/** An entry as the API shows it; only staff learn an entry's visibility. */
export function timelineItem(entry: StoredTimelineEntry, view: TimelineView): TimelineItem {
  return {
    id: entry.eventId,
    type: entry.kind,
    at: entry.at,
    title: entry.title,
    refs: entry.refs,
    ...(view === 'staff' ? { visibility: entry.visibility } : {}),
  };
}

export const handler = httpApi(timelineRoutes, {
  // Ownership is checked in the domain: another customer's timeline is "not found".
  getCustomerTimeline: async ({ params, query, principal }) => {
    const page = await timelineFor(principal, params.id, query);
    return json({ items: page.items.map((e) => timelineItem(e, page.view)), nextCursor: page.nextCursor });
  },
});
