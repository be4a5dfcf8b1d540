/**
 * The service-desk reports consumer on DynamoDB Local: ticket events in, counters and backlog out,
 * read back by key through `readServiceDeskReport`. Redelivery changes nothing, concurrent
 * deliveries count exactly, and a ticket counts once, at its first resolution, whatever the order.
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import type { TicketPriority, TicketStatus, TicketType } from '#events/tickets.ts';
import {
  BACKLOG_SHARDS,
  backlogShardKey,
  firstResolutionKey,
  readServiceDeskReport,
  serviceDeskDayKey,
} from '#functions/reports/service-desk.ts';
import { serviceDeskReports } from '#functions/reports/service-desk-consumer.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';

const HOUR = 3_600_000;
type AnyTicketEvent = EventOf<'TicketCreated'> | EventOf<'TicketStatusChanged'> | EventOf<'TicketResolved'>;
const apply = (event: AnyTicketEvent) => serviceDeskReports.processRecord(sqsRecordFor(event));

/** A ticket's events, built the way the tickets context emits them. */
function ticket(type: TicketType, priority: TicketPriority, createdAt: string) {
  const ref = { ticketId: ulid(), number: `TCK-${Math.floor(Math.random() * 1e6)}`, type, priority };
  let status: TicketStatus = 'NEW';
  return {
    ref,
    created: eventLike('TicketCreated', {
      ...ref,
      subject: 'Something',
      requester: { kind: 'staff', id: 'agent-1' },
      createdAt,
    }),
    move(to: TicketStatus, changedAt: string, over: Partial<typeof ref> = {}) {
      const event = eventLike('TicketStatusChanged', {
        ...ref,
        ...over,
        from: status,
        to,
        by: 'agent-1',
        changedAt,
      });
      status = to;
      return event;
    },
    resolved(
      resolvedAt: string,
      responseMet: boolean,
      resolutionMet: boolean,
      businessMsToResolve: number,
      over: Partial<typeof ref> = {},
    ) {
      return eventLike('TicketResolved', {
        ...ref,
        ...over,
        createdAt,
        resolvedAt,
        resolvedBy: 'agent-1',
        responseMet,
        resolutionMet,
        businessMsToResolve,
      });
    },
  };
}

async function backlogNow() {
  return (await readServiceDeskReport('2040-01-01', '2040-01-01')).backlog.byStatus;
}

