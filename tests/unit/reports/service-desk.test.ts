/**
 * Service-desk report arithmetic, pure: random tickets walk the workflow (NEW → OPEN → PENDING ↔
 * OPEN → RESOLVED → CLOSED, RESOLVED → OPEN, priorities changing on the way), their events are
 * delivered in any order and redelivered (the marker modelled by event id), and the counters the
 * consumer's deltas build must give the report computed directly from the tickets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventOf } from '#events/catalog.ts';
import type { TicketPriority, TicketStatus, TicketType } from '#events/tickets.ts';
import { eventLike } from '../../support/backbone.ts';

// The entity module reads TABLE_NAME at load (no I/O happens here).
process.env.TABLE_NAME ??= 'service-desk-unit-test';
const sd = await import('#functions/reports/service-desk.ts');
type FirstResolution = import('#functions/reports/service-desk.ts').FirstResolution;
type Counters = import('#functions/reports/service-desk.ts').Counters;

const HOUR = 3_600_000;
const BASE = Date.parse('2031-05-01T00:00:00.000Z');
const iso = (t: number) => new Date(t).toISOString();

const TYPE = fc.constantFrom<TicketType>('incident', 'service_request', 'problem', 'change', 'complaint');
const PRIORITY = fc.constantFrom<TicketPriority>('low', 'normal', 'high', 'urgent');

/** Which transitions the workflow allows from each status. */
const NEXT: Record<TicketStatus, TicketStatus[]> = {
  NEW: ['OPEN'],
  OPEN: ['PENDING', 'RESOLVED'],
  PENDING: ['OPEN'],
  RESOLVED: ['CLOSED', 'OPEN'],
  CLOSED: [],
};

