/**
 * Receipts consumer (queue fed by `InvoiceIssued`): emails the customer their receipt, at most
 * once per invoice (see delivery.ts for the claim, the crash window and the suppressions).
 */
import { consumer } from '#events/consumer.ts';
import { deliverReceipt } from './delivery.ts';

export const receipts = consumer({ name: 'receipts', handlers: { InvoiceIssued: deliverReceipt } });

export const handler = receipts.handler;
