/**
 * The receipt record: one per invoice (or credit note) that was emailed, the at-most-once guard of
 * the automatic eReceipt and the log of resends. This module owns its key and stored shape; every
 * write carries a condition.
 *
 * | item    | pk                    | sk        | GSI |
 * |---------|-----------------------|-----------|-----|
 * | receipt | `RECEIPT#<invoiceId>` | `RECEIPT` | —   |
 *
 * - **Claimed** (`status: sending`) by the receipts consumer *before* it calls SES, with
 *   `attribute_not_exists`: whoever claims it sends, nobody else does (at most once per invoice).
 * - **Sent** (`sent`, with SES's message id) after SES accepted it, conditioned on the claim being
 *   the consumer's own (`claimedBy` = the InvoiceIssued event id).
 * - **Failed** (`failed`, with SES's reason) when SES refused it for good (e.g. an unverified
 *   recipient in the SES sandbox); **released** (deleted) when SES throttled it, so a retry sends.
 * - A claim that stays `sending` is the crash window: the function died (or SES did not answer)
 *   after the claim and before the outcome was written; the receipt may or may not have gone out,
 *   and it is not sent again automatically. `POST /invoices/{id}/send` sends it on request.
 * - **Resends** (`POST /invoices/{id}/send`) count up `resends` and keep the last message id,
 *   creating the record when there was none (the automatic receipt then never goes: the customer
 *   already has one).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import { cancellationCodes, type TransactWrite } from '#shared/transactions.ts';

export const receiptKey = (invoiceId: string) => ({ pk: `RECEIPT#${invoiceId}`, sk: 'RECEIPT' }) as const;

export const ReceiptStatus = z.enum(['sending', 'sent', 'failed']);
export type ReceiptStatus = z.infer<typeof ReceiptStatus>;

export const ReceiptRecord = z.object({
  invoiceId: z.string(),
  number: z.string(),
  customerId: z.string(),
  status: ReceiptStatus,
  /** The InvoiceIssued event id whose delivery claimed it (absent when a resend created it). */
  claimedBy: z.string().optional(),
  claimedAt: z.string().optional(),
  /** SES's message id of the automatic receipt. */
  messageId: z.string().optional(),
  sentAt: z.string().optional(),
  /** Why SES refused it (status `failed`). */
  failure: z.string().optional(),
  resends: z.int().min(0).default(0),
  lastMessageId: z.string().optional(),
  lastSentAt: z.string().optional(),
  lastRequestedBy: z.string().optional(),
});
export type Receipt = z.infer<typeof ReceiptRecord>;

/** The receipt record of an invoice (strongly consistent), or undefined when none was sent. */
export async function getReceipt(invoiceId: string): Promise<Receipt | undefined> {
  const out = await ddb.send(
    new GetCommand({ TableName: tableName, Key: receiptKey(invoiceId), ConsistentRead: true }),
  );
  return out.Item ? ReceiptRecord.parse(out.Item) : undefined;
}

/**
 * Claims the invoice's receipt for one delivery of its InvoiceIssued event: true when this call
 * created the claim, false when the invoice already has a receipt record (sent, being sent, or
 * resent on request).
 */
export async function claimReceipt(claim: {
  invoiceId: string;
  number: string;
  customerId: string;
  eventId: string;
  at: string;
}): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...receiptKey(claim.invoiceId),
          entity: 'Receipt',
          invoiceId: claim.invoiceId,
          number: claim.number,
          customerId: claim.customerId,
          status: 'sending',
          claimedBy: claim.eventId,
          claimedAt: claim.at,
          resends: 0,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** The claim's outcome `sent`, as a write for the consumer's transaction (with its marker). */
export function receiptSentUpdate(
  invoiceId: string,
  eventId: string,
  messageId: string,
  at: string,
): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: receiptKey(invoiceId),
      UpdateExpression: 'SET #status = :sent, messageId = :id, sentAt = :at',
      ConditionExpression: 'claimedBy = :event',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'sent', ':id': messageId, ':at': at, ':event': eventId },
    },
  };
}

/** The claim's outcome `failed` (refused for good), as a write for the consumer's transaction. */
export function receiptFailedUpdate(invoiceId: string, eventId: string, failure: string): TransactWrite {
  return {
    Update: {
      TableName: tableName,
      Key: receiptKey(invoiceId),
      UpdateExpression: 'SET #status = :failed, failure = :failure',
      ConditionExpression: 'claimedBy = :event AND #status = :sending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':failed': 'failed',
        ':failure': failure.slice(0, 1000),
        ':event': eventId,
        ':sending': 'sending',
      },
    },
  };
}

/** Gives a claim up (SES throttled: nothing was sent), so the retried delivery claims it again. */
export async function releaseReceipt(invoiceId: string, eventId: string): Promise<void> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: tableName,
        Key: receiptKey(invoiceId),
        ConditionExpression: 'claimedBy = :event AND #status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':event': eventId, ':sending': 'sending' },
      }),
    );
  } catch (error) {
    // Someone resent it meanwhile: their record stays.
    if ((error as Error).name !== 'ConditionalCheckFailedException' && !cancellationCodes(error)) throw error;
  }
}

/** Records a resend on request: `sent`, one more resend, its message id; creates the record if none. */
export async function recordResend(resend: {
  invoiceId: string;
  number: string;
  customerId: string;
  messageId: string;
  at: string;
  by: string;
}): Promise<Receipt> {
  const out = await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: receiptKey(resend.invoiceId),
      UpdateExpression:
        'SET entity = :entity, invoiceId = :invoiceId, #number = :number, customerId = :customerId, ' +
        '#status = :sent, lastMessageId = :id, lastSentAt = :at, lastRequestedBy = :by ' +
        'ADD resends :one',
      // The record, if any, is this invoice's.
      ConditionExpression: 'attribute_not_exists(pk) OR invoiceId = :invoiceId',
      ExpressionAttributeNames: { '#status': 'status', '#number': 'number' },
      ExpressionAttributeValues: {
        ':entity': 'Receipt',
        ':invoiceId': resend.invoiceId,
        ':number': resend.number,
        ':customerId': resend.customerId,
        ':sent': 'sent',
        ':id': resend.messageId,
        ':at': resend.at,
        ':by': resend.by,
        ':one': 1,
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return ReceiptRecord.parse(out.Attributes);
}
