/**
 * The backfill: a new segment, or a segment's new rule, is judged for every customer who already
 * has facts, off the request path. `SegmentDefined` (emitted with the definition) starts it at
 * shard 0; each delivery judges one page of one shard's facts items (a strongly consistent Query,
 * `BACKFILL_PAGE` items), records progress on the segment and emits `SegmentBackfillContinued` for
 * the next page in the same transaction as its marker, until the sixteenth shard is done and the
 * segment's `backfill.status` is `complete`. The chain is as reliable as any event: a crash
 * mid-page redelivers the page, and customers already judged by this revision are passed over
 * (their facts record it), so nobody is judged twice. A newer revision ends an older one's chain:
 * its own backfill judges everyone again.
 */
import { type ConsumerTx, consumer } from '#events/consumer.ts';
import { decodeCursor, encodeCursor } from '#shared/paging.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { FACT_SHARDS, factsPage, factsPartition } from './facts.ts';
import { reevaluateCustomer } from './membership.ts';
import { backfillProgressWrite, loadSegments } from './segments.ts';

/**
 * Customers judged per delivery: each may be a transaction of its own, well inside the timeout.
 * `SEGMENT_BACKFILL_PAGE` overrides it (tests use small pages to walk many of them).
 */
export const BACKFILL_PAGE = Number(process.env.SEGMENT_BACKFILL_PAGE ?? 50);

interface Step {
  readonly segmentId: string;
  readonly revision: number;
  readonly shard: number;
  readonly cursor?: string | undefined;
  readonly evaluated: number;
}

async function backfillStep(step: Step, tx: ConsumerTx): Promise<TransactWrite[]> {
  const segments = await loadSegments();
  const segment = segments.find((s) => s.id === step.segmentId);
  // Gone, or superseded by a newer rule whose own backfill runs.
  if (!segment || segment.revision !== step.revision) return [];
  const startKey = decodeCursor(step.cursor, ['pk', 'sk'], { pk: factsPartition(step.shard) });
  const page = await factsPage(step.shard, startKey, BACKFILL_PAGE);
  const judgedAlready = (revision: number | undefined) => (revision ?? 0) >= step.revision;
  for (const facts of page.items) {
    if (judgedAlready(facts.segments[step.segmentId]?.revision)) continue;
    await reevaluateCustomer(facts.customerId, {
      cause: 'rule',
      correlationId: tx.correlationId,
      segments,
      skip: (current) => judgedAlready(current.segments[step.segmentId]?.revision),
    });
  }
  const evaluated = step.evaluated + page.items.length;
  const next = page.lastKey
    ? { shard: step.shard, cursor: encodeCursor(page.lastKey) ?? undefined }
    : step.shard + 1 < FACT_SHARDS
      ? { shard: step.shard + 1, cursor: undefined }
      : undefined;
  if (!next) return [backfillProgressWrite(step.segmentId, step.revision, evaluated, true, tx.now)];
  return [
    backfillProgressWrite(step.segmentId, step.revision, evaluated, false, tx.now),
    tx.emit('SegmentBackfillContinued', {
      segmentId: step.segmentId,
      revision: step.revision,
      shard: next.shard,
      ...(next.cursor === undefined ? {} : { cursor: next.cursor }),
      evaluated,
    }),
  ];
}

export const segmentBackfill = consumer({
  name: 'segmentBackfill',
  handlers: {
    SegmentDefined: async ({ data }, tx) =>
      backfillStep({ segmentId: data.segmentId, revision: data.revision, shard: 0, evaluated: 0 }, tx),
    SegmentBackfillContinued: async ({ data }, tx) => backfillStep(data, tx),
  },
});

export const handler = segmentBackfill.handler;
