/** Receipts API: thin handler over the resend. */
import { httpApi, json } from '#shared/http/handler.ts';
import { receiptRoutes } from './contract.ts';
import { resendReceipt } from './delivery.ts';

export const handler = httpApi(receiptRoutes, {
  // Ownership is checked in the domain: another customer's document is "not found".
  sendReceipt: async ({ params, principal }) => json(await resendReceipt(principal, params.id), 202),
});
