/**
 * The sales pipeline's HTTP contract (docs/api.md: pipeline): leads, their conversion into
 * opportunities, opportunities and their stage changes, activities on both, and the weighted
 * forecast report. Every route is for staff only.
 */
import * as z from 'zod';
import { InteractionKind } from '#events/customers.ts';
import { OrderChannel } from '#events/orders.ts';
import { OrderLineInput, ShippingAddressInput } from '#functions/orders/inputs.ts';
import { MAX_ORDER_LINES } from '#functions/orders/rules.ts';
import { AppError } from '#shared/errors.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import {
  Currency,
  IsoTimestamp,
  Money,
  PageQuery,
  pageQueryShape,
  queryParams,
  Ulid,
} from '#shared/schemas.ts';
import { STAGES, Stage } from './stages.ts';

/** A staff member's id (their token's `sub`). */
export const StaffId = z
  .string()
  .regex(/^[\w.:@|+-]{1,128}$/, 'Letters, digits and . _ : @ | + -; at most 128 characters')
  .meta({ description: "A staff member's id (their token's `sub`)" });

const Text = (max: number) => z.string().trim().min(1).max(max);

const IsoDate = z.iso.date().meta({ description: 'A calendar day, YYYY-MM-DD', example: '2026-06-30' });
export const Month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Must be a month, YYYY-MM')
  .meta({ description: 'A calendar month, YYYY-MM', example: '2026-06' });

/** The longest range a pipeline report covers, in months (both ends included). */
export const MAX_REPORT_MONTHS = 36;

/** Months from `from` to `to`, both included. */
export function monthsBetween(from: string, to: string): number {
  const index = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
  return index(to) - index(from) + 1;
}

// --- leads ---------------------------------------------------------------------------------------

export const LeadStatus = z.enum(['open', 'converted']).meta({ description: 'open, or converted' });

export const CreateLeadInput = z
  .strictObject({
    name: Text(200).meta({ description: "The prospect's name" }),
    company: Text(200).optional(),
    email: z.email().max(254).optional().meta({
      description: 'Converting the lead finds the customer with this email, or creates one',
    }),
    source: Text(100).meta({
      description: 'The lead’s origin: web form, referral, trade fair …',
      example: 'trade fair',
    }),
    owner: StaffId.optional().meta({ description: 'The staff member who owns it; the caller when absent' }),
  })
  .meta({ id: 'CreateLeadInput' });
export type CreateLeadInput = z.infer<typeof CreateLeadInput>;

export const Lead = z
  .object({
    id: Ulid,
    name: z.string(),
    company: z.string().optional(),
    email: z.string().optional(),
    source: z.string(),
    owner: z.string(),
    status: LeadStatus,
    opportunityId: z.string().optional().meta({ description: 'Once converted' }),
    customerId: z.string().optional().meta({ description: 'Once converted, when it had an email' }),
    convertedAt: IsoTimestamp.optional(),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  })
  .meta({ id: 'Lead' });
export type LeadView = z.infer<typeof Lead>;

export const LeadPage = z
  .object({ items: z.array(Lead), nextCursor: z.string().nullable() })
  .meta({ id: 'LeadPage' });

export const ListLeadsQuery = queryParams({
  ...pageQueryShape,
  owner: StaffId.optional().meta({ description: 'Whose leads (newest first, grouped by status)' }),
  status: LeadStatus.optional(),
}).refine((q) => q.owner !== undefined || q.status !== undefined, {
  message: 'Name an owner, a status or both',
  path: ['owner'],
});

// --- opportunities -------------------------------------------------------------------------------

export const ConvertLeadInput = z
  .strictObject({
    name: Text(200).meta({ description: "The opportunity's name" }),
    amount: Money,
    currency: Currency,
    expectedCloseDate: IsoDate,
  })
  .meta({ id: 'ConvertLeadInput' });
export type ConvertLeadInput = z.infer<typeof ConvertLeadInput>;

/** The channel of an order a won opportunity asks for, when the request names none. */
export const WON_ORDER_DEFAULT_CHANNEL = 'phone' satisfies OrderChannel;

/**
 * The order a win may ask for: the lines, address and channel of `POST /orders` (same schemas and
 * limits); the customer is the opportunity's, the Idempotency-Key `opportunity-<id>`.
 */
