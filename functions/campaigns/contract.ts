/**
 * The campaigns HTTP contract (docs/api.md: campaigns): staff schedule an email or SMS campaign to
 * a segment, read its delivery counts, list and cancel them. Staff only, every route. Sending
 * happens off the request path (launch.ts, sending.ts).
 */
import * as z from 'zod';
import { SegmentId } from '#functions/segments/contract.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { IsoTimestamp, pageQueryShape, queryParams } from '#shared/schemas.ts';
import { PLACEHOLDERS, templateProblems } from './template.ts';

export const CampaignId = z
  .string()
  .regex(/^[0-9A-Z]{26}$/, 'A campaign id')
  .meta({ example: '01JS0C1A2B3C4D5E6F7G8H9J0K' });

const placeholderList = Object.entries(PLACEHOLDERS)
  .map(([name, what]) => `\`{{${name}}}\` (${what.toLowerCase()})`)
  .join(', ');

export const CampaignInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    channel: z.enum(['email', 'sms']),
    segmentId: SegmentId,
    subject: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'Email only (required there); may use placeholders' }),
    template: z
      .string()
      .min(1)
      .max(10_000)
      .meta({ description: `The message text with placeholders: ${placeholderList}` }),
    couponCode: z.string().trim().min(1).max(64).optional(),
    sendAt: IsoTimestamp.meta({
      description: 'When to send (UTC); a time already past sends within about a minute',
    }),
  })
  .superRefine((input, ctx) => {
    const hasCouponCode = input.couponCode !== undefined;
    for (const message of templateProblems(input.template, { hasCouponCode })) {
      ctx.addIssue({ code: 'custom', path: ['template'], message });
    }
    if (input.channel === 'email' && input.subject === undefined) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'An email campaign needs a subject' });
    }
    if (input.channel === 'sms' && input.subject !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'An SMS has no subject' });
    }
    for (const message of templateProblems(input.subject ?? '', { hasCouponCode })) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message });
    }
  })
  .meta({ id: 'CampaignInput' });
export type CampaignInput = z.infer<typeof CampaignInput>;

const Count = z.int().min(0);

export const Campaign = z
  .object({
    id: CampaignId,
    name: z.string(),
    channel: z.enum(['email', 'sms']),
    segmentId: z.string(),
    subject: z.string().optional(),
    template: z.string(),
    couponCode: z.string().optional(),
    sendAt: IsoTimestamp,
    status: z.enum(['SCHEDULED', 'SENDING', 'SENT', 'CANCELLED']).meta({
      description: 'SCHEDULED → SENDING (send time came) → SENT; CANCELLED from SCHEDULED or SENDING',
    }),
    counts: z
      .object({
        members: Count.meta({ description: 'Segment members processed so far (every outcome below)' }),
        sent: Count.meta({ description: 'Messages handed to the provider' }),
        failed: Count.meta({ description: 'Refused by the provider (bad number, unverified address)' }),
        unconfirmed: Count.meta({
          description:
            'Claimed but with no recorded outcome (the sender stopped, or the provider did not answer): never sent again',
        }),
        suppressed: z.object({
          noConsent: Count.meta({ description: 'Never consented on this channel' }),
          optedOut: Count.meta({ description: 'Declined or withdrew consent on this channel' }),
          noAddress: Count.meta({ description: 'Consented but has no email address / E.164 phone number' }),
        }),
      })
      .meta({ description: 'Delivery counts, updated page by page while sending' }),
    createdAt: IsoTimestamp,
    createdBy: z.string(),
    updatedAt: IsoTimestamp,
    startedAt: IsoTimestamp.optional(),
    completedAt: IsoTimestamp.optional(),
    cancelledAt: IsoTimestamp.optional(),
  })
  .meta({ id: 'Campaign' });
export type CampaignView = z.infer<typeof Campaign>;

export const CampaignPage = z
  .object({ items: z.array(Campaign), nextCursor: z.string().nullable() })
  .meta({ id: 'CampaignPage' });

const IdParams = z.strictObject({ id: CampaignId });

export const campaignsTag: ApiTag = {
  name: 'campaigns',
  description:
    'Email and SMS campaigns to a segment, sent at a set time to the members who consent on that channel at ' +
    'that moment; at most one message per customer and campaign, at a throttled rate.',
};

export const campaignRoutes = {
  createCampaign: defineRoute({
    method: 'POST',
    path: '/campaigns',
    operationId: 'createCampaign',
    summary: 'Schedule a campaign to a segment',
    description:
      'Staff only. Schedules the campaign for `sendAt` (201, status `SCHEDULED`). At that time it is sent to the ' +
      'segment’s members who consent on the channel then (checked per customer when their message is sent), ' +
      'rendering the template per customer. Unknown placeholders, `{{couponCode}}` without `couponCode`, an ' +
      'email without `subject` or an unknown segment are 400 `VALIDATION_FAILED`. With an `Idempotency-Key`, ' +
      'a retry answers the same campaign.',
    example: {
      name: 'Spring sale',
      channel: 'email',
      segmentId: 'big-spenders-eur',
      subject: '{{firstName}}, 20 % off this week',
      template: 'Hello {{name}}, use {{couponCode}} at checkout.',
      couponCode: 'SPRING20',
      sendAt: '2026-04-01T08:00:00Z',
    },
    tag: 'campaigns',
    access: 'staff',
    body: CampaignInput,
    idempotencyKey: 'optional',
    responses: { 201: { description: 'Campaign scheduled', schema: Campaign } },
    errors: ['IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED'],
  }),
  getCampaign: defineRoute({
    method: 'GET',
    path: '/campaigns/{id}',
    operationId: 'getCampaign',
    summary: 'A campaign with its status and delivery counts',
    description:
      'Staff only. Counts grow page by page while the campaign is `SENDING`: sent, failed, unconfirmed and ' +
      'suppressed per reason.',
    tag: 'campaigns',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The campaign', schema: Campaign } },
    errors: ['NOT_FOUND'],
  }),
  listCampaigns: defineRoute({
    method: 'GET',
    path: '/campaigns',
    operationId: 'listCampaigns',
    summary: 'Every campaign, newest first',
    description: 'Staff only. Paged: pass `nextCursor` back as `cursor` until it is `null`.',
    tag: 'campaigns',
    access: 'staff',
    query: queryParams(pageQueryShape),
    responses: { 200: { description: 'One page of campaigns', schema: CampaignPage } },
  }),
  cancelCampaign: defineRoute({
    method: 'POST',
    path: '/campaigns/{id}/cancel',
    operationId: 'cancelCampaign',
    summary: 'Cancel a scheduled or sending campaign',
    description:
      'Staff only. A `SCHEDULED` campaign is never sent; a `SENDING` one stops after the page being sent (messages ' +
      'already sent stay sent). A `SENT` or `CANCELLED` campaign is 409 `INVALID_STATE` with `currentStatus`.',
    tag: 'campaigns',
    access: 'staff',
    params: IdParams,
    responses: { 200: { description: 'The campaign, cancelled', schema: Campaign } },
    errors: ['NOT_FOUND', 'INVALID_STATE'],
  }),
} as const;
