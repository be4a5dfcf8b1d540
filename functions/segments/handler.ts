/** Segments API: thin handler over the definitions and their membership items. Staff only. */
import { httpApi, json } from '#shared/http/handler.ts';
import { type SegmentView, segmentRoutes } from './contract.ts';
import { getSegmentOrThrow, listMembers, listSegments, putSegment, type Segment } from './segments.ts';

const view = (s: Segment): SegmentView => ({
  id: s.id,
  name: s.name,
  ...(s.description === undefined ? {} : { description: s.description }),
  rule: s.rule,
  revision: s.revision,
  memberCount: Math.max(0, s.memberCount),
  backfill: s.backfill,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  updatedBy: s.updatedBy,
});

export const handler = httpApi(segmentRoutes, {
  putSegment: async ({ params, body, principal, requestId }) => {
    const { segment, created } = await putSegment({
      id: params.id,
      input: body,
      by: principal.sub,
      correlationId: requestId,
    });
    // Answer as stored now: the count may have moved since the change was written.
    return json(view(await getSegmentOrThrow(segment.id)), created ? 201 : 200);
  },
  getSegment: async ({ params }) => json(view(await getSegmentOrThrow(params.id))),
  listSegments: async ({ query }) => {
    const page = await listSegments(query);
    return json({ items: page.items.map(view), nextCursor: page.nextCursor });
  },
  listSegmentMembers: async ({ params, query }) => {
    await getSegmentOrThrow(params.id);
    const page = await listMembers(params.id, query);
    return json({
      items: page.items.map(({ customerId, since, revision }) => ({ customerId, since, revision })),
      nextCursor: page.nextCursor,
    });
  },
});