export const OpportunityOrderInput = z
  .strictObject({
    lines: z
      .array(OrderLineInput)
      .min(1)
      .max(MAX_ORDER_LINES, `At most ${MAX_ORDER_LINES} lines: one transaction reserves them all`),
    shippingAddress: ShippingAddressInput,
    channel: OrderChannel.default(WON_ORDER_DEFAULT_CHANNEL).meta({
      description: `How the sale was made; \`${WON_ORDER_DEFAULT_CHANNEL}\` when absent`,
    }),
  })
  .meta({ id: 'OpportunityOrderInput' });
export type OpportunityOrderInput = z.infer<typeof OpportunityOrderInput>;

export const UpdateOpportunityInput = z
  .strictObject({
    stage: Stage.optional(),
    amount: Money.optional(),
    expectedCloseDate: IsoDate.optional(),
    owner: StaffId.optional(),
    order: OpportunityOrderInput.optional().meta({
      description: 'Only with `stage: won`: the order to place for the opportunity’s customer once it is won',
    }),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'Change at least one field')
  .refine((b) => b.order === undefined || b.stage === 'won', {
    message: 'An order is placed only by a move to won: send `stage: won` with it',
    path: ['order'],
  })
  .meta({ id: 'UpdateOpportunityInput' });
export type UpdateOpportunityInput = z.infer<typeof UpdateOpportunityInput>;

export const OpportunityChange = z
  .object({
    version: z.int().min(1),
    at: IsoTimestamp,
    by: z.string(),
    stage: z.string(),
    previousStage: z.string().optional().meta({ description: 'Absent on version 1' }),
    changed: z.array(z.string()).meta({ description: 'The terms this version changed (none on version 1)' }),
    amount: Money,
    expectedCloseDate: IsoDate,
    owner: z.string(),
  })
  .meta({ id: 'OpportunityChange' });

export const OpportunityOrderStatus = z.enum(['requested', 'refused']).meta({
  description:
    '`requested`: the orders context places it (look it up by `orderId`); `refused`: it was not placed',
});

export const OpportunityOrder = z
  .object({
    orderId: z.string().meta({ description: 'The id the order gets (`GET /orders/{id}`)' }),
    idempotencyKey: z.string().meta({ description: 'The key it is placed under: `opportunity-<id>`' }),
    status: OpportunityOrderStatus,
    lines: z.array(z.object({ sku: z.string(), quantity: z.int() })),
    shippingAddress: ShippingAddressInput,
    channel: OrderChannel,
    requestedAt: IsoTimestamp,
    requestedBy: z.string().meta({ description: 'The staff member who won it; the order is placed as them' }),
    refusal: z
      .object({
        code: z.string().meta({ description: 'The error code `POST /orders` would have answered' }),
        detail: z.string(),
        skus: z.array(z.string()).optional(),
        at: IsoTimestamp,
      })
      .optional()
      .meta({ description: 'Why the order was not placed (status `refused`)' }),
  })
  .meta({ id: 'OpportunityOrder' });
export type OpportunityOrderView = z.infer<typeof OpportunityOrder>;

const OpportunityFields = {
  id: Ulid,
  name: z.string(),
  leadId: z.string().optional(),
  customerId: z.string().optional(),
  amount: Money,
  currency: Currency,
  expectedCloseDate: IsoDate,
  owner: z.string(),
  stage: z.string(),
  probability: z.int().meta({ description: "The stage's probability, percent" }),
  closed: z.boolean().meta({ description: 'Won or lost' }),
  version: z.int().min(1).meta({ description: 'Bumped by every change; the `If-Match` of the next PATCH' }),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  closedAt: IsoTimestamp.optional(),
  order: OpportunityOrder.optional().meta({ description: 'The order its win asked for, if any' }),
};

export const OpportunitySummary = z.object(OpportunityFields).meta({ id: 'OpportunitySummary' });
export type OpportunitySummaryView = z.infer<typeof OpportunitySummary>;

export const Opportunity = z
  .object({
    ...OpportunityFields,
    history: z.array(OpportunityChange).meta({ description: 'Every version, oldest first' }),
  })
  .meta({ id: 'Opportunity' });
export type OpportunityView = z.infer<typeof Opportunity>;

export const OpportunityPage = z
  .object({ items: z.array(OpportunitySummary), nextCursor: z.string().nullable() })
  .meta({ id: 'OpportunityPage' });

export const ListOpportunitiesQuery = queryParams({
  ...pageQueryShape,
  owner: StaffId.optional().meta({ description: 'Whose opportunities (by stage, then close date)' }),
  stage: Stage.optional(),
}).refine((q) => q.owner !== undefined || q.stage !== undefined, {
  message: 'Name an owner, a stage or both',
  path: ['owner'],
});

export const Conversion = z
  .object({
    lead: Lead,
    opportunity: Opportunity,
    customer: z
      .object({
        id: z.string(),
        created: z.boolean().meta({ description: 'True when this conversion created the customer' }),
      })
      .nullable()
      .meta({ description: 'The customer found or created by the lead’s email; null without one' }),
  })
  .meta({ id: 'LeadConversion' });
export type ConversionView = z.infer<typeof Conversion>;

// --- activities ----------------------------------------------------------------------------------

export const ActivityInput = z
  .strictObject({
    kind: InteractionKind,
    body: Text(10_000),
    direction: z.enum(['inbound', 'outbound']).optional().meta({ description: 'Calls only' }),
    durationSeconds: z
      .int()
      .min(0)
      .max(24 * 3600)
      .optional()
      .meta({ description: 'Calls and meetings' }),
  })
  .refine((a) => a.direction === undefined || a.kind === 'call', {
    message: 'Only calls have a direction',
    path: ['direction'],
  })
  .refine((a) => a.durationSeconds === undefined || a.kind === 'call' || a.kind === 'meeting', {
    message: 'Only calls and meetings have a duration',
    path: ['durationSeconds'],
  })
  .meta({ id: 'ActivityInput' });
export type ActivityInput = z.infer<typeof ActivityInput>;

export const Activity = z
  .object({
    id: Ulid,
    subject: z.object({ type: z.enum(['lead', 'opportunity']), id: z.string() }),
    customerId: z.string().optional(),
    kind: InteractionKind,
    body: z.string(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    durationSeconds: z.int().optional(),
    author: z.string(),
    occurredAt: IsoTimestamp,
  })
  .meta({ id: 'Activity' });
export type ActivityView = z.infer<typeof Activity>;

export const ActivityPage = z
  .object({ items: z.array(Activity), nextCursor: z.string().nullable() })
  .meta({ id: 'ActivityPage' });

// --- report --------------------------------------------------------------------------------------

export const PipelineQuery = queryParams({
  from: Month,
  to: Month,
  owner: StaffId.optional().meta({ description: "One owner's figures; everyone's when absent" }),
})
  .refine((q) => q.from <= q.to, { message: 'Must not be before `from`', path: ['to'] })
  .refine((q) => monthsBetween(q.from, q.to) <= MAX_REPORT_MONTHS, {
    message: `A report covers at most ${MAX_REPORT_MONTHS} months`,
    path: ['to'],
  });

const MoneyByCurrency = z
  .record(z.string(), z.int())
  .meta({ description: 'Minor units per ISO 4217 currency', example: { EUR: 129900 } });

const StageFigures = z.object({ count: z.int(), amount: MoneyByCurrency });

export const PipelineFigures = z
  .object({
    stages: z.record(z.string(), StageFigures).meta({
      description: 'Per stage: opportunities expected to close in the period, and their amounts',
    }),
    open: StageFigures.meta({ description: 'The open stages together' }),
    weightedPipeline: MoneyByCurrency.meta({
      description: 'Σ amount × stage probability over open opportunities, rounded to minor units',
    }),
    forecast: MoneyByCurrency.meta({
      description: 'The weighted pipeline plus the won amounts (won counts at 100 %, lost at 0 %)',
    }),
  })
  .meta({ id: 'PipelineFigures' });

export const PipelineReport = z
  .object({
    from: Month,
    to: Month,
    owner: z.string().optional(),
    pipeline: z
      .array(z.object({ stage: z.string(), probability: z.int(), closed: z.boolean() }))
      .meta({ description: 'The configured stages in order, with their probabilities (percent)' }),
    totals: PipelineFigures,
    months: z.array(PipelineFigures.extend({ month: Month })).meta({
      description: 'Every month of the range in order, by month of expected close',
    }),
  })
  .meta({ id: 'PipelineReport' });
export type PipelineReport = z.infer<typeof PipelineReport>;

/** The configured stages as the report lists them. */
export const pipelineStages = () =>
  STAGES.map((s) => ({
    stage: s.name,
    probability: s.probability,
    closed: s.name === 'won' || s.name === 'lost',
  }));

/** `If-Match: 3`, `"3"` or `W/"3"` → 3; absent → undefined; anything else is a 400. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^(?:W\/)?"?([1-9][0-9]{0,14})"?$/.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError('VALIDATION_FAILED', 'If-Match must be the version of the opportunity', {
      errors: [{ path: 'headers.if-match', message: 'Must be a version such as 3' }],
    });
  }
  return Number(match[1]);
}

// --- routes --------------------------------------------------------------------------------------

const IdParams = z.strictObject({ id: Ulid });

export const pipelineTag: ApiTag = {
  name: 'pipeline',
  description:
    'The sales pipeline, for staff: leads qualified into opportunities, stage changes with history, ' +
    'activities, and the weighted forecast per month of expected close.',
};

const STAFF_ERRORS = ['FORBIDDEN'] as const;

export const pipelineRoutes = {
  createLead: defineRoute({
    method: 'POST',
    path: '/leads',
    operationId: 'createLead',
    summary: 'Record a lead',
    description:
      'Staff only. `owner` defaults to the caller. An optional `Idempotency-Key` makes a retry answer ' +
      'with the same lead; the key with another body is `IDEMPOTENCY_KEY_REUSED`.',
    example: {
      name: 'Grace Hopper',
      company: 'Cobol Works Ltd',
      email: 'grace@cobol.example',
      source: 'trade fair',
    },
    tag: 'pipeline',
    access: 'staff',
    idempotencyKey: 'optional',
    body: CreateLeadInput,
    responses: { 201: { description: 'The lead (or the first response to this key)', schema: Lead } },
    errors: [...STAFF_ERRORS, 'IDEMPOTENCY_KEY_REUSED'],
  }),
  getLead: defineRoute({
    method: 'GET',
    path: '/leads/{id}',
    operationId: 'getLead',
    summary: 'A lead',
    description:
      'Staff only. Once converted it names its opportunity and, when it had an email, its customer.',
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The lead', schema: Lead } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND'],
  }),
  listLeads: defineRoute({
    method: 'GET',
    path: '/leads',
    operationId: 'listLeads',
    summary: 'Leads by owner and/or status',
    description:
      'Staff only. Name `owner`, `status` or both. By owner: grouped by status, newest first within ' +
      'each; by status alone: newest first. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'pipeline',
    access: 'staff',
    query: ListLeadsQuery,
    responses: { 200: { description: 'One page of leads', schema: LeadPage } },
    errors: [...STAFF_ERRORS],
  }),
  convertLead: defineRoute({
    method: 'POST',
    path: '/leads/{id}/convert',
    operationId: 'convertLead',
    summary: 'Qualify a lead into an opportunity (and a customer, found or created by its email)',
    description:
      'Staff only, once per lead: converting a converted lead is `INVALID_STATE`. The opportunity starts ' +
      'in the first stage of the pipeline, owned by the lead’s owner. When the lead has an email, the ' +
      'customer with that email is attached, or a new one is created in the same transaction.',
    example: {
      name: 'Cobol Works: 40 licences',
      amount: 4800000,
      currency: 'EUR',
      expectedCloseDate: '2026-06-30',
    },
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    body: ConvertLeadInput,
    responses: {
      201: { description: 'The converted lead, its opportunity and customer', schema: Conversion },
    },
    errors: [...STAFF_ERRORS, 'NOT_FOUND', 'INVALID_STATE', 'RATE_LIMITED'],
  }),
  getOpportunity: defineRoute({
    method: 'GET',
    path: '/opportunities/{id}',
    operationId: 'getOpportunity',
    summary: 'An opportunity with its history of changes',
    description: 'Staff only. The `ETag` header carries the version, for `If-Match` on a PATCH.',
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The opportunity', schema: Opportunity } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND'],
  }),
  updateOpportunity: defineRoute({
    method: 'PATCH',
    path: '/opportunities/{id}',
    operationId: 'updateOpportunity',
    summary: 'Move an opportunity to another stage, or change its amount, close date or owner',
    description:
      'Staff only. Every change is a conditional write on the version read and is kept in the history. ' +
      'With `If-Match: <version>` the change applies only to that version (else `VERSION_CONFLICT`); ' +
      'without it the change is applied to the current version, re-checked against the pipeline’s rules. ' +
      '`won` is final; `lost` may be reopened to an open stage; a closed opportunity’s other terms ' +
      'change only with a reopening stage (else `INVALID_STATE`). A change that changes nothing answers ' +
      'the opportunity as it is. A move to `won` may carry an `order` (lines, shipping address, channel ' +
      'as `POST /orders` takes them; with any other stage it is `VALIDATION_FAILED`): the opportunity must ' +
      'have a customer (else 409 `INVALID_STATE`). The win records the request with the order id it ' +
      'will get and emits `OpportunityWon`; the orders context then places the order as the caller, ' +
      'for the customer, under the Idempotency-Key `opportunity-<id>` — within seconds, once. When ' +
      'intake refuses it (out of stock, unknown or inactive product) nothing is reserved and ' +
      '`order.status` turns `refused` with the reason. Sending the same order again to the won ' +
      'opportunity answers it as it is; another order is `INVALID_STATE`.',
    example: { stage: 'proposal', amount: 4500000 },
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    body: UpdateOpportunityInput,
    responses: { 200: { description: 'The opportunity after the change', schema: Opportunity } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND', 'INVALID_STATE', 'VERSION_CONFLICT', 'RATE_LIMITED'],
  }),
  listOpportunities: defineRoute({
    method: 'GET',
    path: '/opportunities',
    operationId: 'listOpportunities',
    summary: 'Opportunities by owner and/or stage',
    description:
      'Staff only. Name `owner`, `stage` or both. Ordered by stage, then expected close date. Paged: ' +
      'pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'pipeline',
    access: 'staff',
    query: ListOpportunitiesQuery,
    responses: { 200: { description: 'One page of opportunities', schema: OpportunityPage } },
    errors: [...STAFF_ERRORS],
  }),
  logLeadActivity: defineRoute({
    method: 'POST',
    path: '/leads/{id}/activities',
    operationId: 'logLeadActivity',
    summary: 'Log a call, email, meeting or note against a lead',
    description: 'Staff only; the author is the caller. Emits `InteractionLogged` (staff-only entry).',
    example: {
      kind: 'call',
      body: 'Intro call, interested in 40 seats',
      direction: 'outbound',
      durationSeconds: 600,
    },
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    body: ActivityInput,
    responses: { 201: { description: 'The activity', schema: Activity } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND'],
  }),
  listLeadActivities: defineRoute({
    method: 'GET',
    path: '/leads/{id}/activities',
    operationId: 'listLeadActivities',
    summary: "A lead's activities, newest first",
    description: 'Staff only. Newest first; paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of activities', schema: ActivityPage } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND'],
  }),
  logOpportunityActivity: defineRoute({
    method: 'POST',
    path: '/opportunities/{id}/activities',
    operationId: 'logOpportunityActivity',
    summary: 'Log a call, email, meeting or note against an opportunity',
    description: 'Staff only; the author is the caller. Emits `InteractionLogged` (staff-only entry).',
    example: { kind: 'meeting', body: 'Demo with their IT lead', durationSeconds: 3600 },
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    body: ActivityInput,
    responses: { 201: { description: 'The activity', schema: Activity } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND'],
  }),
  listOpportunityActivities: defineRoute({
    method: 'GET',
    path: '/opportunities/{id}/activities',
    operationId: 'listOpportunityActivities',
    summary: "An opportunity's activities, newest first",
    description: 'Staff only. Newest first; paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'pipeline',
    access: 'staff',
    params: IdParams,
    query: PageQuery,
    responses: { 200: { description: 'One page of activities', schema: ActivityPage } },
    errors: [...STAFF_ERRORS, 'NOT_FOUND'],
  }),
  getPipelineReport: defineRoute({
    method: 'GET',
    path: '/reports/pipeline',
    operationId: 'getPipelineReport',
    summary: 'Per month of expected close: count and amount per stage, and the weighted forecast',
    description:
      `Staff only. \`from\` and \`to\` are months (YYYY-MM), both included, at most ${MAX_REPORT_MONTHS} apart; ` +
      '`owner` narrows it to one owner. Counters are kept from the opportunity events and read by key, ' +
      'so a change a moment ago may take a second or two to show. `weightedPipeline` is Σ amount × ' +
      'probability over open opportunities; `forecast` adds the won amounts.',
    tag: 'pipeline',
    access: 'staff',
    query: PipelineQuery,
    responses: {
      200: { description: 'The report, one entry per month of the range', schema: PipelineReport },
    },
    errors: [...STAFF_ERRORS],
  }),
} as const;
