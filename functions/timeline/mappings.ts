/**
 * What each event puts on a customer's timeline: ONE mapping per event type, and nothing else.
 * The consumer's handlers and its topology subscription are both derived from the keys of
 * `timelineMappings`, so putting a new event on the timeline (tickets, coupon redemptions, loyalty)
 * is one entry here — see docs/timeline.md. This module is pure (no table client): the topology
 * imports it to subscribe the consumer.
 *
 * A mapping has a static `kind` (the entry's `type` in the API, stable whatever the event's version)
 * and a `project` function reading the event's newest shape: whose timeline, a short title, the ids
 * it refers to, and who may see it. `project` returns `undefined` when the event concerns no
 * customer (an interaction logged against a lead without one).
 */
import type { EventOf, EventType } from '#events/catalog.ts';

/** `customer`: the customer and staff see the entry; `staff`: staff only (internal notes, audit). */
export type TimelineVisibility = 'customer' | 'staff';
export const TIMELINE_VISIBILITIES = ['customer', 'staff'] as const satisfies readonly TimelineVisibility[];

/** What one event says on a timeline. */
export interface TimelineProjection {
  readonly customerId: string;
  /** One line, for people: at most `MAX_TITLE_LENGTH` characters (longer ones are cut). */
  readonly title: string;
  /** Ids the entry refers to, by name (`orderId`, `invoiceId` …), for links in a client. */
  readonly refs?: Readonly<Record<string, string>>;
  /** `customer` when absent. */
  readonly visibility?: TimelineVisibility;
}

export interface TimelineMapping<T extends EventType> {
  /** The entry's `type` in the API: `<thing>.<what happened>`, lower case. */
  readonly kind: string;
  readonly project: (event: EventOf<T>) => TimelineProjection | undefined;
}

export type TimelineMappings = { readonly [T in EventType]?: TimelineMapping<T> };

export const MAX_TITLE_LENGTH = 200;

