/**
 * The invoicing consumer against DynamoDB Local: invoices, credit notes for cancellations and
 * returns, redelivery, events arriving out of order and racing each other.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import { TAX_RATES_BPS } from '#functions/invoicing/tax.ts';
import { getOrder } from '#functions/orders/orders.ts';
import { markerKey } from '#shared/consumer.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { sqsRecordFor } from '../../support/backbone.ts';
import {
  cancelledEvent,
  documentsOf,
  outboxEventsFor,
  placedEvent,
  returnedEvent,
  storeOrder,
} from './fixtures.ts';

vi.hoisted(() => {
  process.env.EVENT_SOURCE = 'storeline.invoicing';
});
const { invoicing } = await import('#functions/invoicing/consumer.ts');
const { defaultTaxRateBps } = await import('#functions/invoicing/config.ts');

const apply = (event: Parameters<typeof sqsRecordFor>[0]) => invoicing.processRecord(sqsRecordFor(event));

/** Delivers like SQS: a delivery that failed (it lost every re-run of a race) is delivered again. */
async function deliver(event: Parameters<typeof sqsRecordFor>[0]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await apply(event);
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}
const year = () => new Date().toISOString().slice(0, 4);
const sequenceOf = (number: string) => Number(number.split('-')[2]);

/** Credit notes negate exactly what they credit: summed with the invoice, every amount is 0. */
function expectNegated(invoice: EventOf<'InvoiceIssued'>['data'] | { subtotal: number }, notes: object[]) {
  const fields = ['subtotal', 'discount', 'tax', 'total'] as const;
  const docs = [invoice, ...notes] as Record<(typeof fields)[number], number>[];
  for (const field of fields) expect(docs.reduce((s, d) => s + d[field], 0)).toBe(0);
}

/** Another event id for the same event: its last character changed (a ULID may already end in Z). */
const anotherId = (id: string): string => `${id.slice(0, 25)}${id.endsWith('Z') ? 'Y' : 'Z'}`;

