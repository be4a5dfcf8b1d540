/**
 * docs/data-model.md must stay true to the code: every key the order and stock modules build, the
 * indexes of the topology and the computed line limit appear in it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';

// The entity modules read TABLE_NAME at load (no I/O happens here).
process.env.TABLE_NAME ??= 'data-model-doc-test';
const { productKey, stockKey } = await import('#functions/catalog/products.ts');
const { movementIdempotencyKey, movementKey } = await import('#functions/catalog/movements.ts');
const { customerOrderSk, customerOrdersPk, orderKey } = await import('#functions/orders/orders.ts');
const { MAX_ORDER_LINES } = await import('#functions/orders/rules.ts');
const { outboxItem } = await import('#shared/outbox.ts');

const doc = readFileSync(new URL('../../../docs/data-model.md', import.meta.url), 'utf8');
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const row = (pk: string, sk: string) =>
  new RegExp(`\\| \`${escapeRegExp(pk)}\` \\| \`${escapeRegExp(sk)}\` \\|`);

describe('Doc: data-model.md', () => {
  it('lists every order and stock entity with the keys its module builds', () => {
    const keys = [
      productKey('<sku>'),
      stockKey('<sku>'),
      movementKey('<sku>', '<ulid>'),
      movementIdempotencyKey('<id>'),
      orderKey('<id>'),
    ];
    for (const key of keys) expect(doc, `${key.pk} / ${key.sk}`).toMatch(row(key.pk, key.sk));
    const outbox = outboxItem({
      id: '<event id>',
      type: 'X',
      version: 1,
      source: 'storeline.x',
      occurredAt: '2026-01-01T00:00:00.000Z',
      correlationId: 'c',
      data: {},
    });
    expect(doc).toMatch(row(outbox.pk, outbox.sk));
  });

  it("documents the order's gsi1 keys and every index of the topology", () => {
    expect(doc).toContain(
      `\`${customerOrdersPk('<customerId>')}\` / \`${customerOrderSk('<placedAt>', '<id>')}\``,
    );
    for (const index of topology.table.indexes) {
      expect(doc).toContain(`| \`${index.name}\` | \`${index.partitionKey}\`, \`${index.sortKey}\` |`);
    }
  });

  it('states the computed maximum lines per order', () => {
    expect(doc).toContain(`⌊(100 − 10) / 2⌋ = **${MAX_ORDER_LINES}**`);
  });
});
