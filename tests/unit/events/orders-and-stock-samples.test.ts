/**
 * The order and stock samples are the payloads consumer tests build on, so beyond matching their
 * schema (checked for every sample by catalogue.test.ts) they must tell one consistent story that
 * order intake could really have produced.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type EventOf, type EventType, eventCatalogue } from '#events/catalog.ts';
import { OrderId } from '#functions/orders/contract.ts';
import { Ulid } from '#shared/schemas.ts';

function sample<T extends EventType>(type: T): EventOf<T> {
  const entry = eventCatalogue[type];
  const json: unknown = JSON.parse(
    readFileSync(new URL(`../../../events/samples/${type}.v${entry.version}.json`, import.meta.url), 'utf8'),
  );
  return entry.schema.parse(json) as EventOf<T>;
}

describe('Event samples: orders and stock', () => {
  it.each(['OrderPlaced', 'OrderCancelled', 'OrderShipped', 'OrderDelivered', 'StockChanged'] as const)(
    '%s parses with its schema and carries its catalogue source',
    (type) => {
      expect(sample(type)).toMatchObject({ type, version: 1, source: eventCatalogue[type].source });
    },
  );

  it('prices OrderPlaced as intake does: line totals, subtotal, total', () => {
    const { data } = sample('OrderPlaced');
    for (const line of data.lines) expect(line.lineTotal).toBe(line.unitPrice * line.quantity);
    expect(data.subtotal).toBe(data.lines.reduce((sum, l) => sum + l.lineTotal, 0));
    expect(data.total).toBe(data.subtotal - data.discount);
    expect(OrderId.safeParse(data.orderId).success).toBe(true);
  });

  it('follows one order through its life: same id, customer and lines', () => {
    const placed = sample('OrderPlaced').data;
    const cancelled = sample('OrderCancelled').data;
    const shipped = sample('OrderShipped').data;
    const delivered = sample('OrderDelivered').data;
    for (const later of [cancelled, shipped, delivered]) {
      expect(later).toMatchObject({ orderId: placed.orderId, customerId: placed.customerId });
    }
    expect(cancelled.lines).toEqual(placed.lines);
    expect(shipped.lines).toEqual(placed.lines.map(({ sku, quantity }) => ({ sku, quantity })));
    expect(Date.parse(delivered.deliveredAt)).toBeGreaterThan(Date.parse(shipped.shippedAt));
  });

  it('gives StockChanged a ULID movement id and a receipt that adds stock', () => {
    const { data } = sample('StockChanged');
    expect(Ulid.safeParse(data.movementId).success).toBe(true);
    expect(data.cause).toBe('receipt');
    expect(data.quantity).toBeGreaterThan(0);
  });
});
