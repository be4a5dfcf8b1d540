/**
 * The daily review: customers whose judgement time alone may change today (a spend bucket leaving
 * a window, a last order leaving a `lastOrderWithinDays`/`lastOrderBefore` window) are judged
 * again. Each customer's facts name their next review day and the review index holds them under it
 * (facts.ts), so the run reads only the customers due — one Query per shard for every entry up to
 * today, so a missed run is caught up by the next — never the whole customer base.
 *
 * Judging moves the customer's entry to their next review day in the same transaction as any
 * membership change; an entry whose customer is no longer due (an orphan) is deleted. When the
 * run nears its timeout it stops: the entries left are still due, and tomorrow's run takes them.
 *
 * Scheduled `rate(1 day)` (infra/topology.ts, EventBridge Scheduler in AWS). The invocation is
 * `{ schedule }`; `asOf` (ISO timestamp) judges as of another time, for tests and for an operator
 * replaying a day.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import { logger, metrics, observed } from '#shared/observability.ts';
import { IsoTimestamp } from '#shared/schemas.ts';
import { dueReviews, FACT_SHARDS, reviewKey } from './facts.ts';
import { reevaluateCustomer } from './membership.ts';
import { dayOf } from './rules.ts';

export const REVIEW_SCHEDULE = 'segment-windows-daily';
/** Stop this long before the timeout; the entries left stay due for the next run. */
const SAFETY_MARGIN_MS = 20_000;
const REVIEW_PAGE = 100;

export interface ReviewOutcome {
  readonly reviewed: number;
  readonly entered: number;
  readonly left: number;
  /** False when the run stopped before every due entry was judged. */
  readonly complete: boolean;
}

export async function reviewDue(options: { now: string; timeLeftMs?: () => number }): Promise<ReviewOutcome> {
  const today = dayOf(options.now);
  const correlationId = `segment-review-${today}`;
  let reviewed = 0;
  let entered = 0;
  let left = 0;
  for (let shard = 0; shard < FACT_SHARDS; shard++) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dueReviews(shard, today, startKey, REVIEW_PAGE);
      for (const due of page.items) {
        if (options.timeLeftMs && options.timeLeftMs() < SAFETY_MARGIN_MS) {
          return { reviewed, entered, left, complete: false };
        }
        const outcome = await reevaluateCustomer(due.customerId, {
          cause: 'time',
          correlationId,
          now: options.now,
        });
        if (!outcome.written) {
          // The facts do not name this day (or are gone): nothing is due for it.
          await ddb.send(
            new DeleteCommand({ TableName: tableName, Key: reviewKey(due.customerId, due.reviewOn) }),
          );
        }
        reviewed++;
        entered += outcome.entered;
        left += outcome.left;
      }
      startKey = page.lastKey;
    } while (startKey);
  }
  return { reviewed, entered, left, complete: true };
}

const ScheduledInvocation = z.object({ schedule: z.string(), asOf: IsoTimestamp.optional() });

async function run(event: unknown, context: Context): Promise<ReviewOutcome> {
  const { schedule, asOf } = ScheduledInvocation.parse(event);
  const now = asOf ?? new Date().toISOString();
  // The run's events carry `segment-review-<day>` as their correlation id: so do its logs.
  logger.setCorrelationId(`segment-review-${dayOf(now)}`);
  const outcome = await reviewDue({
    now,
    timeLeftMs: () => context.getRemainingTimeInMillis(),
  });
  metrics.addMetric('SegmentReviews', MetricUnit.Count, outcome.reviewed);
  logger.info('segment review run', { schedule, ...outcome });
  return outcome;
}

export const handler = observed('schedule', run);