const digitsCache = new Map<string, number>();
/** Minor-unit digits of a currency (2 for EUR, 0 for JPY), from the runtime's ICU data. */
function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** `4848, EUR` → `48.48 EUR`; money stays integer minor units until it becomes text here. */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs} ${currency}`;
  const scale = 10 ** digits;
  const whole = Math.floor(abs / scale);
  const fraction = String(abs % scale).padStart(digits, '0');
  return `${sign}${whole}.${fraction} ${currency}`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const itemCount = (lines: readonly { quantity: number }[]): string =>
  plural(
    lines.reduce((n, line) => n + line.quantity, 0),
    'item',
  );
const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const consentSource = { customer: 'by the customer', staff: 'by staff', webhook: 'via the marketing system' };
const customerOrigin = {
  staff: 'by staff',
  order: 'from a first order',
  webhook: 'by the marketing system',
  lead: 'from a converted lead',
};

const LOYALTY_TITLES = {
  earn: 'Earned',
  spend: 'Spent',
  reverse: 'Returned order took back',
  refund: 'Cancelled order gave back',
} as const;

export const timelineMappings = {
  OrderPlaced: {
    kind: 'order.placed',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Order placed: ${itemCount(data.lines)}, ${formatMoney(data.total, data.currency)}`,
      refs: { orderId: data.orderId },
    }),
  },
  OrderShipped: {
    kind: 'order.shipped',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Order shipped with ${data.carrier}, tracking number ${data.trackingNumber}`,
      refs: { orderId: data.orderId },
    }),
  },
  OrderDelivered: {
    kind: 'order.delivered',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: 'Order delivered',
      refs: { orderId: data.orderId },
    }),
  },
  OrderCancelled: {
    kind: 'order.cancelled',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Order cancelled${data.reason ? `: ${data.reason}` : ''}`,
      refs: { orderId: data.orderId },
    }),
  },
  InvoiceIssued: {
    kind: 'invoice.issued',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Invoice ${data.number} issued: ${formatMoney(data.total, data.currency)}`,
      refs: { invoiceId: data.invoiceId, orderId: data.orderId },
    }),
  },
  CreditNoteIssued: {
    kind: 'credit_note.issued',
    project: ({ data }) => ({
      customerId: data.customerId,
      // Credit note amounts are negative (they negate the invoice); the title says "credited".
      title:
        `Credit note ${data.number} issued: ${formatMoney(Math.abs(data.total), data.currency)} credited ` +
        `(${data.reason === 'return' ? 'return' : 'cancellation'})`,
      refs: {
        creditNoteId: data.creditNoteId,
        invoiceId: data.invoiceId,
        orderId: data.orderId,
        ...(data.returnId ? { returnId: data.returnId } : {}),
      },
    }),
  },
  ReturnRequested: {
    kind: 'return.requested',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Return requested: ${itemCount(data.lines)} (${data.reason})`,
      refs: { returnId: data.returnId, orderId: data.orderId },
    }),
  },
  ReturnApproved: {
    kind: 'return.approved',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: 'Return approved',
      refs: { returnId: data.returnId, orderId: data.orderId },
    }),
  },
  ReturnRejected: {
    kind: 'return.rejected',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Return rejected: ${itemCount(data.lines)}`,
      refs: { returnId: data.returnId, orderId: data.orderId },
    }),
  },
  ReturnReceived: {
    kind: 'return.received',
    project: ({ data }) => ({
      customerId: data.customerId,
      // What was scrapped is the warehouse's business, not the customer's.
      title: `Return received: ${itemCount(data.lines)}`,
      refs: { returnId: data.returnId, orderId: data.orderId },
    }),
  },
  CustomerCreated: {
    kind: 'customer.created',
    // The record's own history is an audit trail for the service team.
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Customer record created ${customerOrigin[data.origin]}`,
      visibility: 'staff',
    }),
  },
  CustomerUpdated: {
    kind: 'customer.updated',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Customer record updated by ${data.by}: ${data.changed.join(', ')}`,
      visibility: 'staff',
    }),
  },
  ConsentChanged: {
    kind: 'consent.changed',
    project: ({ data }) => ({
      customerId: data.customerId,
      title:
        `${data.channel === 'sms' ? 'SMS' : 'Email'} marketing consent ` +
        `${data.granted ? 'granted' : 'withdrawn'} ${consentSource[data.source]}`,
    }),
  },
  // The sales pipeline is the sales team's view of a customer: staff only.
  LeadConverted: {
    kind: 'lead.converted',
    project: ({ data }) =>
      data.customerId === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: data.customerCreated
              ? 'Lead converted: opportunity opened, customer record created'
              : 'Lead converted: opportunity opened',
            refs: { leadId: data.leadId, opportunityId: data.opportunityId },
            visibility: 'staff',
          },
  },
  OpportunityCreated: {
    kind: 'opportunity.created',
    project: ({ data }) =>
      data.customerId === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: `Opportunity ${data.name}: ${formatMoney(data.current.amount, data.current.currency)} in ${data.current.stage}`,
            refs: { opportunityId: data.opportunityId },
            visibility: 'staff',
          },
  },
  OpportunityStageChanged: {
    kind: 'opportunity.stage_changed',
    project: ({ data }) =>
      data.customerId === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: `Opportunity moved from ${data.previous.stage} to ${data.current.stage}: ${formatMoney(data.current.amount, data.current.currency)}`,
            refs: { opportunityId: data.opportunityId },
            visibility: 'staff',
          },
  },
  InteractionLogged: {
    kind: 'interaction.logged',
    project: ({ data }) => {
      if (data.customerId === undefined) return undefined;
      const what =
        data.kind === 'call'
          ? [
              data.direction ? `${capitalised(data.direction)} call` : 'Call',
              data.durationSeconds === undefined
                ? ''
                : ` (${plural(Math.max(1, Math.round(data.durationSeconds / 60)), 'min', 'min')})`,
            ].join('')
          : capitalised(data.kind);
      return {
        customerId: data.customerId,
        title: `${what}: ${data.summary}`,
        refs: {
          interactionId: data.interactionId,
          ...(data.subject.type === 'customer' ? {} : { [`${data.subject.type}Id`]: data.subject.id }),
        },
        visibility: data.internal ? 'staff' : 'customer',
      };
    },
  },
  // The move to won is already an `opportunity.stage_changed` entry: this one says what it ordered.
  OpportunityWon: {
    kind: 'opportunity.won',
    project: ({ data }) =>
      data.customerId === undefined || data.order === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: `Opportunity won (${formatMoney(data.amount, data.currency)}): order of ${itemCount(data.order.lines)} requested`,
            refs: { opportunityId: data.opportunityId, orderId: data.order.orderId },
            visibility: 'staff',
          },
  },
  TicketCreated: {
    kind: 'ticket.created',
    project: ({ data }) =>
      data.customerId === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: `Ticket ${data.number} opened (${data.type.replace('_', ' ')}, ${data.priority}): ${data.subject}`,
            refs: {
              ticketId: data.ticketId,
              ...(data.orderId === undefined ? {} : { orderId: data.orderId }),
            },
          },
  },
  TicketStatusChanged: {
    kind: 'ticket.status_changed',
    project: ({ data }) =>
      data.customerId === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: `Ticket ${data.number} moved from ${data.from} to ${data.to}`,
            refs: { ticketId: data.ticketId },
          },
  },
  // Internal: how the desk performs is the desk's business, not the customer's.
  TicketSlaBreached: {
    kind: 'ticket.sla_breached',
    project: ({ data }) =>
      data.customerId === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: `Ticket ${data.number} missed its ${data.target} target (due ${data.dueAt})`,
            refs: { ticketId: data.ticketId },
            visibility: 'staff',
          },
  },
  TicketResolved: {
    kind: 'ticket.resolved',
    project: ({ data }) =>
      data.customerId === undefined
        ? undefined
        : {
            customerId: data.customerId,
            title: `Ticket ${data.number} resolved`,
            refs: { ticketId: data.ticketId },
          },
  },
  LoyaltyPointsChanged: {
    kind: 'loyalty.points_changed',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `${LOYALTY_TITLES[data.kind]} ${plural(Math.abs(data.points), 'point', 'points')}; balance ${data.balance}`,
      refs: {
        entryId: data.entryId,
        ...(data.orderId === undefined ? {} : { orderId: data.orderId }),
        ...(data.returnId === undefined ? {} : { returnId: data.returnId }),
      },
    }),
  },
  CouponRedeemed: {
    kind: 'coupon.redeemed',
    project: ({ data }) => ({
      customerId: data.customerId,
      title:
        `Coupon ${data.code} redeemed` +
        (data.discount !== undefined && data.currency !== undefined
          ? `: ${formatMoney(data.discount, data.currency)} off`
          : data.source === 'direct'
            ? ' in store'
            : ''),
      refs: {
        redemptionId: data.redemptionId,
        ...(data.orderId === undefined ? {} : { orderId: data.orderId }),
      },
    }),
  },
  CouponRedemptionReleased: {
    kind: 'coupon.redemption_released',
    project: ({ data }) => ({
      customerId: data.customerId,
      title: `Coupon ${data.code} given back: its order was cancelled`,
      refs: {
        redemptionId: data.redemptionId,
        ...(data.orderId === undefined ? {} : { orderId: data.orderId }),
      },
    }),
  },
} as const satisfies TimelineMappings;

/** The event types on the timeline: exactly the keys of `timelineMappings`. */
export type TimelineEventType = keyof typeof timelineMappings;

const isTimelineEventType = (type: string): type is TimelineEventType =>
  Object.hasOwn(timelineMappings, type);

/** The event types the timeline consumer handles and subscribes to, in mapping order. */
export const timelineEventTypes: readonly TimelineEventType[] =
  Object.keys(timelineMappings).filter(isTimelineEventType);

/** The mapping of one type, typed for that type's event. */
export function timelineMappingOf<T extends TimelineEventType>(type: T): TimelineMapping<T> {
  const mappings: { readonly [K in TimelineEventType]: TimelineMapping<K> } = timelineMappings;
  return mappings[type];
}

/** The entry kinds, for the API documentation. */
export const timelineKinds: readonly string[] = timelineEventTypes.map(
  (type) => timelineMappingOf(type).kind,
);

/** A timeline entry as projected from one event (before it gets its keys). */
export interface TimelineEntry {
  readonly customerId: string;
  readonly eventId: string;
  readonly eventType: TimelineEventType;
  readonly kind: string;
  /** The event's `occurredAt`, normalised to `toISOString()` so entries sort as text. */
  readonly at: string;
  readonly title: string;
  readonly refs: Readonly<Record<string, string>>;
  readonly visibility: TimelineVisibility;
}

const cut = (title: string): string =>
  title.length <= MAX_TITLE_LENGTH ? title : `${title.slice(0, MAX_TITLE_LENGTH - 1)}…`;

/** The entry an event projects to, or undefined when it concerns no customer. */
export function timelineEntryOf<T extends TimelineEventType>(event: EventOf<T>): TimelineEntry | undefined {
  // `type` is the literal of this very event's schema, i.e. T: TypeScript cannot see through the
  // generic schema lookup.
  const type = event.type as T;
  const mapping = timelineMappingOf(type);
  const projection = mapping.project(event);
  if (!projection) return undefined;
  return {
    customerId: projection.customerId,
    eventId: event.id,
    eventType: type,
    kind: mapping.kind,
    at: new Date(event.occurredAt).toISOString(),
    title: cut(projection.title),
    refs: projection.refs ?? {},
    visibility: projection.visibility ?? 'customer',
  };
}
