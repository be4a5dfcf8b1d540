/** Reports API: thin handler over the sales, customer-insights and service-desk counters (read only). */
import { httpApi, json } from '#shared/http/handler.ts';
import { reportsRoutes } from './contract.ts';
import { readCustomerInsights } from './customer-insights.ts';
import { readSalesReport } from './sales.ts';
import { readServiceDeskReport } from './service-desk.ts';

export const handler = httpApi(reportsRoutes, {
  getSalesReport: async ({ query }) => json(await readSalesReport(query.from, query.to)),
  getServiceDeskReport: async ({ query }) => json(await readServiceDeskReport(query.from, query.to)),
  getCustomerReport: async ({ query }) =>
    json(await readCustomerInsights(query.currency, query.months, new Date().toISOString())),
});
