/**
 * What each event in the catalogue means, for docs/events.md and the schema registry. Kept apart from
 * `events/catalog.ts` so that the handlers bundling the catalogue do not carry these sentences.
 */
import type { eventCatalogue } from './catalog.ts';

export const eventDescriptions: { readonly [T in keyof typeof eventCatalogue]: string } = {
  OrderPlaced: 'An order was accepted: stock for every line is reserved (status CONFIRMED).',
  OrderCancelled: 'An order was cancelled before shipment; its reservations and coupon were released.',
  OrderShipped: 'An order left the warehouse: reserved stock became shipped.',
  OrderDelivered: 'The carrier delivered an order.',
  StockChanged: 'A stock movement (receipt, adjustment, count) changed a SKU’s available quantity.',
  FulfilmentStarted: 'A pick list was created for an order, which moved to FULFILLING.',
  InvoiceIssued: 'An invoice was issued for a placed order, numbered gaplessly in its year’s INV series.',
  CreditNoteIssued:
    'A credit note negating an invoice (all of it on cancellation, the returned lines on a return), ' +
    'numbered gaplessly in its year’s CRN series.',
  ReturnRequested: 'A customer or staff member opened a return for delivered lines of an order.',
  ReturnReceived:
    'The goods of an approved return arrived: restocked units are available again, scrapped ones are not.',
  CustomerCreated:
    'A customer record was created (by staff, from a first order, a webhook or a converted lead).',
  CustomerUpdated: 'A customer record changed; the event names the fields, the record holds the values.',
  ConsentChanged: 'A customer’s marketing consent on one channel (email, sms) was granted or withdrawn.',
  InteractionLogged: 'A call, email, meeting or note was logged against a customer, lead or opportunity.',
  ReturnApproved: 'Staff approved a requested return; the goods are expected back.',
  ReturnRejected:
    'Staff rejected a return (requested, or approved but never arrived); its lines may be returned again.',
  LeadCreated: 'Staff recorded a sales lead (a prospect not yet qualified into an opportunity).',
  LeadConverted:
    'A lead was qualified into an opportunity, with the customer it is for (found or created by email).',
  OpportunityCreated:
    'An opportunity entered the pipeline (version 1) with its stage, amount, close date and owner.',
  OpportunityStageChanged:
    'An opportunity moved to another stage (possibly with other terms); carries its terms before and after.',
  OpportunityUpdated:
    'An opportunity’s amount, expected close date or owner changed in its stage; carries its terms before and after.',
  StockLow:
    'A SKU’s available stock fell to or below its reorder point (once per crossing); a replenishment ' +
    'suggestion was created.',
  StockReplenished: 'Goods were received against a purchase order: one stock movement (receipt) per line.',
  OpportunityWon:
    'An opportunity was won, possibly asking for an order for its customer (placed by the orders context).',
  OpportunityOrderRefused:
    'The order a won opportunity asked for was refused (out of stock, unknown or inactive product); nothing was reserved.',
  TicketCreated: 'A ticket was opened (status NEW) with its number, requester and SLA due times.',
  TicketStatusChanged:
    'A ticket moved along its workflow (NEW → OPEN → PENDING ↔ OPEN → RESOLVED → CLOSED, RESOLVED → OPEN).',
  TicketResolved: 'A ticket was resolved: who and when, and whether each SLA target was met in time.',
  TicketSlaChanged:
    'A ticket’s SLA clocks changed (opened, paused, resumed, re-prioritised, responded to, resolved); the newest `slaVersion` wins.',
  TicketSlaWarning:
    '80 % of an SLA target’s business time is used and the target is not met yet (once per clock).',
  TicketSlaBreached: 'An SLA target’s due time passed before it was met (once per target and clock).',
  AlertRaised:
    'Something is faulty (a queue’s DLQ, a SKU out of stock …): notifies operations and opens or comments on the incident for its alert key.',
  LoyaltyPointsChanged:
    'A loyalty ledger entry was written (earn, spend, reverse, refund); carries the new balance.',
  SegmentDefined:
    'Staff created a segment or changed its rule (a new revision); every customer is evaluated against it.',
  SegmentBackfillContinued:
    'The next page of a segment revision’s backfill: where the walk over the customer facts resumes.',
  SegmentEntered: 'A customer became a member of a segment (their facts, a new rule, or time passing).',
  SegmentLeft: 'A customer stopped being a member of a segment (their facts, a new rule, or time passing).',
  CouponRedeemed:
    'A coupon was redeemed: by an order (in its intake transaction) or directly (in-store); both counters moved.',
  CouponRedemptionReleased:
    'A cancelled order gave its coupon redemption back (once): the coupon’s and the customer’s counters went down.',
  CampaignPageDue:
    'The next page of a sending campaign’s segment members is due: where the walk over the members resumes.',
  CustomerErased:
    'Staff erased a customer’s personal data: each context anonymises its own copies; carries the id only.',
};
