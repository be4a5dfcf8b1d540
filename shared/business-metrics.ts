/**
 * The business metrics every context reports: one namespace (`Storeline`), one `service` dimension
 * (`storeline`, whichever function records them) and at most one breakdown dimension with a fixed
 * set of values, so the dashboard and the alarms (generated from this list in
 * `infra/topology/dashboard.ts`) can name every series without a search expression.
 *
 * What each one counts, and who records it, is in docs/operations.md ("Business metrics").
 */
export type BusinessMetricUnit = 'Count' | 'None';

export interface BusinessMetricSpec {
  readonly unit: BusinessMetricUnit;
  /** A breakdown dimension and every value it may take; a series is recorded per value. */
  readonly dimension?: { readonly name: string; readonly values: readonly string[] };
}

/** Currencies order value is reported in; an order in another currency is counted, not valued. */
export const REPORTED_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'] as const;

export const businessMetrics = {
  // OMS
  OrdersPlaced: { unit: 'Count' },
  /** Order value in minor units of the currency (grand total, after discounts, with tax). */
  OrderValue: { unit: 'None', dimension: { name: 'currency', values: REPORTED_CURRENCIES } },
  OrderUnits: { unit: 'Count' },
  OutOfStockRejections: { unit: 'Count' },
  IdempotentReplays: { unit: 'Count' },
  OrdersCancelled: { unit: 'Count' },
  ReturnsReceived: { unit: 'Count' },
  // ERP-lite
  InvoicesIssued: { unit: 'Count' },
  CreditNotesIssued: { unit: 'Count' },
  StockLowCrossings: { unit: 'Count' },
  // Retail marketing
  CouponRedemptions: { unit: 'Count' },
  CouponRejections: {
    unit: 'Count',
    dimension: {
      name: 'reason',
      values: ['COUPON_EXHAUSTED', 'COUPON_LIMIT_REACHED', 'COUPON_NOT_APPLICABLE', 'NOT_FOUND'],
    },
  },
  LoyaltyPointsEarned: { unit: 'Count' },
  LoyaltyPointsSpent: { unit: 'Count' },
  CampaignMessagesSent: { unit: 'Count', dimension: { name: 'channel', values: ['email', 'sms'] } },
  CampaignMessagesSuppressed: {
    unit: 'Count',
    dimension: { name: 'reason', values: ['no-consent', 'no-address', 'failed', 'unconfirmed'] },
  },
  WebhooksAccepted: { unit: 'Count' },
  WebhooksRefused: {
    unit: 'Count',
    dimension: { name: 'reason', values: ['signature', 'validation', 'other'] },
  },
  // ITSM
  TicketsOpened: { unit: 'Count' },
  TicketsResolved: { unit: 'Count' },
  SlaWarnings: { unit: 'Count' },
  SlaBreaches: { unit: 'Count' },
  IncidentsFromAlerts: { unit: 'Count' },
  // Platform
  /** Messages a consumer failed on their last allowed receive: SQS moves them to the DLQ next. */
  DlqArrivals: { unit: 'Count' },
} as const satisfies Record<string, BusinessMetricSpec>;

export type BusinessMetricName = keyof typeof businessMetrics;

/** The breakdown values a metric accepts (`never` when it has no breakdown). */
export type BreakdownOf<N extends BusinessMetricName> = (typeof businessMetrics)[N] extends {
  readonly dimension: { readonly values: readonly (infer V)[] };
}
  ? V
  : never;

/** The `service` dimension of every business metric. */
export const BUSINESS_SERVICE = 'storeline';
export const METRICS_NAMESPACE = 'Storeline';

export type ReportedCurrency = (typeof REPORTED_CURRENCIES)[number];

/** One recorded value of a business metric: with its breakdown value when the metric has one. */
export type BusinessMetricPoint = {
  readonly [N in BusinessMetricName]: { readonly name: N; readonly value: number } & ([
    BreakdownOf<N>,
  ] extends [never]
    ? { readonly breakdown?: undefined }
    : { readonly breakdown: BreakdownOf<N> });
}[BusinessMetricName];
