/**
 * The customer-insights report's HTTP contract (`GET /reports/customers?currency=&months=`, staff
 * only): RFM scores, cells and named segments, and the monthly cohort table, per currency.
 * Served by the reports function; the route is listed in `reportsRoutes` (contract.ts).
 */
import * as z from 'zod';
import { defineRoute } from '#shared/http/contract.ts';
import { Currency, IsoTimestamp, queryInt, queryParams } from '#shared/schemas.ts';
import { RFM_SEGMENTS } from './insights.ts';

/** The most cohort months one report lists (three years). */
export const MAX_COHORT_MONTHS = 36;
export const DEFAULT_COHORT_MONTHS = 12;

export const CustomerReportQuery = queryParams({
  currency: Currency.meta({ description: 'The currency (market) whose customers are reported' }),
  months: queryInt(1, MAX_COHORT_MONTHS)
    .default(DEFAULT_COHORT_MONTHS)
    .meta({
      description: `Cohort months listed, the current UTC month included: 1 to ${MAX_COHORT_MONTHS}, ${DEFAULT_COHORT_MONTHS} when absent`,
    }),
});

const Month = z
  .string()
  .regex(/^\d{4}-\d{2}$/)
  .meta({ description: 'A UTC month, YYYY-MM', example: '2026-03' });
const ScoreValue = z.int().min(1).max(5);
const Segment = z.enum(RFM_SEGMENTS);

/** Every segment named, each with its customers (an object, so OpenAPI lists the names). */
const SegmentCounts = z
  .object({
    champions: z.int(),
    loyal_customers: z.int(),
    potential_loyalists: z.int(),
    new_customers: z.int(),
    promising: z.int(),
    need_attention: z.int(),
    about_to_sleep: z.int(),
    at_risk: z.int(),
    cannot_lose_them: z.int(),
    hibernating: z.int(),
  } satisfies Record<(typeof RFM_SEGMENTS)[number], z.ZodInt>)
  .meta({ description: 'Customers per named segment, every segment listed' });

const ValueRange = z.object({
  score: ScoreValue,
  customers: z.int(),
  min: z.int().nullable().meta({ description: 'Lowest value with this score; null means "0 or less"' }),
  max: z.int().meta({ description: 'Highest value with this score' }),
});

export const CustomerReport = z
  .object({
    currency: Currency,
    asOf: IsoTimestamp.meta({ description: 'When the report was read' }),
    rfm: z.object({
      customers: z.int().meta({ description: 'Customers with at least one live (not cancelled) order' }),
      scores: z.object({
        recency: z
          .array(
            z.object({
              score: ScoreValue,
              customers: z.int(),
              lastOrderFrom: Month,
              lastOrderTo: Month,
            }),
          )
          .meta({ description: 'Last-order months per recency score (5 = most recent)' }),
        frequency: z.array(ValueRange).meta({ description: 'Live orders per frequency score' }),
        monetary: z
          .array(ValueRange)
          .meta({ description: 'Spend (minor units, net of cancellations and returns) per monetary score' }),
      }),
      cells: z
        .array(
          z.object({
            recency: ScoreValue,
            frequency: ScoreValue,
            monetary: ScoreValue,
            segment: Segment,
            customers: z.int(),
          }),
        )
        .meta({ description: 'Non-empty RFM cells, best first' }),
      segments: SegmentCounts,
    }),
    cohorts: z
      .array(
        z.object({
          cohort: Month.meta({ description: 'First-order month' }),
          customers: z.int().meta({ description: 'Customers whose first order was that month' }),
          retained: z
            .array(z.int())
            .meta({ description: '`retained[i]`: those of them who ordered in month cohort + i' }),
        }),
      )
      .meta({ description: 'One row per month of the range, oldest first, empty months included' }),
  })
  .meta({ id: 'CustomerReport' });
export type CustomerReport = z.infer<typeof CustomerReport>;

export const getCustomerReport = defineRoute({
  method: 'GET',
  path: '/reports/customers',
  operationId: 'getCustomerReport',
  summary: 'Customer insights: RFM scores and segments, monthly cohorts, per currency',
  description:
    'Staff only. Per currency (a customer ordering in two currencies is in both reports). ' +
    '**RFM**: recency (last-order month), frequency (live orders) and monetary (spend net of ' +
    'cancellations and returns) scored 1–5 by quintile of the customers with a live order; ties share ' +
    'the quintile of their mid-rank. Scores come from histograms (recency by calendar month; frequency ' +
    'and monetary exact to 16, then buckets at most 19 % wide), so customers in one bucket are tied. ' +
    'Segments map (R, ⌈(F+M)/2⌉) to names (champions, loyal_customers, potential_loyalists, ' +
    'new_customers, promising, need_attention, about_to_sleep, at_risk, cannot_lose_them, hibernating; ' +
    'README "Retail marketing"). **Cohorts**: customers by first-order month; `retained[i]` counts ' +
    'those who placed an order in the i-th following month (cancelled orders still count as ordering). ' +
    'Figures follow the order events and may lag by a second or two.',
  tag: 'reports',
  access: 'staff',
  query: CustomerReportQuery,
  responses: { 200: { description: 'The report', schema: CustomerReport } },
});
