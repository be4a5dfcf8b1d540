import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  chunkEntries,
  entrySize,
  MAX_REQUEST_BYTES,
  type PendingEntry,
  publishEntries,
  toEntry,
} from '#functions/publisher/publish.ts';
import { sampleEvent } from '../../support/backbone.ts';

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });

/** An entry whose detail makes it exactly `size` bytes as EventBridge counts them. */
function entryOfSize(sequenceNumber: string, size: number): PendingEntry {
  const fixed = 14 + 'storeline.test'.length + 'Sized'.length + '{"p":""}'.length;
  return {
    sequenceNumber,
    entry: {
      Source: 'storeline.test',
      DetailType: 'Sized',
      Detail: JSON.stringify({ p: 'x'.repeat(size - fixed) }),
      Time: new Date(),
      EventBusName: 'bus',
    },
  };
}

const pending = (n: number): PendingEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    sequenceNumber: String(i + 1).padStart(21, '0'),
    entry: toEntry({ ...sampleEvent('FulfilmentStarted'), correlationId: `c${i}` }, 'bus'),
  }));

const detailOf = (e: PutEventsRequestEntry) => JSON.parse(e.Detail ?? '{}') as { correlationId: string };
const sentCorrelationIds = (call: number) =>
  (eventBridge.commandCalls(PutEventsCommand)[call]?.args[0].input.Entries ?? []).map(
    (e) => detailOf(e).correlationId,
  );

beforeEach(() => {
  eventBridge.reset();
});

describe('Function: entrySize', () => {
  it('counts 14 bytes for Time and the UTF-8 bytes of source, detail-type, detail and resources', () => {
    const entry = {
      Source: 'abc',
      DetailType: 'Dé',
      Detail: '{"a":"€"}',
      Resources: ['r1'],
      Time: new Date(),
    };
    expect(entrySize(entry)).toBe(14 + 3 + 3 + 11 + 2);
    expect(entrySize({ Source: 'abc', DetailType: 'D', Detail: '{}' })).toBe(6);
  });

  it('puts the whole envelope in Detail, its type and source in DetailType and Source', () => {
    const event = sampleEvent('FulfilmentStarted');
    const entry = toEntry(event, 'storeline');
    expect(entry).toMatchObject({ EventBusName: 'storeline', Source: event.source, DetailType: event.type });
    expect(JSON.parse(entry.Detail ?? '')).toEqual(event);
    expect(entry.Time?.toISOString()).toBe(event.occurredAt);
  });
});

describe('Function: chunkEntries', () => {
  it('splits by count: at most 10 entries per request, in order', () => {
    const chunks = chunkEntries(pending(23));
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(chunks.flat().map((p) => p.sequenceNumber)).toEqual(pending(23).map((p) => p.sequenceNumber));
  });

  it('splits by size: never more than 256 KB per request', () => {
    // Three 100 KB entries: two fit (200 KB), the third starts a new request.
    const entries = ['1', '2', '3'].map((s) => entryOfSize(s, 100 * 1024));
    expect(entries.map((e) => entrySize(e.entry))).toEqual([102400, 102400, 102400]);
    const chunks = chunkEntries(entries);
    expect(chunks.map((c) => c.map((e) => e.sequenceNumber))).toEqual([['1', '2'], ['3']]);
  });

  it('fills a request up to exactly 256 KB', () => {
    const entries = [
      entryOfSize('1', MAX_REQUEST_BYTES - 1000),
      entryOfSize('2', 1000),
      entryOfSize('3', 100),
    ];
    expect(chunkEntries(entries).map((c) => c.length)).toEqual([2, 1]);
  });

  it('refuses an entry larger than a whole request', () => {
    expect(() => chunkEntries([entryOfSize('1', MAX_REQUEST_BYTES + 1)])).toThrow(RangeError);
  });
});

describe('Function: publishEntries', () => {
  it('sends 23 entries as three PutEvents requests', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    // Act
    const result = await publishEntries(client, pending(23), { baseDelayMs: 0 });
    // Assess
    expect(result).toEqual({ published: 23, failed: [], resent: 0 });
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 10, 3,
    ]);
  });

  it('resends exactly the entries PutEvents reports as failed, until they succeed', async () => {
    // Prepare: entries 2 and 4 fail once, then succeed
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          { EventId: 'c' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal' },
          { EventId: 'e' },
        ],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });
    // Act
    const result = await publishEntries(client, pending(5), { baseDelayMs: 0 });
    // Assess
    expect(result).toEqual({ published: 5, failed: [], resent: 2 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(sentCorrelationIds(0)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(sentCorrelationIds(1)).toEqual(['c1', 'c3']);
  });

  it('gives up after the attempts, returns what failed, and sends no later request', async () => {
    // Prepare: entry 3 of the first request always fails
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: Entries.map((e) =>
        detailOf(e).correlationId === 'c2'
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal' }
          : { EventId: 'ok' },
      ),
    }));
    // Act
    const result = await publishEntries(client, pending(15), { maxAttempts: 3, baseDelayMs: 0 });
    // Assess
    expect(result.failed).toEqual([
      {
        sequenceNumber: pending(15)[2]?.sequenceNumber,
        errorCode: 'InternalFailure',
        errorMessage: 'Internal',
      },
    ]);
    expect(result.published).toBe(9);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 1, 1,
    ]);
  });

  it('counts a request that throws as every entry failed, and retries it', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(new Error('socket hang up'))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });
    const result = await publishEntries(client, pending(2), { baseDelayMs: 0 });
    expect(result).toEqual({ published: 2, failed: [], resent: 2 });
  });

  it('treats a result without an EventId as failed', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
    const result = await publishEntries(client, pending(1), { maxAttempts: 2, baseDelayMs: 0 });
    expect(result.failed).toMatchObject([{ errorCode: 'MissingResult' }]);
  });
});
