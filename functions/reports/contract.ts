/**
 * The reports' HTTP contract (docs/api.md: `GET /reports/sales?from=&to=`, staff only). Per day and per
 * channel: orders placed, units, revenue and discounts, and cancellations. Money is in minor
 * units per currency, since orders in different currencies cannot be added up.
 */
import * as z from 'zod';
import { OrderChannel } from '#events/orders.ts';
import { type ApiTag, defineRoute } from '#shared/http/contract.ts';
import { queryParams } from '#shared/schemas.ts';
import { getCustomerReport } from './insights-contract.ts';
import { getServiceDeskReportRoute } from './service-desk-contract.ts';

/** The longest range one request may cover, in days (both ends included). */
export const MAX_REPORT_DAYS = 366;

const IsoDate = z.iso.date().meta({ description: 'A UTC calendar day, YYYY-MM-DD', example: '2026-03-01' });

const DAY_MS = 24 * 3600 * 1000;
/** Days from `from` to `to`, both included. */
export const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;

export const SalesQuery = queryParams({ from: IsoDate, to: IsoDate })
  .refine((q) => q.from <= q.to, { message: 'Must not be before `from`', path: ['to'] })
  .refine((q) => daysBetween(q.from, q.to) <= MAX_REPORT_DAYS, {
    message: `A report covers at most ${MAX_REPORT_DAYS} days`,
    path: ['to'],
  });

const MoneyByCurrency = z
  .record(z.string(), z.int())
  .meta({ description: 'Minor units per ISO 4217 currency', example: { EUR: 12990 } });

export const SalesCounters = z
  .object({
    orders: z.int().meta({ description: 'Orders placed' }),
    units: z.int().meta({ description: 'Units on the orders placed' }),
    revenue: MoneyByCurrency.meta({ description: 'Totals of the orders placed (after discounts)' }),
    discounts: MoneyByCurrency.meta({ description: 'Discounts granted on the orders placed' }),
    cancellations: z.int().meta({ description: 'Orders cancelled' }),
    cancelledUnits: z.int(),
    cancelledRevenue: MoneyByCurrency.meta({ description: 'Totals of the orders cancelled' }),
    creditNotes: z.int().meta({ description: 'Credit notes issued, for cancellations and returns alike' }),
    creditedRevenue: MoneyByCurrency.meta({
      description: 'Net amounts (before tax, positive) of every credit note issued; includes cancellations',
    }),
    returnCreditNotes: z.int().meta({ description: 'Credit notes issued for received returns' }),
    returnedRevenue: MoneyByCurrency.meta({
      description: 'Net amounts (before tax, positive) credited for received returns',
    }),
  })
  .meta({ id: 'SalesCounters' });
export type SalesCounters = z.infer<typeof SalesCounters>;

const ByChannel = z.partialRecord(OrderChannel, SalesCounters);

export const SalesDay = SalesCounters.extend({ date: IsoDate, channels: ByChannel }).meta({ id: 'SalesDay' });
export type SalesDay = z.infer<typeof SalesDay>;

export const SalesReport = z
  .object({
    from: IsoDate,
    to: IsoDate,
    totals: SalesCounters.extend({ channels: ByChannel }),
    /** Every day of the range, in order, days without sales included. */
    days: z.array(SalesDay),
  })
  .meta({ id: 'SalesReport' });
export type SalesReport = z.infer<typeof SalesReport>;

export const reportsTag: ApiTag = {
  name: 'reports',
  description:
    'Sales figures, customer insights (RFM, cohorts) and service-desk figures, kept up to date from the order and ticket events, for staff.',
};

export const reportsRoutes = {
  getSalesReport: defineRoute({
    method: 'GET',
    path: '/reports/sales',
    operationId: 'getSalesReport',
    summary: 'Sales per UTC day and channel: orders, units, revenue, discounts, cancellations',
    description:
      `Staff only. \`from\` and \`to\` are UTC days, both included, at most ${MAX_REPORT_DAYS} days apart. ` +
      'Every day of the range is listed, days without sales included. Figures follow the order events, ' +
      'so an order placed a moment ago may take a second or two to be counted. ' +
      'Credit notes count on their UTC issue day: `creditNotes` / `creditedRevenue` cover all of them, ' +
      '`returnCreditNotes` / `returnedRevenue` those for returns. A cancelled order is already in ' +
      '`cancelledRevenue` (its credit note is the same money), so net sales are ' +
      '`revenue − cancelledRevenue − returnedRevenue`; never subtract `creditedRevenue` as well.',
    tag: 'reports',
    access: 'staff',
    query: SalesQuery,
    responses: { 200: { description: 'The report, one entry per day of the range', schema: SalesReport } },
  }),
  getServiceDeskReport: getServiceDeskReportRoute,
  getCustomerReport,
} as const;
