/**
 * The event catalogue: every detail-type with every version it was published in, who emits it
 * (its `source`) and what it means. Sample payloads (`events/samples/<Type>.v<version>.json`) serve
 * consumer tests and the compatibility test; who consumes each event comes from the topology's
 * `subscribeTo`. Adding a version: `.next(TypeV2, (v1) => v2)` on its definition — see
 * docs/events.md, "Versions and upcasting".
 */
import type * as catalogue from '#shared/events/catalogue.ts';
import { defineEvent } from '#shared/events/catalogue.ts';
import { CampaignPageDueV1 } from './campaigns.ts';
import { CouponRedeemedV1, CouponRedemptionReleasedV1 } from './coupons.ts';
import {
  ConsentChangedV1,
  CustomerCreatedV1,
  CustomerErasedV1,
  CustomerUpdatedV1,
  InteractionLoggedV1,
} from './customers.ts';
import { FulfilmentStartedV1 } from './fulfilment.ts';
import { StockChangedV1 } from './inventory.ts';
import { CreditNoteIssuedV1, InvoiceIssuedV1 } from './invoicing.ts';
import { LoyaltyPointsChangedV1 } from './loyalty.ts';
import { OrderCancelledV1, OrderDeliveredV1, OrderPlacedV1, OrderShippedV1 } from './orders.ts';
import {
  LeadConvertedV1,
  LeadCreatedV1,
  OpportunityCreatedV1,
  OpportunityOrderRefusedV1,
  OpportunityStageChangedV1,
  OpportunityUpdatedV1,
  OpportunityWonV1,
} from './pipeline.ts';
import { StockLowV1, StockReplenishedV1 } from './replenishment.ts';
import { ReturnApprovedV1, ReturnReceivedV1, ReturnRejectedV1, ReturnRequestedV1 } from './returns.ts';
import { SegmentBackfillContinuedV1, SegmentDefinedV1, SegmentEnteredV1, SegmentLeftV1 } from './segments.ts';
import {
  AlertRaisedV1,
  TicketCreatedV1,
  TicketResolvedV1,
  TicketSlaBreachedV1,
  TicketSlaChangedV1,
  TicketSlaWarningV1,
  TicketStatusChangedV1,
} from './tickets.ts';

export const eventCatalogue = {
  OrderPlaced: defineEvent(OrderPlacedV1, { source: 'storeline.orders' }),
  OrderCancelled: defineEvent(OrderCancelledV1, { source: 'storeline.orders' }),
  OrderShipped: defineEvent(OrderShippedV1, { source: 'storeline.orders' }),
  OrderDelivered: defineEvent(OrderDeliveredV1, { source: 'storeline.orders' }),
  StockChanged: defineEvent(StockChangedV1, { source: 'storeline.catalog' }),
  FulfilmentStarted: defineEvent(FulfilmentStartedV1, { source: 'storeline.fulfilment' }),
  InvoiceIssued: defineEvent(InvoiceIssuedV1, { source: 'storeline.invoicing' }),
  CreditNoteIssued: defineEvent(CreditNoteIssuedV1, { source: 'storeline.invoicing' }),
  ReturnRequested: defineEvent(ReturnRequestedV1, { source: 'storeline.returns' }),
  ReturnReceived: defineEvent(ReturnReceivedV1, { source: 'storeline.returns' }),
  CustomerCreated: defineEvent(CustomerCreatedV1, { source: 'storeline.customers' }),
  CustomerUpdated: defineEvent(CustomerUpdatedV1, { source: 'storeline.customers' }),
  ConsentChanged: defineEvent(ConsentChangedV1, { source: 'storeline.customers' }),
  InteractionLogged: defineEvent(InteractionLoggedV1, { source: 'storeline.customers' }),
  ReturnApproved: defineEvent(ReturnApprovedV1, { source: 'storeline.returns' }),
  ReturnRejected: defineEvent(ReturnRejectedV1, { source: 'storeline.returns' }),
  LeadCreated: defineEvent(LeadCreatedV1, { source: 'storeline.pipeline' }),
  LeadConverted: defineEvent(LeadConvertedV1, { source: 'storeline.pipeline' }),
  OpportunityCreated: defineEvent(OpportunityCreatedV1, { source: 'storeline.pipeline' }),
  OpportunityStageChanged: defineEvent(OpportunityStageChangedV1, { source: 'storeline.pipeline' }),
  OpportunityUpdated: defineEvent(OpportunityUpdatedV1, { source: 'storeline.pipeline' }),
  StockLow: defineEvent(StockLowV1, { source: 'storeline.replenishment' }),
  StockReplenished: defineEvent(StockReplenishedV1, { source: 'storeline.replenishment' }),
  OpportunityWon: defineEvent(OpportunityWonV1, { source: 'storeline.pipeline' }),
  OpportunityOrderRefused: defineEvent(OpportunityOrderRefusedV1, { source: 'storeline.orders' }),
  TicketCreated: defineEvent(TicketCreatedV1, { source: 'storeline.tickets' }),
  TicketStatusChanged: defineEvent(TicketStatusChangedV1, { source: 'storeline.tickets' }),
  TicketResolved: defineEvent(TicketResolvedV1, { source: 'storeline.tickets' }),
  TicketSlaChanged: defineEvent(TicketSlaChangedV1, { source: 'storeline.tickets' }),
  TicketSlaWarning: defineEvent(TicketSlaWarningV1, { source: 'storeline.tickets' }),
  TicketSlaBreached: defineEvent(TicketSlaBreachedV1, { source: 'storeline.tickets' }),
  AlertRaised: defineEvent(AlertRaisedV1, { source: 'storeline.alerting' }),
  LoyaltyPointsChanged: defineEvent(LoyaltyPointsChangedV1, { source: 'storeline.loyalty' }),
  SegmentDefined: defineEvent(SegmentDefinedV1, { source: 'storeline.segments' }),
  SegmentBackfillContinued: defineEvent(SegmentBackfillContinuedV1, { source: 'storeline.segments' }),
  SegmentEntered: defineEvent(SegmentEnteredV1, { source: 'storeline.segments' }),
  SegmentLeft: defineEvent(SegmentLeftV1, { source: 'storeline.segments' }),
  CouponRedeemed: defineEvent(CouponRedeemedV1, { source: 'storeline.coupons' }),
  CouponRedemptionReleased: defineEvent(CouponRedemptionReleasedV1, { source: 'storeline.coupons' }),
  CampaignPageDue: defineEvent(CampaignPageDueV1, { source: 'storeline.campaigns' }),
  CustomerErased: defineEvent(CustomerErasedV1, { source: 'storeline.customers' }),
} as const satisfies catalogue.Catalogue;

export type EventCatalogue = typeof eventCatalogue;
export type EventType = catalogue.EventName<EventCatalogue>;
/** An event in its newest shape: what producers emit and every consumer receives. */
export type EventOf<T extends EventType> = catalogue.EventOf<EventCatalogue, T>;
export type EventData<T extends EventType> = EventOf<T>['data'];
