/**
 * Outbound messages: email through SES v2 `SendEmail`, SMS and ops notifications through SNS
 * `Publish`. One function per kind, each answering the provider's message id; what a function may
 * send is declared in its topology entry (`sends`), which sets `MAIL_FROM` / `OPS_TOPIC_ARN` and
 * the IAM grant. Clients are created once per container; endpoints come from the standard
 * `AWS_ENDPOINT_URL_SESV2` / `AWS_ENDPOINT_URL_SNS` variables, which the local runtime points at
 * its mailbox (infra/local/messaging.ts): handler code never knows where it runs.
 *
 * Nothing here checks consent or opt-outs: that is the caller's rule (`mayMarket` for marketing).
 * `category` says which kind of message it is, so the mailbox, SES tags and SNS's SMS type
 * (`Transactional` or `Promotional`) record it.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkClientConfig } from './faults.ts';

/** Transactional (receipts, account notices: no consent needed) or marketing (consent required). */
export type MessageCategory = 'transactional' | 'marketing';

/** Why a message was sent, e.g. `{ invoiceId: '01J…' }` or `{ campaignId: '…' }`. */
export type MessageTags = Readonly<Record<string, string>>;

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string | undefined;
  readonly category: MessageCategory;
  readonly tags?: MessageTags | undefined;
}

export interface SmsMessage {
  /** E.164 (`+442079460958`); see `e164`. */
  readonly to: string;
  readonly text: string;
  readonly category: MessageCategory;
  readonly tags?: MessageTags | undefined;
}

export type OpsSeverity = 'info' | 'warning' | 'critical';

export interface OpsNotification {
  /** At most 100 characters (SNS's limit); longer subjects are cut with an ellipsis. */
  readonly subject: string;
  readonly message: string;
  readonly severity: OpsSeverity;
  readonly tags?: MessageTags | undefined;
}

/** The tag (SES) or message attribute (SNS) carrying the category. */
export const CATEGORY_TAG = 'category';
/** The SNS message attribute carrying an ops notification's severity. */
export const SEVERITY_ATTRIBUTE = 'severity';
/** SNS's SMS type attribute: `Transactional` is delivered with priority, `Promotional` cheaper. */
export const SMS_TYPE_ATTRIBUTE = 'AWS.SNS.SMS.SMSType';
export const SMS_TYPES: Readonly<Record<MessageCategory, 'Transactional' | 'Promotional'>> = {
  transactional: 'Transactional',
  marketing: 'Promotional',
};
/** SNS refuses subjects longer than this. */
export const MAX_SUBJECT_CHARS = 100;

// Created once per container; a function that never sends pays only for the constructors.
const ses = new SESv2Client(sdkClientConfig());
const sns = new SNSClient(sdkClientConfig());

function required(name: 'MAIL_FROM' | 'OPS_TOPIC_ARN'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: declare the function's sends in infra/topology.ts`);
  }
  return value;
}

/**
 * An SES tag name or value: SES accepts only ASCII letters, digits, `_` and `-` (at most 256), so
 * anything else becomes `_` (an email address would otherwise fail the whole send).
 */
export function sesTagValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
  return cleaned === '' ? '_' : cleaned;
}

/** `sesTagValue` of each tag, with the category as tag `category`. */
export function emailTags(category: MessageCategory, tags: MessageTags = {}) {
  return [
    { Name: CATEGORY_TAG, Value: category },
    ...Object.entries(tags)
      .filter(([name]) => name !== CATEGORY_TAG)
      .map(([name, value]) => ({ Name: sesTagValue(name), Value: sesTagValue(value) })),
  ];
}

/** Sends one email from `MAIL_FROM`; answers SES's message id. */
export async function sendEmail(message: EmailMessage): Promise<string> {
  const out = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: required('MAIL_FROM'),
      Destination: { ToAddresses: [message.to] },
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: message.text, Charset: 'UTF-8' },
            ...(message.html === undefined ? {} : { Html: { Data: message.html, Charset: 'UTF-8' } }),
          },
        },
      },
      EmailTags: emailTags(message.category, message.tags),
    }),
  );
  if (!out.MessageId) throw new Error('SES answered SendEmail without a MessageId');
  return out.MessageId;
}

/** String message attributes of tags; names SNS reserves (`AWS.`, `Amazon.`) are dropped. */
function attributes(tags: MessageTags = {}) {
  return Object.fromEntries(
    Object.entries(tags)
      .filter(([name, value]) => !/^(aws|amazon)\./i.test(name) && value !== '')
      .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}

/** Sends one SMS straight to a phone number (no topic); answers SNS's message id. */
export async function sendSms(message: SmsMessage): Promise<string> {
  const out = await sns.send(
    new PublishCommand({
      PhoneNumber: message.to,
      Message: message.text,
      MessageAttributes: {
        ...attributes(message.tags),
        [SMS_TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: SMS_TYPES[message.category] },
      },
    }),
  );
  if (!out.MessageId) throw new Error('SNS answered Publish without a MessageId');
  return out.MessageId;
}

/** Publishes to the ops topic (`OPS_TOPIC_ARN`, where the alarms go); answers SNS's message id. */
export async function notifyOps(notification: OpsNotification): Promise<string> {
  const subject =
    notification.subject.length <= MAX_SUBJECT_CHARS
      ? notification.subject
      : `${notification.subject.slice(0, MAX_SUBJECT_CHARS - 1)}…`;
  const out = await sns.send(
    new PublishCommand({
      TopicArn: required('OPS_TOPIC_ARN'),
      // SNS refuses line breaks and non-printable characters in a subject.
      Subject: subject.replace(/[\r\n\t]+/g, ' '),
      Message: notification.message,
      MessageAttributes: {
        ...attributes(notification.tags),
        [SEVERITY_ATTRIBUTE]: { DataType: 'String', StringValue: notification.severity },
      },
    }),
  );
  if (!out.MessageId) throw new Error('SNS answered Publish without a MessageId');
  return out.MessageId;
}

/**
 * A phone number as SNS wants it (E.164: `+` and 8–15 digits), from one written with spaces, dots,
 * dashes or brackets; undefined when it has no country code (`+`) or is not a number.
 */
export function e164(phone: string): string | undefined {
  const compact = phone.replace(/[\s().-]/g, '');
  return /^\+[1-9][0-9]{7,14}$/.test(compact) ? compact : undefined;
}

/**
 * What a failed send means for a retry:
 * - `throttled`: refused for now (429, throttling): nothing was sent, retry later;
 * - `refused`: refused for good (another 4xx: an unverified sender or recipient in the SES
 *   sandbox, a bad number): nothing was sent, a retry fails the same way;
 * - `unknown`: no answer or a 5xx (timeout, connection reset): the message may have gone out.
 */
export type SendFailure = 'throttled' | 'refused' | 'unknown';

export function classifySendError(error: unknown): SendFailure {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const name = typeof e?.name === 'string' ? e.name : '';
  if (status === 429 || /throttl|TooManyRequests/i.test(name)) return 'throttled';
  if (status !== undefined && status >= 400 && status < 500) return 'refused';
  return 'unknown';
}
