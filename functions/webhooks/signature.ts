/**
 * The marketing webhook signature (docs/api.md, "Marketing webhooks"; docs/security.md):
 *
 *   X-Webhook-Timestamp: <unix seconds>
 *   X-Webhook-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
 *
 * Pure functions: the caller passes the active secrets and the clock. A request is accepted when its
 * timestamp is within `SIGNATURE_TOLERANCE_SECONDS` of now (either way) and its signature matches
 * under ANY active secret, which is what lets a secret be rotated without downtime (old and new are
 * active together for a while). Every comparison is constant-time (`timingSafeEqual` on two 32-byte
 * buffers) and every secret is tried, so the time taken says nothing about how close a forgery
 * came, nor which secret it was closest to.
 *
 * The reason of a refusal is for the log only: the caller answers every refusal with the same 401.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a timestamp may be from now, in the past or the future, in seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The (lower-cased) header names. */
export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const SIGNATURE_HEADER = 'x-webhook-signature';

/** The signature scheme's version prefix. */
const SCHEME = 'v1=';
/** Unix seconds: digits only, no sign, no fraction, no exponent; 12 digits reach year 33658. */
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
/** A SHA-256 HMAC in hex: 64 hex digits (either case). */
const SIGNATURE_PATTERN = /^v1=([0-9a-fA-F]{64})$/;

/** One signing secret, with a label the logs may show (never the secret itself). */
export interface SigningSecret {
  readonly label: string;
  readonly value: string;
}

/** Why a request was refused; logged, never answered. */
export type SignatureFailure =
  | 'missing-timestamp'
  | 'missing-signature'
  | 'malformed-timestamp'
  | 'malformed-signature'
  | 'timestamp-too-old'
  | 'timestamp-in-future'
  | 'no-active-secret'
  | 'mismatch';

export type SignatureCheck =
  | { readonly ok: true; readonly timestamp: number; readonly secretLabel: string }
  | { readonly ok: false; readonly reason: SignatureFailure };

/** The raw HMAC of `timestamp.body` under `secret`. */
function digest(secret: string, timestamp: string, rawBody: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest();
}

/** The `X-Webhook-Signature` value for a body: what a sender computes (tests, docs). */
export function signatureHeader(secret: string, timestamp: number | string, rawBody: string): string {
  return `${SCHEME}${digest(secret, String(timestamp), rawBody).toString('hex')}`;
}

/** Both headers for a body signed at `timestamp` (unix seconds). */
export function signedHeaders(
  secret: string,
  timestamp: number,
  rawBody: string,
): Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string> {
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, rawBody),
  };
}

export interface VerifyInput {
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received. */
  readonly rawBody: string;
  readonly secrets: readonly SigningSecret[];
  /** Now, in unix seconds. */
  readonly nowSeconds: number;
}

/**
 * Checks a request's timestamp and signature. Cheap checks first (headers present and well-formed,
 * timestamp fresh), then the HMAC under every active secret.
 */
export function verifySignature({ headers, rawBody, secrets, nowSeconds }: VerifyInput): SignatureCheck {
  const timestampHeader = headers[TIMESTAMP_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (timestampHeader === undefined || timestampHeader === '') return refuse('missing-timestamp');
  if (signature === undefined || signature === '') return refuse('missing-signature');
  if (!TIMESTAMP_PATTERN.test(timestampHeader)) return refuse('malformed-timestamp');
  const hex = SIGNATURE_PATTERN.exec(signature)?.[1];
  if (hex === undefined) return refuse('malformed-signature');

  const timestamp = Number(timestampHeader);
  if (nowSeconds - timestamp > SIGNATURE_TOLERANCE_SECONDS) return refuse('timestamp-too-old');
  if (timestamp - nowSeconds > SIGNATURE_TOLERANCE_SECONDS) return refuse('timestamp-in-future');
  if (secrets.length === 0) return refuse('no-active-secret');

  // 64 hex digits always decode to 32 bytes, the length of every expected digest: timingSafeEqual
  // compares equal-length buffers only, and the length is no secret.
  const given = Buffer.from(hex, 'hex');
  let matched: string | undefined;
  for (const secret of secrets) {
    // No early exit: every secret is tried whatever the outcome.
    if (timingSafeEqual(given, digest(secret.value, timestampHeader, rawBody)) && matched === undefined) {
      matched = secret.label;
    }
  }
  return matched === undefined ? refuse('mismatch') : { ok: true, timestamp, secretLabel: matched };
}

const refuse = (reason: SignatureFailure): SignatureCheck => ({ ok: false, reason });
