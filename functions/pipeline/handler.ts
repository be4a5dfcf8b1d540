/** Sales-pipeline API: thin handler over leads, conversion, opportunity changes, activities and the report. */
import { notFound } from '#shared/errors.ts';
import { httpApi, json } from '#shared/http/handler.ts';
import { listActivities, logActivity } from './activities.ts';
import { changeOpportunity } from './changes.ts';
import { ifMatchVersion, pipelineRoutes } from './contract.ts';
import { convertLead } from './conversion.ts';
import { readPipelineReport } from './forecast-counters.ts';
import { createLead, leadView, listLeads, requireLead } from './leads.ts';
import {
  type ChangeRecord,
  getOpportunityWithHistory,
  listOpportunities,
  type Opportunity,
  opportunityView,
  summaryView,
} from './opportunities.ts';

const withEtag = (
  { opportunity, history }: { opportunity: Opportunity; history: ChangeRecord[] },
  status = 200,
) => json(opportunityView(opportunity, history), status, { etag: `"${opportunity.version}"` });

export const handler = httpApi(pipelineRoutes, {
  createLead: async ({ body, principal, idempotencyKey, requestId }) =>
    json(
      leadView(await createLead({ principal, input: body, idempotencyKey, correlationId: requestId })),
      201,
    ),
  getLead: async ({ params }) => json(leadView(await requireLead(params.id))),
  listLeads: async ({ query }) => {
    const page = await listLeads(query);
    return json({ items: page.items.map(leadView), nextCursor: page.nextCursor });
  },
  convertLead: async ({ params, body, principal, requestId }) => {
    const done = await convertLead({ leadId: params.id, input: body, principal, correlationId: requestId });
    return json(
      {
        lead: leadView(done.lead),
        opportunity: opportunityView(done.opportunity, done.history),
        customer: done.customer ? { id: done.customer.id, created: done.customer.created } : null,
      },
      201,
    );
  },
  getOpportunity: async ({ params }) => {
    const read = await getOpportunityWithHistory(params.id);
    if (!read) throw notFound(`Opportunity ${params.id}`);
    return withEtag(read);
  },
  updateOpportunity: async ({ params, body, headers, principal, requestId }) =>
    withEtag(
      await changeOpportunity({
        opportunityId: params.id,
        input: body,
        expectedVersion: ifMatchVersion(headers['if-match']),
        principal,
        correlationId: requestId,
      }),
    ),
  listOpportunities: async ({ query }) => {
    const page = await listOpportunities(query);
    return json({ items: page.items.map(summaryView), nextCursor: page.nextCursor });
  },
  logLeadActivity: async ({ params, body, principal, requestId }) =>
    json(
      await logActivity({
        subject: { type: 'lead', id: params.id },
        input: body,
        principal,
        correlationId: requestId,
      }),
      201,
    ),
  listLeadActivities: async ({ params, query }) =>
    json(await listActivities({ type: 'lead', id: params.id }, query)),
  logOpportunityActivity: async ({ params, body, principal, requestId }) =>
    json(
      await logActivity({
        subject: { type: 'opportunity', id: params.id },
        input: body,
        principal,
        correlationId: requestId,
      }),
      201,
    ),
  listOpportunityActivities: async ({ params, query }) =>
    json(await listActivities({ type: 'opportunity', id: params.id }, query)),
  getPipelineReport: async ({ query }) => json(await readPipelineReport(query.from, query.to, query.owner)),
});
