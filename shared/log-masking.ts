/**
 * PII masking for every log line: a Powertools `LogFormatter` that formats like the default one,
 * then masks the whole log item (base keys, persistent keys, the line's extra keys, nested objects,
 * arrays and `error` objects) before it is printed.
 *
 * - By key (case-insensitive, `_`/`-` ignored): emails, phone numbers, postal addresses and their
 *   parts, people's names and free-text notes. A text or number goes whole; so does an object under
 *   an address or name key; an object under another key (`marketingConsent.email`) is searched.
 * - By value (every string, wherever it is, messages and stacks included): anything shaped like an
 *   email address, and phone numbers written internationally (`+44 20 7946 0958`) or with an area
 *   code in brackets (`(555) 123-4567`). Bare digit runs are left alone: they are ids, sequence
 *   numbers and timestamps far more often than phone numbers.
 *
 * Over-masking is the price: a product's or a segment's `name` is masked too. Error objects keep
 * their `name` (the error class), which is never personal.
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export const MASK = '***';

/** Keys whose values are masked wholesale, normalised (lower case, no `_` or `-`). */
export const MASKED_KEYS: ReadonlySet<string> = new Set([
  // contact
  'email',
  'emailaddress',
  'contactemail',
  'recipientemail',
  'phone',
  'phonenumber',
  'mobile',
  'telephone',
  'tel',
  'msisdn',
  // postal addresses
  'address',
  'shippingaddress',
  'billingaddress',
  'postaladdress',
  'line1',
  'line2',
  'line3',
  'addressline1',
  'addressline2',
  'street',
  'city',
  'postalcode',
  'postcode',
  'zip',
  'zipcode',
  // people
  'name',
  'givenname',
  'familyname',
  'firstname',
  'lastname',
  'fullname',
  'displayname',
  'contactname',
  'recipientname',
  // free text
  'note',
  'notes',
  'text',
  'comment',
  'comments',
  'description',
]);

/**
 * Masked keys whose value is masked whole even when it is an object (an address, a structured
 * name). Under the others an object is searched instead: `marketingConsent.email` is a consent
 * record, not an address.
 */
const WHOLESALE_KEYS: ReadonlySet<string> = new Set([
  'address',
  'shippingaddress',
  'billingaddress',
  'postaladdress',
  'name',
  'fullname',
]);

/** Whether the value under this (normalised) key is masked whole. */
const masksWhole = (key: string, value: unknown): boolean =>
  MASKED_KEYS.has(key) && (value === null || typeof value !== 'object' || WHOLESALE_KEYS.has(key));

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** International (`+` and 7–15 digits, spaces, dots, dashes, brackets) or `(area) 123-4567`. */
const PHONE = /\+\d(?:[\s().-]*\d){6,14}|\(\d{2,5}\)\s?\d{3,4}[\s.-]?\d{3,4}/g;

const normalise = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

/** Masks emails and phone numbers inside a string. */
export function maskText(text: string): string {
  return text.replace(EMAIL, MASK).replace(PHONE, MASK);
}

const MAX_DEPTH = 12;

/**
 * A copy of `value` with every PII key and every email/phone-shaped string masked. Errors are
 * turned into plain objects first (`formatError`), so their messages, stacks and extra properties
 * are masked too.
 */
export function maskValue(
  value: unknown,
  formatError: (error: Error) => LogAttributes = (error) => ({
    name: error.name,
    message: error.message,
    stack: error.stack,
  }),
  depth = 0,
  seen: WeakSet<object> = new WeakSet(),
): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return MASK;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, formatError, depth + 1, seen));
  const isError = value instanceof Error;
  const source = isError ? formatError(value) : (value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    if (isError && key === 'name') out[key] = item;
    else if (masksWhole(normalise(key), item)) out[key] = item === undefined || item === null ? item : MASK;
    else out[key] = maskValue(item, formatError, depth + 1, seen);
  }
  return out;
}

/** Powertools' default log structure (its `PowertoolsLogFormatter`, not exported), with PII masked. */
export class MaskingLogFormatter extends LogFormatter {
  public formatAttributes(
    attributes: UnformattedAttributes,
    additionalLogAttributes: LogAttributes,
  ): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: maskText(String(attributes.message ?? '')),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
    };
    const formatError = (error: Error) => this.formatError(error);
    const extra: LogAttributes = {};
    for (const [key, value] of Object.entries(additionalLogAttributes)) {
      if (key === 'correlation_id') extra[key] = value;
      else if (masksWhole(normalise(key), value)) extra[key] = value === undefined ? value : MASK;
      else extra[key] = maskValue(value, formatError) as LogAttributes[string];
    }
    return new LogItem({ attributes: base }).addAttributes(extra);
  }
}
