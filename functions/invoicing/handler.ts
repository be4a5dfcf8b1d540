/** Invoices API: thin handler over the document queries (read only). */
import { httpApi, json } from '#shared/http/handler.ts';
import { invoiceRoutes } from './contract.ts';
import { getInvoiceFor, invoiceView, listInvoicesFor } from './queries.ts';

export const handler = httpApi(invoiceRoutes, {
  // Ownership is checked in the domain: another customer's document is "not found".
  getInvoice: async ({ params, principal }) => json(invoiceView(await getInvoiceFor(principal, params.id))),
  listInvoices: async ({ query, principal }) => {
    const page = await listInvoicesFor(principal, query);
    return json({ items: page.items.map(invoiceView), nextCursor: page.nextCursor });
  },
});
