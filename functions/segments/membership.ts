/**
 * Keeping membership current: judge a customer's facts by every segment and turn the judgement into
 * writes — the facts item (conditioned on the version read, so two judgements of one customer
 * cannot interleave), the review entry moved to the new review day, and for each segment entered
 * or left its member item, its count and a `SegmentEntered`/`SegmentLeft` event, all in one
 * transaction. The facts item records the revision each segment judged the customer by and
 * whether they are a member: it is the one truth the diff is taken against, so a redelivered
 * event or a repeated backfill page changes nothing.
 */
import type { ConsumerTx } from '#events/consumer.ts';
import { emit } from '#events/emit.ts';
import { ddb } from '#shared/ddb.ts';
import { logger } from '#shared/observability.ts';
import { type TaggedWrite, type TransactWrite, transactWrite } from '#shared/transactions.ts';
import { factsPut, getFacts, reviewMoves } from './facts.ts';
import { type CustomerFacts, dayOf, judge } from './rules.ts';
import { asRule, currentSegments, membershipWrites, type Segment } from './segments.ts';

export type Cause = 'facts' | 'rule' | 'time';

/**
 * The definitions to judge `facts` by, read afresh (one strongly consistent Query of at most
 * `MAX_SEGMENTS` small items) for every judgement. A container's cached copy let a customer whose
 * first facts arrived within the cache's lifetime after a new segment was defined — and after the
 * backfill had passed their shard — be judged without it, and so stay out of it until their next
 * event (seen in the campaigns end-to-end test). The backfill starts only once the definition's
 * `SegmentDefined` event has travelled stream → bus → queue, so a judgement that read the list
 * before the definition committed has committed itself long before the backfill reads its shard.
 */
export async function segmentsFor(): Promise<readonly Segment[]> {
  return currentSegments();
}

/**
 * The writes that store `next` (facts changed from `before`, read at `before.version`; 0: new)
 * judged by `segments` on the day of `now`.
 */
export function judgedWrites(options: {
  before: CustomerFacts | undefined;
  next: CustomerFacts;
  segments: readonly Segment[];
  cause: Cause;
  now: string;
  emitEvent: ConsumerTx['emit'];
}): { writes: TransactWrite[]; changed: boolean; entered: number; left: number } {
  const { before, next, segments, cause, now, emitEvent } = options;
  const judgement = judge(next, segments.map(asRule), dayOf(now));
  const facts = { ...judgement.facts, updatedAt: now };
  const readVersion = before?.version ?? 0;
  const writes = [
    factsPut(facts, readVersion),
    ...reviewMoves(facts.customerId, before?.reviewOn, facts.reviewOn),
    ...membershipWrites(facts.customerId, judgement.changes, cause, now, emitEvent),
  ];
  const entered = judgement.changes.filter((c) => c.entered).length;
  return { writes, changed: judgement.changes.length > 0, entered, left: judgement.changes.length - entered };
}

const sameJudgement = (a: CustomerFacts, b: CustomerFacts) =>
  a.reviewOn === b.reviewOn && JSON.stringify(a.segments) === JSON.stringify(b.segments);

export interface Reevaluation {
  readonly entered: number;
  readonly left: number;
  readonly written: boolean;
}

/**
 * Judges one customer again outside any event (a new rule, or time passing), in a transaction of
 * its own, re-read and re-judged when a concurrent write moved their facts first. `segments`
 * given: judged by those (a backfill's fresh read), else by the current definitions. Writes nothing
 * when neither membership nor the review day changes. `skip` lets a backfill pass over a customer
 * already judged by its revision or a newer one.
 */
export async function reevaluateCustomer(
  customerId: string,
  options: {
    cause: Cause;
    correlationId: string;
    now?: string;
    segments?: readonly Segment[];
    skip?: (facts: CustomerFacts) => boolean;
  },
): Promise<Reevaluation> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const facts = await getFacts(customerId);
    if (!facts || options.skip?.(facts)) return { entered: 0, left: 0, written: false };
    const now = options.now ?? new Date().toISOString();
    const segments = options.segments ?? (await segmentsFor());
    const emitEvent: ConsumerTx['emit'] = (type, data) =>
      emit(type, data, { correlationId: options.correlationId, occurredAt: now });
    const judged = judgedWrites({
      before: facts,
      next: facts,
      segments,
      cause: options.cause,
      now,
      emitEvent,
    });
    const after = judge(facts, segments.map(asRule), dayOf(now)).facts;
    if (!judged.changed && sameJudgement(facts, after)) return { entered: 0, left: 0, written: false };
    const tagged: TaggedWrite<'facts' | 'other'>[] = judged.writes.map((write, i) => ({
      tag: i === 0 ? 'facts' : 'other',
      write,
    }));
    const outcome = await transactWrite(ddb, tagged);
    if (outcome.ok) return { entered: judged.entered, left: judged.left, written: true };
    logger.info('facts moved while judging a customer: judging again', { customerId, attempt });
  }
  throw new Error(`Customer ${customerId}'s facts kept changing while being judged`);
}
