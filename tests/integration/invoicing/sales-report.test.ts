/**
 * The sales report nets credit notes (DynamoDB Local): the sales-reports consumer counts each
 * `CreditNoteIssued` once, on its issue day and channel, apart from the cancellation counters.
 */
import { describe, expect, it } from 'vitest';
import { salesReports } from '#functions/reports/consumer.ts';
import { readSalesReport } from '#functions/reports/sales.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';

const apply = (event: Parameters<typeof sqsRecordFor>[0]) => salesReports.processRecord(sqsRecordFor(event));

function creditNote(reason: 'cancellation' | 'return', issuedAt: string, net: number, tax: number) {
  return eventLike('CreditNoteIssued', {
    reason,
    ...(reason === 'return' ? { returnId: 'R-1' } : {}),
    channel: 'phone',
    currency: 'EUR',
    lines: [{ sku: 'A', quantity: 1, net: -net, tax: -tax }],
    subtotal: -(net + 100),
    discount: -100,
    tax: -tax,
    total: -(net + tax),
    issuedAt,
  });
}

describe('Consumer: salesReports counting credit notes (DynamoDB Local)', () => {
  it('counts credit notes per day and channel, returns apart, once per event', async () => {
    // Prepare
    const cancellation = creditNote('cancellation', '2032-05-01T10:00:00.000Z', 2000, 380);
    const ret = creditNote('return', '2032-05-01T23:59:59.999Z', 500, 95);
    // Act
    expect(await apply(cancellation)).toBe('applied');
    expect(await apply(ret)).toBe('applied');
    expect(await apply(ret)).toBe('duplicate');
    const report = await readSalesReport('2032-05-01', '2032-05-02');
    // Assess: net of tax, positive, like revenue; the cancellation counters are untouched
    const [day, next] = report.days;
    expect(day).toMatchObject({
      creditNotes: 2,
      creditedRevenue: { EUR: 2500 },
      returnCreditNotes: 1,
      returnedRevenue: { EUR: 500 },
      cancellations: 0,
      cancelledRevenue: {},
      orders: 0,
      channels: { phone: { creditNotes: 2, returnCreditNotes: 1, returnedRevenue: { EUR: 500 } } },
    });
    expect(next).toMatchObject({ creditNotes: 0, creditedRevenue: {}, returnCreditNotes: 0 });
    expect(report.totals).toMatchObject({ creditNotes: 2, returnedRevenue: { EUR: 500 } });
  });
});