describe('Consumer: serviceDeskReports (DynamoDB Local)', () => {
  it('counts opened and resolved per type and priority, SLA attainment, time to resolve and backlog', async () => {
    // Prepare
    const before = await backlogNow();
    const a = ticket('incident', 'high', '2031-04-01T08:00:00.000Z');
    const b = ticket('incident', 'urgent', '2031-04-01T09:00:00.000Z');
    const c = ticket('complaint', 'normal', '2031-04-02T10:00:00.000Z');
    const d = ticket('change', 'low', '2031-04-02T23:30:00.000Z');
    const events: AnyTicketEvent[] = [
      a.created,
      b.created,
      c.created,
      d.created,
      a.move('OPEN', '2031-04-01T08:10:00.000Z'),
      a.move('RESOLVED', '2031-04-02T08:00:00.000Z'),
      a.resolved('2031-04-02T08:00:00.000Z', true, true, 8 * HOUR),
      b.move('OPEN', '2031-04-01T09:05:00.000Z'),
      b.move('PENDING', '2031-04-01T10:00:00.000Z'),
      b.move('OPEN', '2031-04-02T10:00:00.000Z'),
      b.move('RESOLVED', '2031-04-03T09:00:00.000Z'),
      b.resolved('2031-04-03T09:00:00.000Z', true, false, 24 * HOUR),
      c.move('OPEN', '2031-04-02T11:00:00.000Z'),
      c.move('RESOLVED', '2031-04-02T14:00:00.000Z'),
      c.resolved('2031-04-02T14:00:00.000Z', false, true, 4 * HOUR),
      c.move('CLOSED', '2031-04-03T14:00:00.000Z'),
    ];
    // Act
    for (const event of events) expect(await apply(event)).toBe('applied');
    const report = await readServiceDeskReport('2031-04-01', '2031-04-03');
    // Assess
    expect(report.days).toEqual([
      { date: '2031-04-01', opened: 2, resolved: 0, reopened: 0 },
      { date: '2031-04-02', opened: 2, resolved: 2, reopened: 0 },
      { date: '2031-04-03', opened: 0, resolved: 1, reopened: 0 },
    ]);
    expect(report.totals).toEqual({
      opened: 4,
      resolved: 3,
      reopened: 0,
      responseMet: 2,
      resolutionMet: 2,
      responseAttainmentPercent: 66.7,
      resolutionAttainmentPercent: 66.7,
      // a: 24 h, b: 48 h, c: 4 h of wall clock; 8 + 24 + 4 h of business time.
      meanTimeToResolveMs: (76 * HOUR) / 3,
      meanBusinessTimeToResolveMs: 12 * HOUR,
    });
    expect(report.byType.incident).toMatchObject({
      opened: 2,
      resolved: 2,
      resolutionAttainmentPercent: 50,
      byPriority: {
        high: { opened: 1, resolved: 1, resolutionAttainmentPercent: 100, meanTimeToResolveMs: 24 * HOUR },
        urgent: {
          opened: 1,
          resolved: 1,
          resolutionAttainmentPercent: 0,
          meanBusinessTimeToResolveMs: 24 * HOUR,
        },
        low: { opened: 0, resolved: 0, resolutionAttainmentPercent: null },
      },
    });
    expect(report.byType.change).toMatchObject({ opened: 1, resolved: 0, meanTimeToResolveMs: null });
    expect(report.byPriority.normal).toMatchObject({ opened: 1, resolved: 1, responseAttainmentPercent: 0 });
    const after = report.backlog.byStatus;
    expect({
      NEW: after.NEW - before.NEW,
      OPEN: after.OPEN - before.OPEN,
      PENDING: after.PENDING - before.PENDING,
      RESOLVED: after.RESOLVED - before.RESOLVED,
      CLOSED: after.CLOSED - before.CLOSED,
    }).toEqual({ NEW: 1, OPEN: 0, PENDING: 0, RESOLVED: 2, CLOSED: 1 });
  });

  it('changes nothing when an event is delivered again', async () => {
    // Prepare
    const t = ticket('service_request', 'normal', '2031-05-01T08:00:00.000Z');
    const events: AnyTicketEvent[] = [
      t.created,
      t.move('OPEN', '2031-05-01T09:00:00.000Z'),
      t.move('RESOLVED', '2031-05-01T12:00:00.000Z'),
      t.resolved('2031-05-01T12:00:00.000Z', true, true, 3 * HOUR),
    ];
    for (const event of events) await apply(event);
    const keys = [
      serviceDeskDayKey('2031-05-01', 'service_request'),
      firstResolutionKey(t.ref.ticketId),
      ...Array.from({ length: BACKLOG_SHARDS }, (_, i) => backlogShardKey(i)),
    ];
    const read = async () => {
      const res = await ddb.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      return (res.Responses?.[tableName] ?? []).sort((x, y) =>
        `${x.pk}${x.sk}`.localeCompare(`${y.pk}${y.sk}`),
      );
    };
    const itemsBefore = await read();
    // Act
    const outcomes = [];
    for (const event of [...events, ...events]) outcomes.push(await apply(event));
    // Assess
    expect(outcomes.every((o) => o === 'duplicate')).toBe(true);
    expect(await read()).toEqual(itemsBefore);
    expect((await readServiceDeskReport('2031-05-01', '2031-05-01')).totals).toMatchObject({
      opened: 1,
      resolved: 1,
      meanTimeToResolveMs: 4 * HOUR,
      meanBusinessTimeToResolveMs: 3 * HOUR,
    });
  });

  it('counts a reopened ticket once, at its first resolution, even when that event arrives last', async () => {
    // Prepare: resolved on the 10th (high), reopened on the 11th, resolved again on the 12th (urgent)
    const t = ticket('incident', 'high', '2031-06-10T08:00:00.000Z');
    const first = t.resolved('2031-06-10T12:00:00.000Z', true, true, 4 * HOUR);
    const second = t.resolved('2031-06-12T12:00:00.000Z', true, false, 20 * HOUR, { priority: 'urgent' });
    const reopen = eventLike('TicketStatusChanged', {
      ...t.ref,
      from: 'RESOLVED',
      to: 'OPEN',
      by: 'customer-1',
      changedAt: '2031-06-11T09:00:00.000Z',
    });
    // Act: the second resolution first, then the first one (a redrive), then the second again
    expect(await apply(t.created)).toBe('applied');
    expect(await apply(second)).toBe('applied');
    const early = await readServiceDeskReport('2031-06-10', '2031-06-12');
    expect(await apply(first)).toBe('applied');
    expect(await apply(reopen)).toBe('applied');
    expect(await apply(second)).toBe('duplicate');
    const report = await readServiceDeskReport('2031-06-10', '2031-06-12');
    // Assess
    expect(early.days.map((d) => d.resolved)).toEqual([0, 0, 1]);
    expect(report.days).toEqual([
      { date: '2031-06-10', opened: 1, resolved: 1, reopened: 0 },
      { date: '2031-06-11', opened: 0, resolved: 0, reopened: 1 },
      { date: '2031-06-12', opened: 0, resolved: 0, reopened: 0 },
    ]);
    expect(report.byPriority.high).toMatchObject({
      resolved: 1,
      resolutionMet: 1,
      meanTimeToResolveMs: 4 * HOUR,
    });
    expect(report.byPriority.urgent).toMatchObject({
      resolved: 0,
      resolutionMet: 0,
      meanTimeToResolveMs: null,
    });
  });

  it('counts concurrent deliveries exactly, duplicates and racing resolutions of one ticket included', async () => {
    // Prepare: 30 tickets, each created, opened and resolved; every event delivered twice at once
    const before = await backlogNow();
    const tickets = Array.from({ length: 30 }, (_, i) =>
      ticket(i % 2 ? 'incident' : 'problem', i % 3 ? 'normal' : 'high', '2031-07-01T08:00:00.000Z'),
    );
    const created = tickets.map((t) => t.created);
    const opened = tickets.map((t) => t.move('OPEN', '2031-07-01T09:00:00.000Z'));
    const resolvedMoves = tickets.slice(0, 10).map((t) => t.move('RESOLVED', '2031-07-02T09:00:00.000Z'));
    // Two different resolution events of one ticket racing: only the earlier may count.
    const racing = tickets
      .slice(0, 10)
      .flatMap((t) => [
        t.resolved('2031-07-02T09:00:00.000Z', true, true, HOUR),
        t.resolved('2031-07-03T09:00:00.000Z', false, false, 2 * HOUR),
      ]);
    // Act
    await Promise.all([...created, ...created].map(apply));
    await Promise.all([...opened, ...opened, ...resolvedMoves, ...resolvedMoves].map(apply));
    await Promise.all([...racing, ...racing].map(apply));
    // Assess
    const report = await readServiceDeskReport('2031-07-01', '2031-07-03');
    expect(report.totals).toMatchObject({
      opened: 30,
      resolved: 10,
      responseMet: 10,
      resolutionMet: 10,
      meanTimeToResolveMs: 25 * HOUR,
      meanBusinessTimeToResolveMs: HOUR,
    });
    expect(report.days.map((d) => d.resolved)).toEqual([0, 10, 0]);
    expect(report.byType.incident.opened + report.byType.problem.opened).toBe(30);
    const after = report.backlog.byStatus;
    expect(after.OPEN - before.OPEN).toBe(20);
    expect(after.RESOLVED - before.RESOLVED).toBe(10);
    expect(after.NEW - before.NEW).toBe(0);
  });

  it('reads a year of days by key', async () => {
    const t = ticket('complaint', 'low', '2032-12-31T23:59:59.000Z');
    await apply(t.created);
    const report = await readServiceDeskReport('2032-01-01', '2032-12-31');
    expect(report.days).toHaveLength(366);
    expect(report.days.at(-1)).toEqual({ date: '2032-12-31', opened: 1, resolved: 0, reopened: 0 });
    expect(report.totals.opened).toBe(1);
  });
});
