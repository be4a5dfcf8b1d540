/** Reports API: thin handler over the sales counters (read only). */
import { httpApi, json } from '#shared/http/handler.ts';
import { reportsRoutes } from './contract.ts';
import { readSalesReport } from './sales.ts';

export const handler = httpApi(reportsRoutes, {
  getSalesReport: async ({ query }) => json(await readSalesReport(query.from, query.to)),
});
