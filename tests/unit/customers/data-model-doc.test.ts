/**
 * docs/data-model.md's customers section must stay true to the code: every key the customers
 * modules build appears in its entity table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The entity modules read TABLE_NAME at load (no I/O happens here).
process.env.TABLE_NAME ??= 'data-model-doc-test';
const { customerEmailKey, customerKey, CUSTOMER_SEARCH_PREFIX } = await import(
  '#functions/customers/customers.ts'
);
const { interactionIdempotencyKey, interactionKey } = await import('#functions/customers/interactions.ts');

const doc = readFileSync(new URL('../../../docs/data-model.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('\n## Customers\n'));
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const row = (pk: string, sk: string) =>
  new RegExp(`\\| \`${escapeRegExp(pk)}\` \\| \`${escapeRegExp(sk)}\` \\|`);

describe('Doc: data-model.md, customers', () => {
  it('lists every customers item with the keys its module builds', () => {
    expect(section.length).toBeLessThan(doc.length);
    const keys = [
      customerKey('<id>'),
      { ...customerEmailKey('<email>'), pk: 'CUSTOMER_EMAIL#<lower-case email>' },
      interactionKey('<id>', '<ulid>'),
      interactionIdempotencyKey('<id>'),
    ];
    for (const key of keys) expect(section, `${key.pk} / ${key.sk}`).toMatch(row(key.pk, key.sk));
    expect(customerEmailKey('Ada@Example.COM').pk).toBe('CUSTOMER_EMAIL#ada@example.com');
    expect(section).toContain(`\`${CUSTOMER_SEARCH_PREFIX}<first 2 chars`);
  });
});
