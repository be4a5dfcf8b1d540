import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '#shared/paging.ts';

const key = { pk: 'ORDER#1', sk: 'ORDER', gsi1pk: 'CUSTOMER#c-1', gsi1sk: 'ORDER#2026#1' };
const attributes = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];

describe('Function: encodeCursor / decodeCursor', () => {
  it('round-trips a LastEvaluatedKey as opaque base64url', () => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor ?? undefined, attributes, { gsi1pk: 'CUSTOMER#c-1' })).toEqual(key);
    expect(encodeCursor(undefined)).toBeNull();
    expect(decodeCursor(undefined, attributes, {})).toBeUndefined();
  });

  it.each([
    ['garbage', '%%%'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['non-string values', Buffer.from(JSON.stringify({ ...key, pk: { S: 'x' } })).toString('base64url')],
    ['missing attributes', Buffer.from(JSON.stringify({ pk: 'x', sk: 'y' })).toString('base64url')],
    ['another partition', encodeCursor({ ...key, gsi1pk: 'CUSTOMER#c-2' }) as string],
  ])('refuses %s with 400 VALIDATION_FAILED on query.cursor', (_what, cursor) => {
    expect(() => decodeCursor(cursor, attributes, { gsi1pk: 'CUSTOMER#c-1' })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        extra: { errors: [expect.objectContaining({ path: 'query.cursor' })] },
      }),
    );
  });
});
