/**
 * The authorisation matrix as data: for every route of `./routes.ts` (by operationId), who may call
 * it and how ownership is checked. The route's own `access` is what the edge enforces (401 without a
 * token, 403 for a customer on a staff route); this matrix adds what the domain enforces (whose
 * resource, compared how, and what someone else gets). A unit test checks that the two agree and
 * that no route is missing; `tests/e2e/authorization-matrix.test.ts` walks every route against the
 * local runtime; docs/security.md renders it (`node scripts/gen-authz-docs.ts`).
 */
import type { Access } from '#shared/http/contract.ts';
import type { routeContracts } from './routes.ts';

/**
 * Who may call a route:
 * - `anyone`: no token (`access: 'public'`);
 * - `signed-webhook`: no token, an HMAC signature the handler checks (`access: 'signed'`);
 * - `customer-self`: any signed-in caller; a customer acts on what is theirs, staff on anyone's
 *   (`access: 'authenticated'`);
 * - `staff`: staff only; a customer's token is 403 at the edge (`access: 'staff'`).
 */
export type Caller = 'anyone' | 'signed-webhook' | 'customer-self' | 'staff';

/** The route `access` each caller class is enforced by. */
export const accessOf: Readonly<Record<Caller, Access>> = {
  anyone: 'public',
  'signed-webhook': 'signed',
  'customer-self': 'authenticated',
  staff: 'staff',
};

/**
 * How a customer-self route decides what is the caller's:
 * - `path`: a path parameter is the customer id itself, compared with the token's `sub`;
 * - `resource`: the resource the path parameter names (or, `via`, the order it belongs to) carries
 *   `field`, compared with the token's `sub`;
 * - `query`: a query parameter names the owner (absent: the caller);
 * - `body`: a body member names the customer acted for (absent: the caller);
 * - `caller`: the route serves the caller's own data only; there is nothing to name;
 * - `shared`: a resource every signed-in caller reads (products): see `visibility`.
 */
export type Ownership =
  | { readonly kind: 'path'; readonly param: string; readonly nonOwner: 404 }
  | {
      readonly kind: 'resource';
      readonly param: string;
      /** The resource read to find the owner, e.g. `order`. */
      readonly resource: string;
      /** The member compared with the caller's `sub`. */
      readonly field: string;
      readonly nonOwner: 404;
    }
  | {
      readonly kind: 'query';
      readonly param: string;
      /** When the parameter names a resource (an order), the member compared. */
      readonly field?: string;
      readonly nonOwner: 403 | 404;
    }
  | {
      readonly kind: 'body';
      readonly member: string;
      readonly nonOwner: 403;
      /** A second member naming a resource whose owner is checked too (`orderId` → 404). */
      readonly resourceMember?: { readonly member: string; readonly field: string; readonly nonOwner: 404 };
    }
  | { readonly kind: 'caller' }
  | { readonly kind: 'shared'; readonly visibility: string };

export interface RouteAuthorization {
  readonly who: Caller;
  /** Customer-self routes only. */
  readonly ownership?: Ownership;
  /** Anything else a customer is refused or not shown, in a sentence. */
  readonly note?: string;
}

type OperationId = (typeof routeContracts)[number]['operationId'];

const staff: RouteAuthorization = { who: 'staff' };
const anyone: RouteAuthorization = { who: 'anyone' };
const selfByPath = (param = 'id'): RouteAuthorization => ({
  who: 'customer-self',
  ownership: { kind: 'path', param, nonOwner: 404 },
});
const ownedResource = (resource: string, field = 'customerId', param = 'id'): RouteAuthorization => ({
  who: 'customer-self',
  ownership: { kind: 'resource', param, resource, field, nonOwner: 404 },
});