const TICKET = fc.record({
  type: TYPE,
  priority: PRIORITY,
  startHour: fc.integer({ min: 0, max: 4 * 24 }),
  steps: fc.array(
    fc.record({
      choice: fc.nat(),
      afterHours: fc.integer({ min: 1, max: 30 }),
      priority: fc.option(PRIORITY, { nil: undefined }),
      responseMet: fc.boolean(),
      resolutionMet: fc.boolean(),
      businessShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { maxLength: 8 },
  ),
});

type TicketEvent = EventOf<'TicketCreated'> | EventOf<'TicketStatusChanged'> | EventOf<'TicketResolved'>;

interface Simulated {
  events: TicketEvent[];
  created: { date: string; type: TicketType; priority: TicketPriority };
  status: TicketStatus;
  /** Every resolution, in order. */
  resolutions: FirstResolution[];
  reopenings: { date: string; type: TicketType; priority: TicketPriority }[];
}

let counter = 0;
const eventId = () => `EV${String(++counter).padStart(24, '0')}`;

type Ticket = typeof TICKET extends fc.Arbitrary<infer T> ? T : never;

function simulate(index: number, ticket: Ticket): Simulated {
  const ticketId = `T${String(index).padStart(25, '0')}`;
  const ref = { ticketId, number: `TCK-${String(index).padStart(6, '0')}`, type: ticket.type };
  const createdAt = BASE + ticket.startHour * HOUR;
  let priority = ticket.priority;
  let status: TicketStatus = 'NEW';
  let t = createdAt;
  const events: TicketEvent[] = [
    eventLike(
      'TicketCreated',
      { ...ref, priority, createdAt: iso(createdAt), subject: 's', requester: { kind: 'staff', id: 'a' } },
      { id: eventId() },
    ),
  ];
  const resolutions: FirstResolution[] = [];
  const reopenings: Simulated['reopenings'] = [];
  for (const step of ticket.steps) {
    const options: TicketStatus[] = NEXT[status];
    if (options.length === 0) break;
    const to: TicketStatus = options[step.choice % options.length]!;
    t += step.afterHours * HOUR;
    priority = step.priority ?? priority;
    events.push(
      eventLike(
        'TicketStatusChanged',
        { ...ref, priority, from: status, to, by: 'agent', changedAt: iso(t) },
        { id: eventId() },
      ),
    );
    if (status === 'RESOLVED' && to === 'OPEN')
      reopenings.push({ date: iso(t).slice(0, 10), type: ref.type, priority });
    if (to === 'RESOLVED') {
      const resolved = eventLike(
        'TicketResolved',
        {
          ...ref,
          priority,
          createdAt: iso(createdAt),
          resolvedAt: iso(t),
          resolvedBy: 'agent',
          responseMet: step.responseMet,
          resolutionMet: step.resolutionMet,
          businessMsToResolve: Math.floor((t - createdAt) * step.businessShare),
        },
        { id: eventId() },
      );
      events.push(resolved);
      resolutions.push(sd.resolutionOf(resolved));
    }
    status = to;
  }
  return {
    events,
    created: { date: iso(createdAt).slice(0, 10), type: ref.type, priority: ticket.priority },
    status,
    resolutions,
    reopenings,
  };
}

/** The consumer's effect on an in-memory table: cells, backlog shards, first resolutions, markers. */
function consume(deliveries: readonly TicketEvent[]) {
  const cells = new Map<string, Record<string, string | number>>();
  const shards = new Map<number, Record<string, number>>();
  const first = new Map<string, FirstResolution>();
  const seen = new Set<string>();
  const applyCells = (deltas: readonly import('#functions/reports/service-desk.ts').CellDelta[]) => {
    for (const d of deltas) {
      const key = `${d.date}|${d.type}`;
      const row: Record<string, string | number> = cells.get(key) ?? { date: d.date, type: d.type };
      cells.set(key, row);
      const attribute = `${d.counter}#${d.priority}`;
      row[attribute] = Number(row[attribute] ?? 0) + d.amount;
    }
  };
  const applyBacklog = (delta: import('#functions/reports/service-desk.ts').BacklogDelta | undefined) => {
    if (!delta) return;
    const shard = shards.get(delta.shard) ?? {};
    shards.set(delta.shard, shard);
    for (const [status, amount] of Object.entries(delta.statuses))
      shard[status] = (shard[status] ?? 0) + amount;
  };
  for (const event of deliveries) {
    if (seen.has(event.id)) continue; // the consumer marker
    seen.add(event.id);
    if (event.type === 'TicketCreated') {
      const { cells: c, backlog } = sd.createdDeltas(event);
      applyCells(c);
      applyBacklog(backlog);
    } else if (event.type === 'TicketStatusChanged') {
      const { cells: c, backlog } = sd.statusChangedDeltas(event);
      applyCells(c);
      applyBacklog(backlog);
    } else {
      const candidate = sd.resolutionOf(event);
      const plan = sd.planResolution(first.get(candidate.ticketId), candidate);
      if (plan) {
        first.set(candidate.ticketId, plan.record);
        applyCells(plan.cells);
      }
    }
  }
  return {
    dayItems: [...cells.values()] as Record<string, unknown>[],
    backlogItems: [...shards.values()] as Record<string, unknown>[],
  };
}

/** The report's counters computed straight from the tickets. */
function expected(tickets: readonly Simulated[], from: string, to: string) {
  const inRange = (date: string) => date >= from && date <= to;
  const totals: Counters = sd.emptyCounters();
  const byType = new Map<string, Counters>();
  const byPriority = new Map<string, Counters>();
  const bump = (type: string, priority: string, f: (c: Counters) => void) => {
    for (const [map, key] of [
      [byType, type],
      [byPriority, priority],
    ] as const) {
      const c = map.get(key) ?? sd.emptyCounters();
      map.set(key, c);
      f(c);
    }
    f(totals);
  };
  const backlog: Record<string, number> = { NEW: 0, OPEN: 0, PENDING: 0, RESOLVED: 0, CLOSED: 0 };
  for (const t of tickets) {
    backlog[t.status]! += 1;
    if (inRange(t.created.date)) bump(t.created.type, t.created.priority, (c) => (c.opened += 1));
    for (const r of t.reopenings) if (inRange(r.date)) bump(r.type, r.priority, (c) => (c.reopened += 1));
    const firstResolution = t.resolutions[0];
    if (firstResolution && inRange(firstResolution.date)) {
      bump(firstResolution.type, firstResolution.priority, (c) => {
        c.resolved += 1;
        c.responseMet += firstResolution.responseMet ? 1 : 0;
        c.resolutionMet += firstResolution.resolutionMet ? 1 : 0;
        c.msToResolve += firstResolution.msToResolve;
        c.businessMsToResolve += firstResolution.businessMsToResolve;
      });
    }
  }
  return { totals, byType, byPriority, backlog };
}

describe('Service-desk report: counters from ticket events (property)', () => {
  it('equal the figures computed from the tickets, whatever the delivery order and redeliveries', () => {
    fc.assert(
      fc.property(
        fc.array(TICKET, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 6 }),
        (tickets, redeliveries, noise, fromDay, length) => {
          const simulated = tickets.map((t, i) => simulate(i, t));
          const events = simulated.flatMap((s) => s.events);
          const deliveries = [...events, ...redeliveries.map((i) => events[i % events.length]!)];
          const order = deliveries.map((event) => ({ event, key: noise.next().value as number }));
          order.sort((a, b) => a.key - b.key);
          const { dayItems, backlogItems } = consume(order.map((o) => o.event));

          const from = iso(BASE + fromDay * 24 * HOUR).slice(0, 10);
          const to = iso(BASE + (fromDay + length) * 24 * HOUR).slice(0, 10);
          const report = sd.summarise(from, to, dayItems, backlogItems);
          const want = expected(simulated, from, to);

          expect(report.totals).toEqual(sd.figuresOf(want.totals));
          for (const type of sd.TYPES) {
            const { byPriority: _, ...figures } = report.byType[type];
            expect(figures).toEqual(sd.figuresOf(want.byType.get(type) ?? sd.emptyCounters()));
          }
          for (const priority of sd.PRIORITIES) {
            expect(report.byPriority[priority]).toEqual(
              sd.figuresOf(want.byPriority.get(priority) ?? sd.emptyCounters()),
            );
          }
          expect(report.backlog.byStatus).toEqual(want.backlog);
          expect(report.backlog.open).toBe(want.backlog.NEW! + want.backlog.OPEN! + want.backlog.PENDING!);
          expect(report.days).toHaveLength(length + 1);
          expect(report.days.reduce((n, d) => n + d.opened, 0)).toBe(want.totals.opened);
          expect(report.days.reduce((n, d) => n + d.resolved, 0)).toBe(want.totals.resolved);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Service-desk report: definitions', () => {
  const resolution = (over: Partial<FirstResolution>): FirstResolution => ({
    ticketId: 'T1',
    eventId: 'E1',
    resolvedAt: '2031-05-02T10:00:00.000Z',
    date: '2031-05-02',
    type: 'incident',
    priority: 'high',
    responseMet: true,
    resolutionMet: false,
    msToResolve: 10 * HOUR,
    businessMsToResolve: 4 * HOUR,
    ...over,
  });

  it('computes attainment in percent with one decimal, and means rounded to the millisecond', () => {
    const c = {
      ...sd.emptyCounters(),
      resolved: 3,
      responseMet: 2,
      resolutionMet: 1,
      msToResolve: 10,
      businessMsToResolve: 5,
    };
    expect(sd.figuresOf(c)).toMatchObject({
      responseAttainmentPercent: 66.7,
      resolutionAttainmentPercent: 33.3,
      meanTimeToResolveMs: 3,
      meanBusinessTimeToResolveMs: 2,
    });
    expect(sd.figuresOf(sd.emptyCounters())).toMatchObject({
      responseAttainmentPercent: null,
      meanTimeToResolveMs: null,
    });
  });

  it('counts a ticket’s first resolution only, and moves the count when an earlier one arrives late', () => {
    const later = resolution({ eventId: 'E2', resolvedAt: '2031-05-04T10:00:00.000Z', date: '2031-05-04' });
    const first = resolution({});
    expect(sd.planResolution(first, later)).toBeUndefined();
    expect(sd.planResolution(first, first)).toBeUndefined();
    const moved = sd.planResolution(later, first);
    expect(moved?.record).toEqual(first);
    expect(moved?.cells.filter((c) => c.counter === 'resolved')).toEqual([
      { date: '2031-05-04', type: 'incident', priority: 'high', counter: 'resolved', amount: -1 },
      { date: '2031-05-02', type: 'incident', priority: 'high', counter: 'resolved', amount: 1 },
    ]);
  });

  it('merges the cells of one row into one update and leaves out what nets to zero', () => {
    const same = resolution({});
    const writes = sd.cellUpdates(
      [
        ...sd.planResolution(undefined, same)!.cells,
        ...sd.planResolution(undefined, same)!.cells.map((c) => ({ ...c, amount: -c.amount })),
      ],
      '2031-05-02T10:00:00.000Z',
    );
    expect(writes).toEqual([]);
    const one = sd.cellUpdates(
      [
        { date: '2031-05-02', type: 'incident', priority: 'high', counter: 'opened', amount: 1 },
        { date: '2031-05-02', type: 'incident', priority: 'low', counter: 'opened', amount: 1 },
      ],
      '2031-05-02T10:00:00.000Z',
    );
    expect(one).toHaveLength(1);
    expect(one[0]?.Update?.ExpressionAttributeNames).toMatchObject({
      '#c0': 'opened#high',
      '#c1': 'opened#low',
    });
  });

  it('moves the backlog between statuses on one shard per ticket, and counts reopenings', () => {
    const changed = eventLike('TicketStatusChanged', { from: 'RESOLVED', to: 'OPEN' });
    const { cells, backlog } = sd.statusChangedDeltas(changed);
    expect(backlog).toEqual({
      shard: sd.backlogShard(changed.data.ticketId),
      statuses: { RESOLVED: -1, OPEN: 1 },
    });
    expect(cells).toMatchObject([{ counter: 'reopened', amount: 1 }]);
    expect(
      sd.createdDeltas(eventLike('TicketCreated', { ticketId: changed.data.ticketId })).backlog.shard,
    ).toBe(backlog?.shard);
    const shards = new Set(
      Array.from({ length: 400 }, (_, i) => sd.backlogShard(`01JR2B5C7D9E1F3G5H7J9K${i}`)),
    );
    expect(shards.size).toBe(sd.BACKLOG_SHARDS);
  });
});
