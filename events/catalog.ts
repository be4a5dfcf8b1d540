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
import { ConsentChangedV1, CustomerCreatedV1, CustomerUpdatedV1, InteractionLoggedV1 } from './customers.ts';
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
  OrderPlaced: defineEvent(OrderPlacedV1, {
    source: 'storeline.orders',
    description: 'An order was accepted: stock for every line is reserved (status CONFIRMED).',
  }),
  OrderCancelled: defineEvent(OrderCancelledV1, {
    source: 'storeline.orders',
    description: 'An order was cancelled before shipment; its reservations and coupon were released.',
  }),
  OrderShipped: defineEvent(OrderShippedV1, {
    source: 'storeline.orders',
    description: 'An order left the warehouse: reserved stock became shipped.',
  }),
  OrderDelivered: defineEvent(OrderDeliveredV1, {
    source: 'storeline.orders',
    description: 'The carrier delivered an order.',
  }),
  StockChanged: defineEvent(StockChangedV1, {
    source: 'storeline.catalog',
    description: 'A stock movement (receipt, adjustment, count) changed a SKU’s available quantity.',
  }),
  FulfilmentStarted: defineEvent(FulfilmentStartedV1, {
    source: 'storeline.fulfilment',
    description: 'A pick list was created for an order, which moved to FULFILLING.',
  }),
  InvoiceIssued: defineEvent(InvoiceIssuedV1, {
    source: 'storeline.invoicing',
    description: 'An invoice was issued for a placed order, numbered gaplessly in its year’s INV series.',
  }),
  CreditNoteIssued: defineEvent(CreditNoteIssuedV1, {
    source: 'storeline.invoicing',
    description:
      'A credit note negating an invoice (all of it on cancellation, the returned lines on a return), ' +
      'numbered gaplessly in its year’s CRN series.',
  }),
  ReturnRequested: defineEvent(ReturnRequestedV1, {
    source: 'storeline.returns',
    description: 'A customer or staff member opened a return for delivered lines of an order.',
  }),
  ReturnReceived: defineEvent(ReturnReceivedV1, {
    source: 'storeline.returns',
    description:
      'The goods of an approved return arrived: restocked units are available again, scrapped ones are not.',
  }),
  CustomerCreated: defineEvent(CustomerCreatedV1, {
    source: 'storeline.customers',
    description:
      'A customer record was created (by staff, from a first order, a webhook or a converted lead).',
  }),
  CustomerUpdated: defineEvent(CustomerUpdatedV1, {
    source: 'storeline.customers',
    description: 'A customer record changed; the event names the fields, the record holds the values.',
  }),
  ConsentChanged: defineEvent(ConsentChangedV1, {
    source: 'storeline.customers',
    description: 'A customer’s marketing consent on one channel (email, sms) was granted or withdrawn.',
  }),
  InteractionLogged: defineEvent(InteractionLoggedV1, {
    source: 'storeline.customers',
    description: 'A call, email, meeting or note was logged against a customer, lead or opportunity.',
  }),
  ReturnApproved: defineEvent(ReturnApprovedV1, {
    source: 'storeline.returns',
    description: 'Staff approved a requested return; the goods are expected back.',
  }),
  ReturnRejected: defineEvent(ReturnRejectedV1, {
    source: 'storeline.returns',
    description:
      'Staff rejected a return (requested, or approved but never arrived); its lines may be returned again.',
  }),
  LeadCreated: defineEvent(LeadCreatedV1, {
    source: 'storeline.pipeline',
    description: 'Staff recorded a sales lead (a prospect not yet qualified into an opportunity).',
  }),
  LeadConverted: defineEvent(LeadConvertedV1, {
    source: 'storeline.pipeline',
    description:
      'A lead was qualified into an opportunity, with the customer it is for (found or created by email).',
  }),
  OpportunityCreated: defineEvent(OpportunityCreatedV1, {
    source: 'storeline.pipeline',
    description:
      'An opportunity entered the pipeline (version 1) with its stage, amount, close date and owner.',
  }),
  OpportunityStageChanged: defineEvent(OpportunityStageChangedV1, {
    source: 'storeline.pipeline',
    description:
      'An opportunity moved to another stage (possibly with other terms); carries its terms before and after.',
  }),
  OpportunityUpdated: defineEvent(OpportunityUpdatedV1, {
    source: 'storeline.pipeline',
    description:
      'An opportunity’s amount, expected close date or owner changed in its stage; carries its terms before and after.',
  }),
  StockLow: defineEvent(StockLowV1, {
    source: 'storeline.replenishment',
    description:
      'A SKU’s available stock fell to or below its reorder point (once per crossing); a replenishment ' +
      'suggestion was created.',
  }),
  StockReplenished: defineEvent(StockReplenishedV1, {
    source: 'storeline.replenishment',
    description: 'Goods were received against a purchase order: one stock movement (receipt) per line.',
  }),
  OpportunityWon: defineEvent(OpportunityWonV1, {
    source: 'storeline.pipeline',
    description:
      'An opportunity was won, possibly asking for an order for its customer (placed by the orders context).',
  }),
  OpportunityOrderRefused: defineEvent(OpportunityOrderRefusedV1, {
    source: 'storeline.orders',
    description:
      'The order a won opportunity asked for was refused (out of stock, unknown or inactive product); nothing was reserved.',
  }),
  TicketCreated: defineEvent(TicketCreatedV1, {
    source: 'storeline.tickets',
    description: 'A ticket was opened (status NEW) with its number, requester and SLA due times.',
  }),
  TicketStatusChanged: defineEvent(TicketStatusChangedV1, {
    source: 'storeline.tickets',
    description:
      'A ticket moved along its workflow (NEW → OPEN → PENDING ↔ OPEN → RESOLVED → CLOSED, RESOLVED → OPEN).',
  }),
  TicketResolved: defineEvent(TicketResolvedV1, {
    source: 'storeline.tickets',
    description: 'A ticket was resolved: who and when, and whether each SLA target was met in time.',
  }),
  TicketSlaChanged: defineEvent(TicketSlaChangedV1, {
    source: 'storeline.tickets',
    description:
      'A ticket’s SLA clocks changed (opened, paused, resumed, re-prioritised, responded to, resolved); the newest `slaVersion` wins.',
  }),
  TicketSlaWarning: defineEvent(TicketSlaWarningV1, {
    source: 'storeline.tickets',
    description:
      '80 % of an SLA target’s business time is used and the target is not met yet (once per clock).',
  }),
  TicketSlaBreached: defineEvent(TicketSlaBreachedV1, {
    source: 'storeline.tickets',
    description: 'An SLA target’s due time passed before it was met (once per target and clock).',
  }),
  AlertRaised: defineEvent(AlertRaisedV1, {
    source: 'storeline.alerting',
    description:
      'Something is faulty (a queue’s DLQ, a SKU out of stock …): notifies operations and opens or comments on the incident for its alert key.',
  }),
  LoyaltyPointsChanged: defineEvent(LoyaltyPointsChangedV1, {
    source: 'storeline.loyalty',
    description:
      'A loyalty ledger entry was written (earn, spend, reverse, refund); carries the new balance.',
  }),
  SegmentDefined: defineEvent(SegmentDefinedV1, {
    source: 'storeline.segments',
    description:
      'Staff created a segment or changed its rule (a new revision); every customer is evaluated against it.',
  }),
  SegmentBackfillContinued: defineEvent(SegmentBackfillContinuedV1, {
    source: 'storeline.segments',
    description:
      'The next page of a segment revision’s backfill: where the walk over the customer facts resumes.',
  }),
  SegmentEntered: defineEvent(SegmentEnteredV1, {
    source: 'storeline.segments',
    description: 'A customer became a member of a segment (their facts, a new rule, or time passing).',
  }),
  SegmentLeft: defineEvent(SegmentLeftV1, {
    source: 'storeline.segments',
    description: 'A customer stopped being a member of a segment (their facts, a new rule, or time passing).',
  }),
  CouponRedeemed: defineEvent(CouponRedeemedV1, {
    source: 'storeline.coupons',
    description:
      'A coupon was redeemed: by an order (in its intake transaction) or directly (in-store); both counters moved.',
  }),
  CouponRedemptionReleased: defineEvent(CouponRedemptionReleasedV1, {
    source: 'storeline.coupons',
    description:
      'A cancelled order gave its coupon redemption back (once): the coupon’s and the customer’s counters went down.',
  }),
  CampaignPageDue: defineEvent(CampaignPageDueV1, {
    source: 'storeline.campaigns',
    description:
      'The next page of a sending campaign’s segment members is due: where the walk over the members resumes.',
  }),
} as const satisfies catalogue.Catalogue;

export type EventCatalogue = typeof eventCatalogue;
export type EventType = catalogue.EventName<EventCatalogue>;
/** An event in its newest shape: what producers emit and every consumer receives. */
export type EventOf<T extends EventType> = catalogue.EventOf<EventCatalogue, T>;
export type EventData<T extends EventType> = EventOf<T>['data'];