/** Every route, by operationId. The type makes a missing or unknown operationId a compile error. */
export const authorizationMatrix: Readonly<Record<OperationId, RouteAuthorization>> = {
  // platform
  getHealth: anyone,
  getOpenApi: anyone,
  // catalogue
  putProduct: staff,
  getProduct: {
    who: 'customer-self',
    ownership: {
      kind: 'shared',
      visibility:
        'every signed-in caller; customers see `stock.available` only when the deployment sets `CUSTOMER_STOCK_VIEW=available`',
    },
  },
  recordStockMovement: staff,
  listStockMovements: staff,
  // orders
  placeOrder: {
    who: 'customer-self',
    ownership: { kind: 'body', member: 'customerId', nonOwner: 403 },
    note: 'Coupons and points are redeemed for the order’s customer only',
  },
  getOrder: ownedResource('order'),
  listOrders: { who: 'customer-self', ownership: { kind: 'query', param: 'customerId', nonOwner: 403 } },
  cancelOrder: ownedResource('order'),
  shipOrder: staff,
  deliverOrder: staff,
  // reports
  getSalesReport: staff,
  getServiceDeskReport: staff,
  getCustomerReport: staff,
  // timeline
  getCustomerTimeline: {
    ...selfByPath(),
    note: 'Customers get the customer view: internal entries (staff notes, interactions) are left out',
  },
  // customers
  createCustomer: staff,
  getCustomer: selfByPath(),
  listCustomers: staff,
  updateCustomer: { ...selfByPath(), note: 'Customers change name, phone and consent; email is staff only' },
  logInteraction: staff,
  addCustomerNote: staff,
  listInteractions: staff,
  exportCustomer: {
    ...selfByPath(),
    note: 'Customers get their own data without staff-internal interactions and comments',
  },
  eraseCustomer: { ...staff, note: 'Irreversible: personal fields anonymised in every context' },
  // returns
  openReturn: ownedResource('order'),
  listOrderReturns: ownedResource('order'),
  getReturn: ownedResource('return'),
  approveReturn: staff,
  rejectReturn: staff,
  receiveReturn: staff,
  // pipeline
  createLead: staff,
  getLead: staff,
  listLeads: staff,
  convertLead: staff,
  getOpportunity: staff,
  updateOpportunity: staff,
  listOpportunities: staff,
  logLeadActivity: staff,
  listLeadActivities: staff,
  logOpportunityActivity: staff,
  listOpportunityActivities: staff,
  getPipelineReport: staff,
  // webhooks
  receiveMarketingWebhook: { who: 'signed-webhook' },
  // invoices
  getInvoice: ownedResource('invoice'),
  listInvoices: {
    who: 'customer-self',
    ownership: { kind: 'query', param: 'orderId', field: 'order.customerId', nonOwner: 404 },
  },
  // replenishment
  listReplenishments: staff,
  dismissReplenishment: staff,
  createPurchaseOrder: staff,
  getPurchaseOrder: staff,
  listPurchaseOrders: staff,
  sendPurchaseOrder: staff,
  cancelPurchaseOrder: staff,
  receivePurchaseOrder: staff,
  // receipts
  sendReceipt: ownedResource('invoice'),
  // loyalty
  getCustomerLoyalty: selfByPath(),
  // segments
  putSegment: staff,
  getSegment: staff,
  listSegments: staff,
  listSegmentMembers: staff,
  // coupons
  putCoupon: staff,
  getCoupon: staff,
  listCouponRedemptions: staff,
  redeemCoupon: {
    who: 'customer-self',
    ownership: { kind: 'body', member: 'customerId', nonOwner: 403 },
    note: 'The answer names the caller’s redemption only, never the coupon’s totals',
  },
  // tickets
  createTicket: {
    who: 'customer-self',
    ownership: {
      kind: 'body',
      member: 'customerId',
      nonOwner: 403,
      resourceMember: { member: 'orderId', field: 'order.customerId', nonOwner: 404 },
    },
    note: 'Only staff route a ticket to a group or assignee (403)',
  },
  listMyTickets: { who: 'customer-self', ownership: { kind: 'caller' } },
  listTickets: staff,
  getTicket: { ...ownedResource('ticket'), note: 'Customers never see internal comments' },
  updateTicket: staff,
  commentOnTicket: {
    ...ownedResource('ticket'),
    note: 'Only staff write internal comments (403)',
  },
  addChecklistItem: staff,
  tickChecklistItem: staff,
  approveChange: staff,
  // campaigns
  createCampaign: staff,
  getCampaign: staff,
  listCampaigns: staff,
  cancelCampaign: staff,
};

/** The matrix entry of an operation, or undefined for a route the matrix does not know. */
export const authorizationOf = (operationId: string): RouteAuthorization | undefined =>
  (authorizationMatrix as Readonly<Record<string, RouteAuthorization>>)[operationId];

const callerLabel: Readonly<Record<Caller, string>> = {
  anyone: 'anyone',
  'signed-webhook': 'signed webhook',
  'customer-self': 'customer (own) + staff',
  staff: 'staff',
};

/** The ownership column in words. */
export function describeOwnership(auth: RouteAuthorization): string {
  const o = auth.ownership;
  if (!o) return auth.who === 'staff' ? 'customer: 403' : '—';
  switch (o.kind) {
    case 'path':
      return `path \`${o.param}\` = token \`sub\`; other: ${o.nonOwner}`;
    case 'resource':
      return `${o.resource} \`{${o.param}}\`.\`${o.field}\` = \`sub\`; other: ${o.nonOwner}`;
    case 'query':
      return `query \`${o.param}\`${o.field ? ` → \`${o.field}\`` : ''} = \`sub\` (absent: caller); other: ${o.nonOwner}`;
    case 'body': {
      const extra = o.resourceMember
        ? `; \`${o.resourceMember.member}\` → \`${o.resourceMember.field}\` = \`sub\`, other: ${o.resourceMember.nonOwner}`
        : '';
      return `body \`${o.member}\` = \`sub\` (absent: caller); other: ${o.nonOwner}${extra}`;
    }
    case 'caller':
      return 'the caller’s own only';
    case 'shared':
      return `shared: ${o.visibility}`;
  }
}

/** The matrix as a Markdown table, in route order. */
export function renderAuthorizationTable(
  routes: readonly { operationId: string; method: string; path: string }[],
): string {
  const lines = ['| route | operationId | who | ownership | also |', '|---|---|---|---|---|'];
  for (const route of routes) {
    const auth = authorizationOf(route.operationId);
    if (!auth) throw new Error(`${route.operationId}: not in the authorisation matrix`);
    lines.push(
      `| \`${route.method} ${route.path}\` | ${route.operationId} | ${callerLabel[auth.who]} | ${describeOwnership(auth)} | ${auth.note ?? ''} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
