/** A function reading the table's stream (the outbox publisher), from `FunctionSpec.stream`. */
import { Duration, Tags, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OPS_TAG } from '#infra/ops/tags.ts';
import type { StreamSubscription } from '#infra/topology/types.ts';
import { secureQueue } from './secure-queue.ts';

export interface TableStreamSubscriptionProps {
  readonly table: ITable;
  readonly function: IFunction;
  readonly spec: StreamSubscription;
  /** The function's topology name, tagged on the failure queue for the operations commands. */
  readonly name?: string;
}

/**
 * An event source mapping from the table's stream to a function:
 *
 * - starts at `TRIM_HORIZON`, so records written before the mapping existed are not skipped;
 * - delivers only `INSERT`s whose `pk` starts with the topology's prefix (filtered by Lambda, so
 *   other writes cost no invocation);
 * - batch size, batching window, retries, bisection and parallelization from the topology, with
 *   partial batch responses (`ReportBatchItemFailures`): only the failed record and those after it
 *   in its shard are retried;
 * - records that exhaust their retries go to an encrypted, TLS-only on-failure queue, kept 14 days,
 *   instead of being dropped — the stream itself only keeps them 24 hours.
 */
export class TableStreamSubscription extends Construct {
  /** Where records that exhausted their retries are described (shard, sequence numbers). */
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: TableStreamSubscriptionProps) {
    super(scope, id);
    const { spec } = props;

    this.failureQueue = secureQueue(this, 'FailureQueue', { retentionPeriod: Duration.days(14) });
    if (props.name !== undefined) {
      Tags.of(this.failureQueue).add(OPS_TAG.function, props.name);
      Tags.of(this.failureQueue).add(OPS_TAG.role, 'stream-failures');
    }
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the terminal destination for stream records that exhausted their retries ' +
        "(the event source mapping's on-failure destination, a DLQ in all but name); nothing consumes it " +
        'automatically, and an alarm fires on its first message.',
    });

    props.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: spec.batchSize,
        maxBatchingWindow:
          spec.maxBatchingWindowSeconds > 0 ? Duration.seconds(spec.maxBatchingWindowSeconds) : undefined,
        retryAttempts: spec.retryAttempts,
        bisectBatchOnError: spec.bisectBatchOnError,
        parallelizationFactor: spec.parallelizationFactor,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.failureQueue),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual(spec.filter.eventName),
            dynamodb: { Keys: { pk: { S: FilterRule.beginsWith(spec.filter.pkPrefix) } } },
          }),
        ],
      }),
    );
  }
}
