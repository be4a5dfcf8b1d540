/** docs/data-model.md must stay true to the returns module: every key it builds appears in it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The entity module reads TABLE_NAME at load (no I/O happens here).
process.env.TABLE_NAME ??= 'data-model-doc-test';
const { orderReturnSk, orderReturnsPk, returnIdempotencyKey, returnKey, tallyKey, TALLY_ATTRIBUTE_PREFIX } =
  await import('#functions/returns/returns.ts');
const { receiveReturnStockWrite } = await import('#functions/catalog/products.ts');

const doc = readFileSync(new URL('../../../docs/data-model.md', import.meta.url), 'utf8');
const returns = doc.slice(doc.indexOf('\n## Returns'));

describe('Doc: data-model.md, Returns', () => {
  it('lists every returns item with the keys its module builds', () => {
    for (const key of [returnKey('<id>'), tallyKey('<orderId>'), returnIdempotencyKey('<id>')]) {
      expect(returns, `${key.pk} / ${key.sk}`).toContain(`| \`${key.pk}\` | \`${key.sk}\` |`);
    }
    expect(returns).toContain(
      `\`gsi1pk = ${orderReturnsPk('<orderId>')}\`, \`gsi1sk = ${orderReturnSk('<id>')}\``,
    );
    expect(returns).toContain(`\`${TALLY_ATTRIBUTE_PREFIX}<sku>\``);
  });

  it('states the extended conservation invariant in the Stock section, with the returns write builder', () => {
    expect(receiveReturnStockWrite.name).toBe('receiveReturnStockWrite');
    expect(doc).toContain(`| \`${receiveReturnStockWrite.name}\` |`);
    expect(doc).toContain(
      '`available + reserved + (shipped − returned) + scrapped = received = Σ movements`',
    );
  });
});