describe('Consumer: invoicing (DynamoDB Local)', () => {
  it('invoices a placed order: numbered, taxed by the shipping country, on the order, InvoiceIssued', async () => {
    // Prepare: 2 × 19.99 and 1 × 8.50 shipped to GB (20 %), 3.00 off
    const event = await storeOrder(
      placedEvent({
        lines: [
          { sku: 'SHIRT', quantity: 2, unitPrice: 1999 },
          { sku: 'MUG', quantity: 1, unitPrice: 850 },
        ],
        discount: 300,
      }),
    );
    const { orderId } = event.data;
    // Act
    expect(await apply(event)).toBe('applied');
    // Assess
    const [invoice, ...others] = await documentsOf(orderId);
    expect(others).toEqual([]);
    expect(invoice).toMatchObject({
      kind: 'invoice',
      orderId,
      customerId: event.data.customerId,
      channel: 'web',
      currency: 'EUR',
      // 300 off 4848 by largest remainder: 3998/4848·300 = 247.4…, 850/4848·300 = 52.6… → 247, 53
      lines: [
        {
          sku: 'SHIRT',
          quantity: 2,
          unitPrice: 1999,
          lineTotal: 3998,
          discount: 247,
          net: 3751,
          taxRate: 2000,
          tax: 750,
          total: 4501,
        },
        {
          sku: 'MUG',
          quantity: 1,
          unitPrice: 850,
          lineTotal: 850,
          discount: 53,
          net: 797,
          taxRate: 2000,
          tax: 159,
          total: 956,
        },
      ],
      subtotal: 4848,
      discount: 300,
      tax: 909,
      total: 4848 - 300 + 909,
      buyer: {
        customerId: event.data.customerId,
        name: 'Ada Lovelace',
        address: { country: 'GB', city: 'London' },
      },
      seller: {
        name: expect.any(String),
        vatId: expect.any(String),
        address: { country: expect.any(String) },
      },
    });
    expect(invoice!.number).toMatch(new RegExp(`^INV-${year()}-\\d{6}$`));
    const order = await getOrder(orderId);
    expect(order?.invoiceId).toBe(invoice!.id);
    // The order's lifecycle guard is left alone.
    expect(order?.updatedAt).toBe(event.data.placedAt);
    const events = await outboxEventsFor(orderId, ['InvoiceIssued']);
    expect(events).toEqual([
      expect.objectContaining({
        correlationId: 'req-invoice',
        data: expect.objectContaining({
          invoiceId: invoice!.id,
          number: invoice!.number,
          total: invoice!.total,
          tax: 909,
          lines: [
            { sku: 'SHIRT', quantity: 2, net: 3751, tax: 750 },
            { sku: 'MUG', quantity: 1, net: 797, tax: 159 },
          ],
        }),
      }),
    ]);
  });

  it('takes the default rate for a country not in the table', async () => {
    const event = await storeOrder(
      placedEvent({ country: 'JP', lines: [{ sku: 'A', quantity: 1, unitPrice: 10_000 }] }),
    );
    expect(TAX_RATES_BPS.JP).toBeUndefined();
    await apply(event);
    const [invoice] = await documentsOf(event.data.orderId);
    expect(invoice).toMatchObject({ tax: defaultTaxRateBps, lines: [{ taxRate: defaultTaxRateBps }] });
  });

  it('issues no second invoice for a redelivered OrderPlaced, nor for a duplicate with another event id', async () => {
    // Prepare
    const event = await storeOrder(placedEvent());
    await apply(event);
    const [first] = await documentsOf(event.data.orderId);
    // Act
    const again = await apply(event);
    const duplicate = await apply({ ...event, id: anotherId(event.id) });
    // Assess
    expect(again).toBe('duplicate');
    expect(duplicate).toBe('applied');
    expect(await documentsOf(event.data.orderId)).toEqual([first]);
    expect(await outboxEventsFor(event.data.orderId, ['InvoiceIssued'])).toHaveLength(1);
  });

  it('credits the whole invoice on cancellation and shows creditNoteId on the order, once', async () => {
    // Prepare
    const event = await storeOrder(placedEvent({ discount: 101 }));
    await apply(event);
    const cancellation = cancelledEvent(event);
    // Act
    expect(await apply(cancellation)).toBe('applied');
    expect(await apply(cancellation)).toBe('duplicate');
    expect(await apply({ ...cancellation, id: anotherId(cancellation.id) })).toBe('applied');
    // Assess
    const [invoice, creditNote, ...rest] = await documentsOf(event.data.orderId);
    expect(rest).toEqual([]);
    expect(creditNote).toMatchObject({
      kind: 'credit_note',
      reason: 'cancellation',
      invoiceId: invoice!.id,
      orderId: event.data.orderId,
      lines: invoice!.lines.map((l) => ({
        ...l,
        lineTotal: -l.lineTotal,
        discount: -l.discount,
        net: -l.net,
        tax: -l.tax,
        total: -l.total,
      })),
    });
    expect(creditNote!.number).toMatch(new RegExp(`^CRN-${year()}-\\d{6}$`));
    expectNegated(invoice!, [creditNote!]);
    const order = await getOrder(event.data.orderId);
    expect(order).toMatchObject({ invoiceId: invoice!.id, creditNoteId: creditNote!.id });
    expect(await outboxEventsFor(event.data.orderId, ['CreditNoteIssued'])).toEqual([
      expect.objectContaining({
        correlationId: 'req-cancel',
        data: expect.objectContaining({
          creditNoteId: creditNote!.id,
          invoiceId: invoice!.id,
          reason: 'cancellation',
          total: -invoice!.total,
          channel: 'web',
        }),
      }),
    ]);
  });

  it('invoices first when the cancellation arrives before OrderPlaced; OrderPlaced then does nothing', async () => {
    // Prepare: SQS gives no order; the cancellation is delivered first
    const event = await storeOrder(placedEvent(), 'CANCELLED');
    // Act
    expect(await apply(cancelledEvent(event))).toBe('applied');
    expect(await apply(event)).toBe('applied');
    // Assess: one invoice, one credit note negating it, both on the order
    const docs = await documentsOf(event.data.orderId);
    expect(docs.map((d) => d.kind)).toEqual(['invoice', 'credit_note']);
    const [invoice, creditNote] = docs;
    expect(creditNote!.invoiceId).toBe(invoice!.id);
    expect(creditNote!.issuedAt >= invoice!.issuedAt).toBe(true);
    expectNegated(invoice!, [creditNote!]);
    expect(await getOrder(event.data.orderId)).toMatchObject({
      invoiceId: invoice!.id,
      creditNoteId: creditNote!.id,
    });
    expect(
      (await outboxEventsFor(event.data.orderId, ['InvoiceIssued', 'CreditNoteIssued']))
        .map((e) => e.type)
        .sort(),
    ).toEqual(['CreditNoteIssued', 'InvoiceIssued']);
  });

  it('lets OrderPlaced and OrderCancelled racing for one order produce one invoice and one credit note', async () => {
    for (let round = 0; round < 5; round++) {
      const event = await storeOrder(placedEvent());
      const outcomes = await Promise.all([deliver(event), deliver(cancelledEvent(event)), deliver(event)]);
      expect(outcomes.filter((o) => o === 'applied').length).toBeGreaterThanOrEqual(2);
      const docs = await documentsOf(event.data.orderId);
      expect(docs.map((d) => d.kind).sort()).toEqual(['credit_note', 'invoice']);
      expectNegated(docs[0]!, [docs[1]!]);
    }
  });

  it('credits partial returns line by line, never more than invoiced, exactly the line when all units are back', async () => {
    // Prepare: 3 units at 10.00 with 1.00 off, shipped to DE (19 %): net 2900, tax 551
    const event = await storeOrder(
      placedEvent({
        lines: [
          { sku: 'CUP', quantity: 3, unitPrice: 1000 },
          { sku: 'PLATE', quantity: 1, unitPrice: 500 },
        ],
        discount: 100,
        country: 'DE',
      }),
    );
    await apply(event);
    const first = returnedEvent(event, [{ sku: 'CUP', quantity: 1 }]);
    // Act: one cup, the same return again (new event id), two more cups and more than was ordered
    expect(await apply(first)).toBe('applied');
    expect(await apply({ ...first, id: anotherId(first.id) })).toBe('applied');
    expect(await apply(returnedEvent(event, [{ sku: 'CUP', quantity: 5 }]))).toBe('applied');
    expect(await apply(returnedEvent(event, [{ sku: 'CUP', quantity: 1 }]))).toBe('applied');
    // Assess
    const [invoice, ...notes] = await documentsOf(event.data.orderId);
    const cup = invoice!.lines.find((l) => l.sku === 'CUP')!;
    expect(notes).toHaveLength(2);
    expect(notes.map((n) => n.reason)).toEqual(['return', 'return']);
    expect(notes.map((n) => n.returnId)).toEqual([first.data.returnId, expect.any(String)]);
    expect(notes.map((n) => n.lines.map((l) => [l.sku, l.quantity]))).toEqual([[['CUP', 1]], [['CUP', 2]]]);
    for (const field of ['lineTotal', 'discount', 'net', 'tax', 'total'] as const) {
      expect(notes.reduce((s, n) => s + n.lines[0]![field], 0)).toBe(-cup[field]);
    }
    for (const note of notes) {
      expect(note.total).toBe(note.subtotal - note.discount + note.tax);
      expect(note.invoiceId).toBe(invoice!.id);
    }
    // Returns do not set the order's creditNoteId (that names the cancellation's credit note).
    expect((await getOrder(event.data.orderId))?.creditNoteId).toBeUndefined();
    // The sample ReturnReceived's shape is what the consumer reads.
    expect(await outboxEventsFor(event.data.orderId, ['CreditNoteIssued'])).toHaveLength(2);
  });

  it('numbers credit notes and invoices in their own gapless series', async () => {
    const a = await storeOrder(placedEvent());
    const b = await storeOrder(placedEvent());
    for (const e of [a, b, cancelledEvent(a), cancelledEvent(b)]) await apply(e);
    const [invA, crnA] = await documentsOf(a.data.orderId);
    const [invB, crnB] = await documentsOf(b.data.orderId);
    expect(sequenceOf(invB!.number)).toBe(sequenceOf(invA!.number) + 1);
    expect(sequenceOf(crnB!.number)).toBe(sequenceOf(crnA!.number) + 1);
    const counter = await ddb.send(
      new GetCommand({ TableName: tableName, Key: { pk: `DOCSEQ#CRN#${year()}`, sk: 'COUNTER' } }),
    );
    expect(counter.Item?.last).toBe(sequenceOf(crnB!.number));
  });

  it('fails (to be retried) when the order does not exist, writing nothing', async () => {
    const event = placedEvent();
    await expect(apply(event)).rejects.toThrow(/does not exist/);
    expect(await documentsOf(event.data.orderId)).toEqual([]);
    const marker = await ddb.send(
      new GetCommand({ TableName: tableName, Key: markerKey('invoicing', event.id) }),
    );
    expect(marker.Item).toBeUndefined();
  });
});
