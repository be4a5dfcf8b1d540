/**
 * Sales-pipeline events (source `storeline.pipeline`): leads, their conversion, and every change
 * of an opportunity's forecast-relevant terms. Change events carry the terms before and after, so
 * the forecast consumer moves amounts between its counters without reading anything
 * (functions/pipeline/forecast.ts says why that stays exact under redelivery and reordering).
 */
import * as z from 'zod';
import { envelopeOf } from '#shared/events/envelope.ts';
import { Currency, IsoTimestamp, Money, Sku } from '#shared/schemas.ts';
import { OrderChannel, ShippingAddress } from './orders.ts';

/** An opportunity's terms as the forecast needs them, at one version. */
export const OpportunityTerms = z.object({
  /** A pipeline stage; `won` and `lost` are closed, every other stage open. */
  stage: z.string(),
  /** The stage's probability (percent) when this version was written. */
  probability: z.int().min(0).max(100),
  amount: Money,
  currency: Currency,
  expectedCloseDate: z.iso.date(),
  /** YYYY-MM of `expectedCloseDate`: the forecast's bucket. */
  closeMonth: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  /** The staff member (`sub`) who owns the opportunity. */
  owner: z.string(),
});

export const LeadCreatedV1 = envelopeOf(
  'LeadCreated',
  1,
  z.object({
    leadId: z.string(),
    name: z.string(),
    company: z.string().optional(),
    email: z.string().optional(),
    /** Where the lead came from (web form, referral, trade fair …), as staff recorded it. */
    source: z.string(),
    owner: z.string(),
    createdAt: IsoTimestamp,
    createdBy: z.string(),
  }),
);

export const LeadConvertedV1 = envelopeOf(
  'LeadConverted',
  1,
  z.object({
    leadId: z.string(),
    opportunityId: z.string(),
    /** The customer the opportunity is for, when the lead had an email (found or created). */
    customerId: z.string().optional(),
    /** True when the conversion created that customer. */
    customerCreated: z.boolean(),
    owner: z.string(),
    convertedAt: IsoTimestamp,
    convertedBy: z.string(),
  }),
);

const OpportunityChange = z.object({
  opportunityId: z.string(),
  customerId: z.string().optional(),
  /** The version this change wrote; `previous` is version − 1's terms. */
  version: z.int().min(2),
  previous: OpportunityTerms,
  current: OpportunityTerms,
  /** Names of the terms that changed. */
  changed: z.array(z.enum(['stage', 'amount', 'expectedCloseDate', 'owner'])).min(1),
  changedAt: IsoTimestamp,
  changedBy: z.string(),
});

export const OpportunityCreatedV1 = envelopeOf(
  'OpportunityCreated',
  1,
  z.object({
    opportunityId: z.string(),
    name: z.string(),
    leadId: z.string().optional(),
    customerId: z.string().optional(),
    /** Always 1. */
    version: z.literal(1),
    current: OpportunityTerms,
    createdAt: IsoTimestamp,
    createdBy: z.string(),
  }),
);

export const OpportunityStageChangedV1 = envelopeOf('OpportunityStageChanged', 1, OpportunityChange);

export const OpportunityUpdatedV1 = envelopeOf('OpportunityUpdated', 1, OpportunityChange);

/** The order a win asks for: what `POST /orders` would take, with the key and id it is placed under. */
export const OpportunityOrderRequest = z.object({
  /** The order's id: derived from `wonBy` and `idempotencyKey` exactly as order intake derives it. */
  orderId: z.string(),
  /** The Idempotency-Key the order is placed with (`opportunity-<opportunityId>`). */
  idempotencyKey: z.string(),
  lines: z.array(z.object({ sku: Sku, quantity: z.int().min(1) })).min(1),
  shippingAddress: ShippingAddress,
  channel: OrderChannel,
});

export const OpportunityWonV1 = envelopeOf(
  'OpportunityWon',
  1,
  z.object({
    opportunityId: z.string(),
    name: z.string(),
    /** The customer the opportunity is for; always present when `order` is. */
    customerId: z.string().optional(),
    amount: Money,
    currency: Currency,
    /** The order the win asks for (placed by the orders context as `wonBy`); absent when none. */
    order: OpportunityOrderRequest.optional(),
    wonAt: IsoTimestamp,
    /** The staff member (`sub`) who moved it to won. */
    wonBy: z.string(),
  }),
);

export const OpportunityOrderRefusedV1 = envelopeOf(
  'OpportunityOrderRefused',
  1,
  z.object({
    opportunityId: z.string(),
    orderId: z.string(),
    /** The refusal's error code (`OUT_OF_STOCK`, `VALIDATION_FAILED` …), as `POST /orders` answers it. */
    code: z.string(),
    detail: z.string(),
    /** The SKUs concerned, when the refusal names them. */
    skus: z.array(z.string()).optional(),
    refusedAt: IsoTimestamp,
  }),
);
