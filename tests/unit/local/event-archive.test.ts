/**
 * The local bus's archive and replay (infra/local/archive.ts, `LocalEventBus.replay`): the window
 * is by event time, `from` inclusive and `to` exclusive; a replay goes to one consumer's queue
 * through its own rules only, marked with `replay-name` as EventBridge marks replayed events; the
 * archive is bounded and, with a file, survives a restart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalArchive } from '#infra/local/archive.ts';
import { type EventPattern, LocalEventBus, type LocalRule } from '#infra/local/eventbridge.ts';
import { LocalQueue } from '#infra/local/sqs.ts';

const queue = (name: string) => new LocalQueue({ name, region: 'eu-west-1', visibilityTimeoutMs: 30_000 });
const rule = (consumer: string, target: LocalQueue, detailTypes: string[]): LocalRule => {
  const pattern: EventPattern = { source: ['storeline.orders'], 'detail-type': detailTypes };
  return { consumer, source: 'storeline.orders', detailTypes: new Set(detailTypes), pattern, target };
};
const put = (bus: LocalEventBus, type: string, id: string, at: string) =>
  bus.putEvents({
    Entries: [
      {
        EventBusName: 'storeline',
        Source: 'storeline.orders',
        DetailType: type,
        Detail: JSON.stringify({ id, type }),
        Time: Date.parse(at) / 1000,
      },
    ],
  });
const bodies = (q: LocalQueue) => q.peek().map((m) => JSON.parse(m.body) as Record<string, unknown>);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('local replay', () => {
  it("sends the window's events to one consumer's queue, through its rules only, marked replay-name", () => {
    const fulfilment = queue('fulfilment');
    const reports = queue('salesReports');
    const bus = new LocalEventBus({
      name: 'storeline',
      region: 'eu-west-1',
      rules: [
        rule('fulfilment', fulfilment, ['OrderPlaced']),
        rule('salesReports', reports, ['OrderPlaced', 'OrderCancelled']),
      ],
    });
    put(bus, 'OrderPlaced', 'before', '2026-11-23T09:59:59Z');
    put(bus, 'OrderPlaced', 'first', '2026-11-23T10:00:00Z');
    put(bus, 'OrderCancelled', 'not-subscribed', '2026-11-23T10:00:30Z');
    put(bus, 'OrderPlaced', 'last', '2026-11-23T10:00:59Z');
    put(bus, 'OrderPlaced', 'at-end', '2026-11-23T10:01:00Z');
    // Delivered when put: fulfilment subscribes to OrderPlaced (four of the five).
    expect(fulfilment.peek()).toHaveLength(4);
    fulfilment.purge();
    reports.purge();

    const replay = bus.replay({
      name: 'fix-1',
      consumer: 'fulfilment',
      from: new Date('2026-11-23T10:00:00Z'),
      to: new Date('2026-11-23T10:01:00Z'),
    });
    expect(replay.events.map((e) => e.envelopeId)).toEqual(['first', 'last']);
    const replayed = bodies(fulfilment);
    expect(replayed.map((b) => [(b.detail as { id: string }).id, b['replay-name']])).toEqual([
      ['first', 'fix-1'],
      ['last', 'fix-1'],
    ]);
    expect(replay.events.map((e) => e.messageId)).toEqual(fulfilment.peek().map((m) => m.messageId));
    // The other consumer got nothing, though its rules match these events.
    expect(reports.peek()).toHaveLength(0);
    expect(bus.replayHistory().map((r) => r.name)).toEqual(['fix-1']);
  });

  it('refuses an empty window and an unknown consumer', () => {
    const bus = new LocalEventBus({
      name: 'storeline',
      region: 'eu-west-1',
      rules: [rule('a', queue('a'), ['X'])],
    });
    expect(() => bus.replay({ consumer: 'a', from: new Date(2000), to: new Date(1000) })).toThrow(/before/);
    expect(() => bus.replay({ consumer: 'b', from: new Date(1000), to: new Date(2000) })).toThrow(/No rules/);
  });
});

describe('local archive', () => {
  const delivery = (n: number) => ({
    event: {
      version: '0' as const,
      id: `e${n}`,
      'detail-type': 'OrderPlaced',
      source: 'storeline.orders',
      account: '000000000000',
      time: new Date(Date.UTC(2026, 10, 23, 10, 0, n)).toISOString().replace('.000', ''),
      region: 'eu-west-1',
      resources: [],
      detail: { id: `d${n}` },
    },
    consumers: ['fulfilment'],
  });

  it('keeps the newest events up to its limit', () => {
    const archive = new LocalArchive({ limit: 3 });
    for (let n = 0; n < 5; n++) archive.add(delivery(n));
    expect(archive.all().map((d) => d.event.id)).toEqual(['e2', 'e3', 'e4']);
  });

  it('with a file, is read back after a restart and compacted to its limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    dirs.push(dir);
    const file = join(dir, 'data', 'event-archive.jsonl');
    const first = new LocalArchive({ limit: 3, file });
    for (let n = 0; n < 5; n++) first.add(delivery(n));
    const again = new LocalArchive({ limit: 3, file });
    expect(again.all().map((d) => d.event.id)).toEqual(['e2', 'e3', 'e4']);
    expect(
      again
        .between(new Date('2026-11-23T10:00:03Z'), new Date('2026-11-23T10:00:04Z'))
        .map((d) => d.event.id),
    ).toEqual(['e3']);
    again.add(delivery(5));
    // Six lines written reach twice the limit: the file keeps the newest three.
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(new LocalArchive({ limit: 3, file }).all().map((d) => d.event.id)).toEqual(['e3', 'e4', 'e5']);
  });
});
