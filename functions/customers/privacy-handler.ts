/**
 * Customer data export and erasure (GDPR art. 15, 17 and 20): a thin handler of its own, so the
 * customers function does not bundle every context these read and anonymise.
 */
import { httpApi, json } from '#shared/http/handler.ts';
import { customerPrivacyRoutes } from './contract.ts';
import { eraseCustomer } from './erasure.ts';
import { exportCustomerFor } from './export.ts';
import { customerView, etagOf } from './service.ts';

export const handler = httpApi(customerPrivacyRoutes, {
  exportCustomer: async ({ params, principal }) => json(await exportCustomerFor(principal, params.id)),
  // Erasure is idempotent by itself: the key is accepted, a repeat answers the erased record.
  eraseCustomer: async ({ params, principal, requestId }) => {
    const customer = await eraseCustomer({ id: params.id, by: principal.sub, correlationId: requestId });
    return json(customerView(customer), 200, { etag: etagOf(customer) });
  },
});
