/** Campaigns API: thin handler over the campaign entity and its staff operations. Staff only. */
import { httpApi, json } from '#shared/http/handler.ts';
import { type Campaign, getCampaignOrThrow, listCampaigns } from './campaigns.ts';
import { type CampaignView, campaignRoutes } from './contract.ts';
import { cancelCampaign, createCampaign } from './service.ts';

const view = (c: Campaign): CampaignView => ({
  id: c.id,
  name: c.name,
  channel: c.channel,
  segmentId: c.segmentId,
  ...(c.subject === undefined ? {} : { subject: c.subject }),
  template: c.template,
  ...(c.couponCode === undefined ? {} : { couponCode: c.couponCode }),
  sendAt: c.sendAt,
  status: c.status,
  counts: c.counts,
  createdAt: c.createdAt,
  createdBy: c.createdBy,
  updatedAt: c.updatedAt,
  ...(c.startedAt === undefined ? {} : { startedAt: c.startedAt }),
  ...(c.completedAt === undefined ? {} : { completedAt: c.completedAt }),
  ...(c.cancelledAt === undefined ? {} : { cancelledAt: c.cancelledAt }),
});

export const handler = httpApi(campaignRoutes, {
  createCampaign: async ({ body, principal, idempotencyKey }) =>
    json(view(await createCampaign({ input: body, by: principal.sub, idempotencyKey })), 201),
  getCampaign: async ({ params }) => json(view(await getCampaignOrThrow(params.id))),
  listCampaigns: async ({ query }) => {
    const page = await listCampaigns(query);
    return json({ items: page.items.map(view), nextCursor: page.nextCursor });
  },
  cancelCampaign: async ({ params }) => json(view(await cancelCampaign(params.id))),
});
