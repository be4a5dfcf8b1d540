/**
 * The operations commands against a deployed stack, with the SQS and EventBridge clients alone
 * (no CloudFormation client): the stack's queues are found by name prefix (CloudFormation names
 * them `<stack>-<logical id>-<random>`) and told apart by the tags the constructs put on them
 * (`OPS_TAG`: the function, the queue's role, the bus). Used by `npm run dlq` and `npm run replay`
 * when a stack is named (`--stack` or `STORELINE_STACK`); each step is a function taking its
 * clients, so the conformance tier runs them on moto.
 */
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  type EventBridgeClient,
  ListArchivesCommand,
  ListRuleNamesByTargetCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { OPS_TAG, type QueueRole } from './tags.ts';

export interface StackQueue {
  readonly url: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A consumer's queue and DLQ, and the bus its rules are on. */
export interface ConsumerQueuesInAws {
  readonly queue: StackQueue;
  readonly dlq: StackQueue;
  readonly busName: string | undefined;
}

export interface StackQueues {
  /** By consumer name. */
  readonly consumers: ReadonlyMap<string, ConsumerQueuesInAws>;
  /** Stream subscriptions' on-failure queues, by the stream function's name. */
  readonly streamFailures: ReadonlyMap<string, StackQueue>;
}

const ROLES: readonly QueueRole[] = ['queue', 'dead-letter', 'stream-failures'];

/** Every queue of the stack (name prefix), with its tags and ARN; pages through ListQueues. */
export async function findStackQueues(sqs: SQSClient, stack: string): Promise<StackQueues> {
  const urls: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sqs.send(
      new ListQueuesCommand({
        QueueNamePrefix: stack,
        MaxResults: 1000,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    urls.push(...(page.QueueUrls ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const tagged = await Promise.all(
    urls.map(async (url) => {
      const [{ Tags }, { Attributes }] = await Promise.all([
        sqs.send(new ListQueueTagsCommand({ QueueUrl: url })),
        sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })),
      ]);
      return { url, arn: Attributes?.QueueArn ?? '', tags: Tags ?? {} };
    }),
  );
  const byFunction = new Map<string, Partial<Record<QueueRole, StackQueue>>>();
  for (const queue of tagged) {
    const fn = queue.tags[OPS_TAG.function];
    const role = queue.tags[OPS_TAG.role] as QueueRole | undefined;
    if (!fn || !role || !ROLES.includes(role)) continue;
    byFunction.set(fn, { ...byFunction.get(fn), [role]: queue });
  }
  const consumers = new Map<string, ConsumerQueuesInAws>();
  const streamFailures = new Map<string, StackQueue>();
  for (const [fn, roles] of [...byFunction].sort(([a], [b]) => a.localeCompare(b))) {
    if (roles.queue && roles['dead-letter']) {
      consumers.set(fn, {
        queue: roles.queue,
        dlq: roles['dead-letter'],
        busName: roles.queue.tags[OPS_TAG.bus],
      });
    }
    if (roles['stream-failures']) streamFailures.set(fn, roles['stream-failures']);
  }
  return { consumers, streamFailures };
}

/** A consumer by name, or an error listing the ones there are. */
export function consumerIn(queues: StackQueues, name: string): ConsumerQueuesInAws {
  const found = queues.consumers.get(name);
  if (!found) {
    throw new Error(
      `no consumer ${name} in the stack (consumers: ${[...queues.consumers.keys()].join(', ') || 'none found: wrong --stack or --region?'})`,
    );
  }
  return found;
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export async function queueDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** A message seen without consuming it. */
export interface PeekedMessage {
  readonly messageId: string;
  /** Receives so far, this peek included. */
  readonly receiveCount: number;
  /** When it was first sent (SQS keeps it when a message moves to a DLQ). */
  readonly sentAt: string;
  readonly body: unknown;
}

/**
 * Up to `max` messages of a queue, without consuming them: received with a short visibility
 * timeout (so one peek sees each message once), then made visible again at once (visibility 0).
 * Each peek counts as a receive. Meant for DLQs and failure queues, which have no redrive policy:
 * on a consumer's own queue a peek would count towards its `maxReceiveCount`.
 */
export async function peekMessages(sqs: SQSClient, url: string, max = 50): Promise<PeekedMessage[]> {
  const seen = new Map<string, Message>();
  try {
    while (seen.size < max) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max - seen.size),
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) seen.set(m.MessageId ?? '', m);
    }
  } finally {
    const handles = [...seen.values()].filter((m) => m.ReceiptHandle);
    for (let i = 0; i < handles.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: handles.slice(i, i + 10).map((m, j) => ({
            Id: String(j),
            ReceiptHandle: m.ReceiptHandle ?? '',
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
  return [...seen.values()].map((m) => {
    let body: unknown = m.Body;
    try {
      body = JSON.parse(m.Body ?? '');
    } catch {
      // shown as sent
    }
    const sent = Number(m.Attributes?.SentTimestamp ?? 0);
    return {
      messageId: m.MessageId ?? '',
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
      sentAt: new Date(sent).toISOString(),
      body,
    };
  });
}

/** What a DLQ message is: an EventBridge event carrying a Storeline envelope. */
export function describeEventMessage(body: unknown): string {
  const event = body as {
    'detail-type'?: unknown;
    'replay-name'?: unknown;
    detail?: { id?: unknown; correlationId?: unknown };
  } | null;
  if (!event || typeof event !== 'object' || typeof event['detail-type'] !== 'string') {
    return 'not an EventBridge event';
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : '?');
  const replay = typeof event['replay-name'] === 'string' ? ` (replay ${event['replay-name']})` : '';
  return `${event['detail-type']} ${text(event.detail?.id)} correlation ${text(event.detail?.correlationId)}${replay}`;
}

/**
 * What a stream-failure message is: Lambda's on-failure record for a DynamoDB stream batch that
 * exhausted its retries. It describes the batch (shard, sequence numbers, arrival times), it is
 * not the events: the outbox items behind it stay in the table (`pk = OUTBOX#<event id>`, 7 days).
 */
export function describeStreamFailure(body: unknown): string {
  const record = body as {
    requestContext?: { condition?: unknown; approximateInvokeCount?: unknown };
    responseContext?: { functionError?: unknown };
    DDBStreamBatchInfo?: {
      shardId?: unknown;
      startSequenceNumber?: unknown;
      endSequenceNumber?: unknown;
      batchSize?: unknown;
      approximateArrivalOfFirstRecord?: unknown;
      approximateArrivalOfLastRecord?: unknown;
    };
  } | null;
  const batch = record?.DDBStreamBatchInfo;
  if (!batch) return 'not a Lambda stream on-failure record';
  return (
    `batch of ${String(batch.batchSize ?? '?')} record(s) in ${String(batch.shardId ?? '?')} ` +
    `${String(batch.startSequenceNumber ?? '?')}…${String(batch.endSequenceNumber ?? '?')}, ` +
    `written ${String(batch.approximateArrivalOfFirstRecord ?? '?')}…${String(batch.approximateArrivalOfLastRecord ?? '?')}; ` +
    `${String(record?.requestContext?.condition ?? '?')} after ${String(record?.requestContext?.approximateInvokeCount ?? '?')} invocation(s)` +
    (record?.responseContext?.functionError ? ` (${String(record.responseContext.functionError)})` : '')
  );
}

/** Starts moving a consumer's DLQ back to its queue (SQS `StartMessageMoveTask`). */
export async function startRedrive(
  sqs: SQSClient,
  consumer: ConsumerQueuesInAws,
  ratePerSecond?: number,
): Promise<string> {
  const out = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: consumer.dlq.arn,
      DestinationArn: consumer.queue.arn,
      ...(ratePerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: ratePerSecond }),
    }),
  );
  if (!out.TaskHandle) throw new Error('StartMessageMoveTask returned no task handle');
  return out.TaskHandle;
}

export interface RedriveTask {
  readonly status: string;
  readonly startedAt: string | undefined;
  readonly moved: number;
  readonly toMove: number | undefined;
  readonly ratePerSecond: number | undefined;
  readonly failureReason: string | undefined;
  readonly taskHandle: string | undefined;
}

/** The DLQ's recent move tasks, newest first (SQS `ListMessageMoveTasks`). */
export async function redriveStatus(sqs: SQSClient, consumer: ConsumerQueuesInAws): Promise<RedriveTask[]> {
  const { Results = [] } = await sqs.send(
    new ListMessageMoveTasksCommand({ SourceArn: consumer.dlq.arn, MaxResults: 10 }),
  );
  return Results.map((r) => ({
    status: r.Status ?? '?',
    startedAt: r.StartedTimestamp === undefined ? undefined : new Date(r.StartedTimestamp).toISOString(),
    moved: r.ApproximateNumberOfMessagesMoved ?? 0,
    toMove: r.ApproximateNumberOfMessagesToMove,
    ratePerSecond: r.MaxNumberOfMessagesPerSecond,
    failureReason: r.FailureReason,
    taskHandle: r.TaskHandle,
  }));
}

/** What a replay to one consumer needs: the bus, its archive and the consumer's rules. */
export interface ReplayTarget {
  readonly busName: string;
  readonly busArn: string;
  readonly archiveArn: string;
  readonly archiveName: string;
  /** The consumer's rules (those targeting its queue): the replay's `FilterArns`. */
  readonly ruleArns: readonly string[];
}

export async function findReplayTarget(
  eventBridge: EventBridgeClient,
  consumerName: string,
  consumer: ConsumerQueuesInAws,
): Promise<ReplayTarget> {
  const busName = consumer.busName;
  if (!busName)
    throw new Error(`${consumerName}'s queue has no ${OPS_TAG.bus} tag: deploy the current stack`);
  const bus = await eventBridge.send(new DescribeEventBusCommand({ Name: busName }));
  if (!bus.Arn) throw new Error(`bus ${busName} has no ARN`);
  const ruleNames: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await eventBridge.send(
      new ListRuleNamesByTargetCommand({
        TargetArn: consumer.queue.arn,
        EventBusName: busName,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    ruleNames.push(...(page.RuleNames ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  if (ruleNames.length === 0) throw new Error(`no rule on ${busName} targets ${consumerName}'s queue`);
  const ruleArns = await Promise.all(
    ruleNames.map(async (Name) => {
      const rule = await eventBridge.send(new DescribeRuleCommand({ Name, EventBusName: busName }));
      if (!rule.Arn) throw new Error(`rule ${Name} has no ARN`);
      return rule.Arn;
    }),
  );
  const { Archives = [] } = await eventBridge.send(new ListArchivesCommand({ EventSourceArn: bus.Arn }));
  const archiveName = Archives[0]?.ArchiveName;
  if (!archiveName) throw new Error(`bus ${busName} has no archive`);
  const archive = await eventBridge.send(new DescribeArchiveCommand({ ArchiveName: archiveName }));
  if (!archive.ArchiveArn) throw new Error(`archive ${archiveName} has no ARN`);
  return { busName, busArn: bus.Arn, archiveArn: archive.ArchiveArn, archiveName, ruleArns: ruleArns.sort() };
}

/** A replay name EventBridge accepts (64 characters of `[.\-_A-Za-z0-9]`), unique per second. */
export function replayName(consumer: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${consumer.replace(/[^.\-_A-Za-z0-9]/g, '-').slice(0, 40)}-${stamp}`;
}

/** Starts replaying the archive's events of [from, to) to the consumer's rules only. */
export async function startReplay(
  eventBridge: EventBridgeClient,
  target: ReplayTarget,
  request: { name: string; from: Date; to: Date },
): Promise<string> {
  const out = await eventBridge.send(
    new StartReplayCommand({
      ReplayName: request.name,
      Description: `to ${target.ruleArns.length} rule(s), by npm run replay`,
      EventSourceArn: target.archiveArn,
      EventStartTime: request.from,
      EventEndTime: request.to,
      Destination: { Arn: target.busArn, FilterArns: [...target.ruleArns] },
    }),
  );
  return out.State ?? 'STARTING';
}

export interface ReplayState {
  readonly state: string;
  readonly reason: string | undefined;
  readonly lastReplayed: string | undefined;
  readonly filterArns: readonly string[];
}

const FINAL_STATES = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

/** Polls `DescribeReplay` until the replay has ended (or `timeoutMs` passed). */
export async function waitForReplay(
  eventBridge: EventBridgeClient,
  name: string,
  options: { intervalMs?: number; timeoutMs?: number; onState?: (state: ReplayState) => void } = {},
): Promise<ReplayState> {
  const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
  let last = '';
  for (;;) {
    const out = await eventBridge.send(new DescribeReplayCommand({ ReplayName: name }));
    const state: ReplayState = {
      state: out.State ?? '?',
      reason: out.StateReason,
      lastReplayed: out.EventLastReplayedTime?.toISOString(),
      filterArns: out.Destination?.FilterArns ?? [],
    };
    if (state.state !== last) options.onState?.(state);
    last = state.state;
    if (FINAL_STATES.has(state.state) || Date.now() > deadline) return state;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 5_000));
  }
}
