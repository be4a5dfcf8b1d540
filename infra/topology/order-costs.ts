/**
 * What one order costs AWS, per million orders and per service, for the dashboard's cost-per-order
 * widget (`dashboardOf`, metric math on `OrdersPlaced`). Data only: the bench may overwrite this file
 * with the figures of its latest run.
 *
 * Source: docs/performance.md, row "cost: 1-line order" (bench/run.ts, us-east-1 on-demand list
 * prices of `cost.prices` in bench/results.json): DynamoDB 8 WCU billed + 0.5 RCU on a price-cache
 * miss, Lambda arm64 at 1,024 MB for the measured p50, one HTTP API request. Downstream consumers,
 * EventBridge and SQS are not included, so these are a lower bound of an order's full cost.
 */
export interface OrderUnitCosts {
  /** Where the figures come from (a doc row, a bench run). */
  readonly source: string;
  /** US dollars per million orders, by service. */
  readonly usdPerMillionOrders: Readonly<Record<'dynamodb' | 'lambda' | 'httpApi', number>>;
}

export const orderUnitCosts: OrderUnitCosts = {
  source: 'docs/performance.md "cost: 1-line order" (bench, us-east-1 on-demand list prices)',
  usdPerMillionOrders: { dynamodb: 5.06, lambda: 1.39, httpApi: 1.0 },
};
