/**
 * Opaque list cursors: a DynamoDB `LastEvaluatedKey` as base64url JSON. A cursor is checked on the
 * way back in: it must decode to string key attributes, and it must belong to the same query (its
 * partition value must match), so a client can neither forge a jump into another partition nor
 * get a 500 from a mangled cursor.
 */
import * as z from 'zod';
import { AppError } from './errors.ts';

const CursorKey = z.record(z.string().regex(/^[A-Za-z0-9]{1,32}$/), z.string().max(1024));

export type CursorKey = z.infer<typeof CursorKey>;

/** The cursor for the next page, or null when DynamoDB reported no more. */
export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | null {
  if (!lastEvaluatedKey) return null;
  return Buffer.from(JSON.stringify(lastEvaluatedKey), 'utf8').toString('base64url');
}

const invalid = (message: string) =>
  new AppError('VALIDATION_FAILED', `query.cursor: ${message}`, {
    errors: [{ path: 'query.cursor', message }],
  });

/**
 * The `ExclusiveStartKey` a cursor stands for. `expected` pins attributes the query fixes
 * (e.g. `{ gsi1pk: 'CUSTOMER#c-1' }`); `attributes` lists every key attribute the cursor must have.
 */
export function decodeCursor(
  cursor: string | undefined,
  attributes: readonly string[],
  expected: Readonly<Record<string, string>>,
): CursorKey | undefined {
  if (cursor === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('Not a cursor this API issued');
  }
  const parsed = CursorKey.safeParse(decoded);
  if (!parsed.success) throw invalid('Not a cursor this API issued');
  const key = parsed.data;
  const names = Object.keys(key).sort();
  if (names.join(',') !== [...attributes].sort().join(',')) throw invalid('Not a cursor this API issued');
  for (const [name, value] of Object.entries(expected)) {
    if (key[name] !== value) throw invalid('The cursor belongs to another list');
  }
  return key;
}
