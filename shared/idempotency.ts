/**
 * Idempotency without a lookup: ids derived from the caller and their `Idempotency-Key`, and a
 * fingerprint of the request that tells a retry (same fingerprint) from a reuse of the key with
 * another request (`IDEMPOTENCY_KEY_REUSED`). See docs/data-model.md, "Idempotency".
 */
import { createHash } from 'node:crypto';
import type { TransactWrite } from './transactions.ts';

/** Crockford's base32, as ULIDs use: no I, L, O, U. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** JSON with object keys sorted at every level, so equal values always serialise the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (hex) of the canonical JSON of a request: its fingerprint. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** The first 130 bits of `bytes` as 26 Crockford base32 characters (the length of a ULID). */
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      bits -= 5;
      out += CROCKFORD[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
    if (out.length === 26) break;
  }
  return out;
}

/**
 * A stable id for "what principal `sub` created with `key`" in one `namespace` (e.g. `order`):
 * 26 Crockford base32 characters from SHA-256, so it looks like a ULID but is not time-sortable.
 * The caller's `sub` is part of the input, so one principal can never land on another's id.
 */
export function idempotentId(namespace: string, sub: string, key: string): string {
  // Length-prefixed parts: no choice of sub and key can collide with another split of the same text.
  const input = [namespace, sub, key].map((part) => `${part.length}:${part}`).join('|');
  return base32(createHash('sha256').update(input).digest());
}

/** How long a keyed request is remembered; DynamoDB TTL removes its record afterwards. */
export const IDEMPOTENCY_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * The record of a keyed request, for the transaction that does what the request asked: its
 * fingerprint and what a retry must answer (`first`, stored as top-level attributes), written only
 * if the key is new. A retry finds it; a reuse with another request compares fingerprints.
 */
export function idempotencyRecordPut(
  table: string,
  key: { readonly pk: string; readonly sk: string },
  record: { readonly requestHash: string; readonly at: string; readonly first: Record<string, unknown> },
): TransactWrite {
  return {
    Put: {
      TableName: table,
      Item: {
        ...key,
        entity: 'IdempotencyRecord',
        requestHash: record.requestHash,
        ...record.first,
        createdAt: record.at,
        expiresAt: Math.floor(Date.parse(record.at) / 1000) + IDEMPOTENCY_RETENTION_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
