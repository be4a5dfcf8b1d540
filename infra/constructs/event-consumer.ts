/** An SQS-fed consumer of bus events, from `FunctionSpec.consumer`. */
import { Duration, Tags } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OPS_TAG, type QueueRole } from '#infra/ops/tags.ts';
import type { ConsumerSpec } from '#infra/topology/types.ts';
import { secureQueue, shareQueuePolicy } from './secure-queue.ts';

export interface EventConsumerProps {
  readonly bus: IEventBus;
  readonly function: IFunction;
  /** The function's timeout, to check the queue's visibility timeout against. */
  readonly functionTimeoutSeconds: number;
  readonly spec: ConsumerSpec;
  /** The consumer's topology name, tagged on its queues for the operations commands. */
  readonly name?: string;
}

/**
 * Bus → rule(s) → queue → function, with a dead-letter queue:
 *
 * - one EventBridge rule per `events` entry, matching its `source` and `detail-type`s, targeting
 *   the queue; events EventBridge cannot deliver (after its own retries) also land in the DLQ;
 * - the queue (SSE-SQS, TLS only) redrives to the DLQ after `maxReceiveCount` receives, with the
 *   topology's visibility timeout (checked to be at least six times the function timeout, as AWS
 *   recommends, so a message is not redelivered while a retry of its batch still runs);
 * - the queue and the DLQ share one queue policy (TLS only; EventBridge may send to each), one
 *   resource instead of two against CloudFormation's 500 per stack;
 * - the DLQ keeps messages `dlqRetentionDays` — longer than the queue, since SQS keeps a message's
 *   original enqueue time when it is moved;
 * - an SQS event source with the topology's batch size and window and partial batch responses.
 */
export class EventConsumer extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: EventConsumerProps) {
    super(scope, id);
    const { spec } = props;

    if (spec.visibilityTimeoutSeconds < 6 * props.functionTimeoutSeconds) {
      throw new Error(
        `${this.node.path}: visibility timeout ${spec.visibilityTimeoutSeconds}s is below six times the ` +
          `function timeout (${props.functionTimeoutSeconds}s)`,
      );
    }

    this.deadLetterQueue = secureQueue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(spec.dlqRetentionDays),
      // TLS-only through the queue's policy, shared below.
      enforceSSL: false,
    });
    this.queue = secureQueue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
    });
    shareQueuePolicy(this.queue, this.deadLetterQueue);
    if (props.name !== undefined) {
      const tag = (queue: Queue, role: QueueRole) => {
        Tags.of(queue).add(OPS_TAG.function, props.name ?? '');
        Tags.of(queue).add(OPS_TAG.role, role);
      };
      tag(this.queue, 'queue');
      tag(this.deadLetterQueue, 'dead-letter');
      Tags.of(this.queue).add(OPS_TAG.bus, props.bus.eventBusName);
    }

    this.rules = spec.events.map(
      ({ source, detailTypes }, index) =>
        new Rule(this, `Rule${index}`, {
          eventBus: props.bus,
          description: `${source}: ${detailTypes.join(', ')} → ${this.node.path}`,
          eventPattern: { source: [source], detailType: [...detailTypes] },
          targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
        }),
    );

    props.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: spec.batchSize,
        maxBatchingWindow:
          spec.maxBatchingWindowSeconds > 0 ? Duration.seconds(spec.maxBatchingWindowSeconds) : undefined,
        reportBatchItemFailures: true,
        ...(spec.maxConcurrency === undefined ? {} : { maxConcurrency: spec.maxConcurrency }),
      }),
    );
  }
}
