/**
 * Unit tier: the webhook signature (functions/webhooks/signature.ts) — what is accepted, every way a
 * request is refused, and rotation with several active secrets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  type SigningSecret,
  signatureHeader,
  signedHeaders,
  TIMESTAMP_HEADER,
  verifySignature,
} from '#functions/webhooks/signature.ts';

const NOW = 1_780_000_000;
const current: SigningSecret = { label: 'current', value: 'a-current-secret-of-enough-length-0123456789' };
const previous: SigningSecret = { label: 'previous', value: 'the-previous-secret-still-active-9876543210' };
const body = JSON.stringify({
  id: 'evt_1',
  type: 'contact.unsubscribed',
  data: { email: 'ada@example.com' },
});

const check = (
  headers: Record<string, string | undefined>,
  rawBody = body,
  secrets: readonly SigningSecret[] = [current],
) => verifySignature({ headers, rawBody, secrets, nowSeconds: NOW });

describe('Function: verifySignature', () => {
  it('accepts a body signed with the active secret, naming the secret by its label', () => {
    // Act
    const result = check(signedHeaders(current.value, NOW, body));
    // Assess
    expect(result).toEqual({ ok: true, timestamp: NOW, secretLabel: 'current' });
  });

  it('signs v1=<hex HMAC-SHA256(secret, "timestamp.body")> (vector computed with openssl dgst -hmac)', () => {
    expect(signatureHeader('local-webhook-secret', 1_700_000_000, '{"id":"evt_1"}')).toBe(
      'v1=259bf47b5d3bade4f0687cad35942ec8cb47252febae2e93f1893bf8e841021c',
    );
  });

  it('accepts the digest in upper-case hex too', () => {
    const headers = signedHeaders(current.value, NOW, body);
    const upper = `v1=${headers[SIGNATURE_HEADER].slice(3).toUpperCase()}`;
    expect(check({ ...headers, [SIGNATURE_HEADER]: upper }).ok).toBe(true);
  });

  it('refuses a signature made with another secret', () => {
    expect(check(signedHeaders('some-other-secret-nobody-shared-with-us!!', NOW, body))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a body altered after signing (one character, or whitespace only)', () => {
    const headers = signedHeaders(current.value, NOW, body);
    expect(check(headers, body.replace('ada@', 'eve@'))).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(headers, `${body} `)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a signature over another timestamp (the timestamp is signed too)', () => {
    const headers = signedHeaders(current.value, NOW, body);
    expect(check({ ...headers, [TIMESTAMP_HEADER]: String(NOW - 1) })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses missing headers', () => {
    const headers = signedHeaders(current.value, NOW, body);
    expect(check({})).toEqual({ ok: false, reason: 'missing-timestamp' });
    expect(check({ [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER] })).toEqual({
      ok: false,
      reason: 'missing-timestamp',
    });
    expect(check({ [TIMESTAMP_HEADER]: headers[TIMESTAMP_HEADER] })).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
    expect(check({ ...headers, [SIGNATURE_HEADER]: '' })).toEqual({ ok: false, reason: 'missing-signature' });
  });

  it.each([
    ['no scheme prefix', (sig: string) => sig.slice(3)],
    ['another scheme', (sig: string) => `v2=${sig.slice(3)}`],
    ['a short digest', (sig: string) => sig.slice(0, -2)],
    ['a long digest', (sig: string) => `${sig}00`],
    ['non-hex digits', (sig: string) => `${sig.slice(0, -1)}g`],
    ['several signatures', (sig: string) => `${sig},${sig}`],
    ['surrounding spaces', (sig: string) => ` ${sig}`],
  ])('refuses a malformed signature header: %s', (_label, mangle) => {
    const headers = signedHeaders(current.value, NOW, body);
    expect(check({ ...headers, [SIGNATURE_HEADER]: mangle(headers[SIGNATURE_HEADER]) })).toEqual({
      ok: false,
      reason: 'malformed-signature',
    });
  });

  it.each(['-1', '1.5', '1e9', '0x10', ' 1', 'now', '1234567890123'])(
    'refuses a malformed timestamp header %j',
    (timestamp) => {
      const headers = {
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signatureHeader(current.value, timestamp, body),
      };
      expect(check(headers)).toEqual({ ok: false, reason: 'malformed-timestamp' });
    },
  );

  it(`accepts timestamps up to ${SIGNATURE_TOLERANCE_SECONDS} s away and refuses older and future ones`, () => {
    const at = (timestamp: number) => check(signedHeaders(current.value, timestamp, body));
    expect(at(NOW - SIGNATURE_TOLERANCE_SECONDS).ok).toBe(true);
    expect(at(NOW + SIGNATURE_TOLERANCE_SECONDS).ok).toBe(true);
    expect(at(NOW - SIGNATURE_TOLERANCE_SECONDS - 1)).toEqual({ ok: false, reason: 'timestamp-too-old' });
    expect(at(NOW + SIGNATURE_TOLERANCE_SECONDS + 1)).toEqual({ ok: false, reason: 'timestamp-in-future' });
    expect(at(NOW - 86_400)).toEqual({ ok: false, reason: 'timestamp-too-old' });
  });

  it('refuses everything when no secret is active', () => {
    expect(check(signedHeaders(current.value, NOW, body), body, [])).toEqual({
      ok: false,
      reason: 'no-active-secret',
    });
  });

  it('rotation: with two secrets active, a body signed with either is accepted, and a third is refused', () => {
    // Prepare
    const both = [current, previous];
    // Act
    const byCurrent = check(signedHeaders(current.value, NOW, body), body, both);
    const byPrevious = check(signedHeaders(previous.value, NOW, body), body, both);
    const byStranger = check(signedHeaders('not-one-of-ours-but-long-enough-000000', NOW, body), body, both);
    // Assess
    expect(byCurrent).toMatchObject({ ok: true, secretLabel: 'current' });
    expect(byPrevious).toMatchObject({ ok: true, secretLabel: 'previous' });
    expect(byStranger).toEqual({ ok: false, reason: 'mismatch' });
    // After the rotation ends the old secret is refused.
    expect(check(signedHeaders(previous.value, NOW, body), body, [current])).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('property: any signed body verifies, and any other body under the same headers does not', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 5 }),
        fc.integer({ min: -SIGNATURE_TOLERANCE_SECONDS, max: SIGNATURE_TOLERANCE_SECONDS }),
        (raw, extra, skew) => {
          const headers = signedHeaders(current.value, NOW + skew, raw);
          expect(check(headers, raw, [previous, current])).toMatchObject({
            ok: true,
            secretLabel: 'current',
          });
          expect(check(headers, raw + extra, [previous, current])).toEqual({ ok: false, reason: 'mismatch' });
        },
      ),
    );
  });
});
