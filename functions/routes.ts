/**
 * Every HTTP route contract, grouped by the function that serves it. The topology gives each group
 * to its function; the OpenAPI document the platform function serves is generated from this same
 * object, so the document and the deployed routes cannot drift (a test compares them with the
 * topology). A new context adds its group here, its tag to `apiMeta.tags`, and names it in its
 * topology entry. docs/api.md and functions/platform/openapi.json are generated from the same
 * contracts (`node scripts/gen-api-docs.ts`; unit tests fail when either is stale).
 */
import type { ApiMeta } from '#shared/http/openapi.ts';
import { campaignRoutes, campaignsTag } from './campaigns/contract.ts';
import { catalogRoutes, catalogTag } from './catalog/contract.ts';
import { couponRoutes, couponsTag } from './coupons/contract.ts';
import { customerPrivacyRoutes, customerRoutes, customersTag } from './customers/contract.ts';
import { invoiceRoutes, invoicesTag } from './invoicing/contract.ts';
import { loyaltyRoutes, loyaltyTag } from './loyalty/contract.ts';
import { orderRoutes, ordersTag } from './orders/contract.ts';
import { pipelineRoutes, pipelineTag } from './pipeline/contract.ts';
import { platformRoutes, platformTag } from './platform/contract.ts';
import { receiptRoutes, receiptsTag } from './receipts/contract.ts';
import { replenishmentRoutes, replenishmentTag } from './replenishment/contract.ts';
import { reportsRoutes, reportsTag } from './reports/contract.ts';
import { returnRoutes, returnsTag } from './returns/contract.ts';
import { segmentRoutes, segmentsTag } from './segments/contract.ts';
import { ticketChangeRoutes } from './tickets/change-contract.ts';
import { ticketRoutes } from './tickets/contract.ts';
import { ticketQueryRoutes } from './tickets/query-contract.ts';
import { ticketsTag } from './tickets/schemas.ts';
import { timelineRoutes, timelineTag } from './timeline/contract.ts';
import { webhookRoutes, webhooksTag } from './webhooks/contract.ts';

export const httpRoutes = {
  platform: platformRoutes,
  catalog: catalogRoutes,
  orders: orderRoutes,
  reports: reportsRoutes,
  timeline: timelineRoutes,
  customers: customerRoutes,
  customerPrivacy: customerPrivacyRoutes,
  returns: returnRoutes,
  pipeline: pipelineRoutes,
  webhooks: webhookRoutes,
  invoices: invoiceRoutes,
  replenishment: replenishmentRoutes,
  receipts: receiptRoutes,
  loyalty: loyaltyRoutes,
  segments: segmentRoutes,
  coupons: couponRoutes,
  tickets: ticketRoutes,
  ticketQueries: ticketQueryRoutes,
  ticketChanges: ticketChangeRoutes,
  campaigns: campaignRoutes,
} as const;

/** Every route contract, in declaration order. */
export const routeContracts = Object.values(httpRoutes).flatMap((group) => Object.values(group));

/** What the OpenAPI document says about itself: title, licence, servers and tags. */
export const apiMeta: ApiMeta = {
  info: {
    title: 'Storeline API',
    version: '1.0.0',
    description:
      'Orders, stock and sales reports. JSON in and out; errors are RFC 9457 problem+json with a stable `code`. ' +
      'The guide (conventions, authentication, errors, idempotency, paging) is docs/api.md in the repository.',
    contact: { name: 'Storeline maintainers' },
    // The package is private and carries no open-source licence; SPDX's `LicenseRef-` form names a
    // licence of one's own without inventing a public one.
    license: { name: 'Proprietary', identifier: 'LicenseRef-Storeline-Proprietary' },
  },
  servers: [
    // Relative: the document is served by the API it describes, locally and in AWS alike.
    { url: '/', description: 'The host serving this document (locally http://localhost:3000)' },
  ],
  tags: [
    platformTag,
    catalogTag,
    ordersTag,
    reportsTag,
    timelineTag,
    customersTag,
    returnsTag,
    pipelineTag,
    webhooksTag,
    invoicesTag,
    replenishmentTag,
    receiptsTag,
    loyaltyTag,
    segmentsTag,
    couponsTag,
    ticketsTag,
    campaignsTag,
  ],
};
