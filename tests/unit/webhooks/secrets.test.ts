/**
 * Unit tier: where the signing secrets come from (functions/webhooks/secrets.ts): the Secrets
 * Manager value's format, the local variable, and the refusal to run without either.
 */
import { describe, expect, it } from 'vitest';
import {
  MIN_SECRET_LENGTH,
  parseLocalSecrets,
  parseSecretValue,
  secretSourceFrom,
} from '#functions/webhooks/secrets.ts';

const long = (c: string) => c.repeat(MIN_SECRET_LENGTH);

describe('Function: parseSecretValue', () => {
  it('reads every value of the JSON object as an active secret, labelled by its key', () => {
    expect(parseSecretValue(JSON.stringify({ current: long('a'), previous: long('b') }))).toEqual([
      { label: 'current', value: long('a') },
      { label: 'previous', value: long('b') },
    ]);
  });

  it.each([
    ['not JSON', 'current=abc'],
    ['a JSON array', JSON.stringify([long('a')])],
    ['an empty object', '{}'],
    ['a short secret', JSON.stringify({ current: 'short-but-secret' })],
    ['a non-string secret', JSON.stringify({ current: 12345 })],
    ['a label with spaces', JSON.stringify({ 'my key': long('a') })],
    ['no value at all', undefined],
  ])('refuses %s, without quoting any value', (_label, raw) => {
    let message = '';
    try {
      parseSecretValue(raw);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/webhook secret value/);
    expect(message).not.toContain('short-but-secret');
    expect(message).not.toContain('current=abc');
  });
});

describe('Function: parseLocalSecrets', () => {
  it('splits on commas, trims, drops blanks and labels them local-1, local-2 …', () => {
    expect(parseLocalSecrets(' one , two,,')).toEqual([
      { label: 'local-1', value: 'one' },
      { label: 'local-2', value: 'two' },
    ]);
    expect(parseLocalSecrets('')).toEqual([]);
  });
});

describe('Function: secretSourceFrom', () => {
  it('serves WEBHOOK_SECRET when no secret ARN is configured', async () => {
    const source = secretSourceFrom({ WEBHOOK_SECRET: 'local-webhook-secret,next-secret' });
    expect(await source()).toEqual([
      { label: 'local-1', value: 'local-webhook-secret' },
      { label: 'local-2', value: 'next-secret' },
    ]);
  });

  it('refuses to start with neither a secret ARN nor WEBHOOK_SECRET: no built-in default in AWS', () => {
    expect(() => secretSourceFrom({})).toThrow(/WEBHOOK_SECRETS_ARN.*WEBHOOK_SECRET/);
  });
});
