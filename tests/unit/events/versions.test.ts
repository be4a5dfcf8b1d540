import { ulid } from 'ulid';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import {
  defineEvent,
  MalformedEventError,
  readEvent,
  UnknownEventVersionError,
} from '#shared/events/catalogue.ts';
import { type EventEnvelope, envelopeOf } from '#shared/events/envelope.ts';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'unit-table';
});
const { emitter } = await import('#shared/outbox.ts');

const PriceSetV1 = envelopeOf('PriceSet', 1, z.object({ sku: z.string(), price: z.number() }));
const PriceSetV2 = envelopeOf(
  'PriceSet',
  2,
  z.object({ sku: z.string(), price: z.int(), currency: z.string().length(3) }),
);
const PriceSetV3 = envelopeOf(
  'PriceSet',
  3,
  z.object({ sku: z.string(), amount: z.object({ minor: z.int(), currency: z.string() }) }),
);

const meta = { source: 'storeline.prices' };
const catalogue = {
  PriceSet: defineEvent(PriceSetV1, meta)
    // v1 carried major units as a float; v2 minor units and a currency (v1 was all EUR).
    .next(PriceSetV2, (v1) => ({ sku: v1.sku, price: Math.round(v1.price * 100), currency: 'EUR' }))
    .next(PriceSetV3, (v2) => ({ sku: v2.sku, amount: { minor: v2.price, currency: v2.currency } })),
};

const envelope = (version: number, data: unknown): EventEnvelope => ({
  id: ulid(),
  type: 'PriceSet',
  version,
  source: 'storeline.prices',
  occurredAt: '2026-11-23T10:00:00.000Z',
  correlationId: 'c-1',
  data,
});

describe('Function: defineEvent', () => {
  it('keeps every version, oldest first, and names the newest', () => {
    expect(catalogue.PriceSet.version).toBe(3);
    expect(catalogue.PriceSet.versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(catalogue.PriceSet.versions.map((v) => typeof v.upcast)).toEqual([
      'function',
      'function',
      'undefined',
    ]);
  });

  it('refuses a version that does not follow the newest, or another type', () => {
    expect(() => defineEvent(PriceSetV1, meta).next(PriceSetV3 as never, () => ({}) as never)).toThrow(
      /v1 is followed by v2/,
    );
    expect(() => defineEvent(PriceSetV2, meta)).toThrow(/first version is 1/);
  });
});

describe('Function: readEvent', () => {
  it('upcasts a v1 event through every version to the newest shape', () => {
    const event = readEvent(catalogue, envelope(1, { sku: 'A', price: 19.99 }));
    expect(event).toMatchObject({ version: 3, data: { sku: 'A', amount: { minor: 1999, currency: 'EUR' } } });
  });

  it('upcasts from the middle, and passes the newest through unchanged', () => {
    expect(readEvent(catalogue, envelope(2, { sku: 'B', price: 500, currency: 'GBP' })).data).toEqual({
      sku: 'B',
      amount: { minor: 500, currency: 'GBP' },
    });
    const newest = envelope(3, { sku: 'C', amount: { minor: 1, currency: 'USD' } });
    expect(readEvent(catalogue, newest)).toEqual(newest);
  });

  it('parses an old event with its own version’s schema, not the newest', () => {
    expect(() => readEvent(catalogue, envelope(1, { sku: 'A', price: 'free' }))).toThrow(/v1 schema/);
  });

  it('refuses a newer version than it knows with UnknownEventVersionError', () => {
    const read = () => readEvent(catalogue, envelope(4, {}));
    expect(read).toThrow(UnknownEventVersionError);
    expect(read).toThrow(/PriceSet v4 is newer than this consumer knows \(v3\)/);
  });

  it('refuses an unknown type or a version that never existed', () => {
    expect(() => readEvent(catalogue, { ...envelope(1, {}), type: 'Nope' })).toThrow(MalformedEventError);
    expect(() => readEvent(catalogue, envelope(0, {}))).toThrow(/has no version 0/);
  });
});

describe('Function: emitter', () => {
  const emit = emitter(catalogue);

  it('builds the envelope of the newest version and the outbox Put for the caller’s transaction', () => {
    const put = emit(
      'PriceSet',
      { sku: 'A', amount: { minor: 1, currency: 'EUR' } },
      { correlationId: 'req-1', occurredAt: '2026-11-23T10:00:00.000Z' },
    );
    const { event } = put.Put.Item;
    expect(event).toMatchObject({
      type: 'PriceSet',
      version: 3,
      source: 'storeline.prices',
      correlationId: 'req-1',
      occurredAt: '2026-11-23T10:00:00.000Z',
    });
    expect(put.Put).toMatchObject({
      TableName: 'unit-table',
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: `OUTBOX#${event.id}`, sk: 'EVENT', type: 'PriceSet' },
    });
  });

  it('refuses data that does not match the newest version', () => {
    expect(() => emit('PriceSet', { sku: 'A', price: 1 } as never, { correlationId: 'req-1' })).toThrow();
  });
});
