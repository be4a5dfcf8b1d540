/**
 * `npm run dlq -- redrive|redrive-status --stack`: the SQS calls moto does not implement
 * (`StartMessageMoveTask`, `ListMessageMoveTasks`), with aws-sdk-client-mock. The discovery calls
 * around them are answered as SQS would for a stack with one consumer; the rest of the AWS mode
 * runs on moto (tests/conformance/ops-aws.test.ts).
 */

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dlqAws } from '#infra/ops/cli-aws.ts';
import { OPS_TAG } from '#infra/ops/tags.ts';

const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const eventBridge = new EventBridgeClient({ region: 'eu-west-1' });
const mock = mockClient(sqs);
const base = 'https://sqs.eu-west-1.amazonaws.com/123456789012';
const arn = (name: string) => `arn:aws:sqs:eu-west-1:123456789012:${name}`;
const queue = 'Storeline-FulfilmentConsumerQueue1A2B-abc';
const dlq = 'Storeline-FulfilmentConsumerDeadLetterQueue3C4D-def';

function stackWithOneConsumer() {
  mock.on(ListQueuesCommand).resolves({ QueueUrls: [`${base}/${queue}`, `${base}/${dlq}`] });
  mock.on(ListQueueTagsCommand, { QueueUrl: `${base}/${queue}` }).resolves({
    Tags: { [OPS_TAG.function]: 'fulfilment', [OPS_TAG.role]: 'queue', [OPS_TAG.bus]: 'StorelineBus' },
  });
  mock.on(ListQueueTagsCommand, { QueueUrl: `${base}/${dlq}` }).resolves({
    Tags: { [OPS_TAG.function]: 'fulfilment', [OPS_TAG.role]: 'dead-letter' },
  });
  mock
    .on(GetQueueAttributesCommand, { QueueUrl: `${base}/${queue}` })
    .resolves({ Attributes: { QueueArn: arn(queue) } });
  mock
    .on(GetQueueAttributesCommand, { QueueUrl: `${base}/${dlq}` })
    .resolves({ Attributes: { QueueArn: arn(dlq) } });
}

const run = async (command: string, rate?: number) => {
  const lines: string[] = [];
  await dlqAws(command, 'fulfilment', {
    stack: 'Storeline',
    json: false,
    rate,
    print: (l) => lines.push(l),
    clients: { sqs, eventBridge },
  });
  return lines;
};

describe('redrive in AWS', () => {
  beforeEach(() => {
    mock.reset();
    stackWithOneConsumer();
  });

  it("moves the consumer's DLQ back to its own queue, at the rate asked", async () => {
    mock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'handle-1' });
    const lines = await run('redrive', 20);
    expect(mock.commandCalls(ListQueuesCommand)[0]?.args[0].input.QueueNamePrefix).toBe('Storeline');
    const calls = mock.commandCalls(StartMessageMoveTaskCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { SourceArn: arn(dlq), DestinationArn: arn(queue), MaxNumberOfMessagesPerSecond: 20 },
    ]);
    expect(lines[0]).toBe("started moving fulfilment's DLQ back to its queue at 20/s");
  });

  it('without a rate leaves it to SQS (the maximum)', async () => {
    mock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'handle-2' });
    await run('redrive');
    expect(mock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: arn(dlq),
      DestinationArn: arn(queue),
    });
  });

  it("redrive-status lists the DLQ's move tasks with their progress and failure", async () => {
    mock.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          Status: 'RUNNING',
          StartedTimestamp: Date.parse('2026-11-23T10:00:00Z'),
          ApproximateNumberOfMessagesMoved: 40,
          ApproximateNumberOfMessagesToMove: 100,
          MaxNumberOfMessagesPerSecond: 10,
        },
        {
          Status: 'FAILED',
          StartedTimestamp: Date.parse('2026-11-22T09:00:00Z'),
          ApproximateNumberOfMessagesMoved: 3,
          FailureReason: 'AWS.SimpleQueueService.NonExistentQueue',
        },
      ],
    });
    const lines = await run('redrive-status');
    expect(mock.commandCalls(ListMessageMoveTasksCommand)[0]?.args[0].input).toEqual({
      SourceArn: arn(dlq),
      MaxResults: 10,
    });
    expect(lines.map((l) => l.split(/\s{2,}/))).toEqual([
      ['started', 'status', 'moved', 'to move', 'rate', 'failure'],
      ['2026-11-23T10:00:00.000Z', 'RUNNING', '40', '100', '10/s'],
      ['2026-11-22T09:00:00.000Z', 'FAILED', '3', '?', 'max', 'AWS.SimpleQueueService.NonExistentQueue'],
    ]);
  });

  it('redrive-status says when there was none', async () => {
    mock.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    expect(await run('redrive-status')).toEqual(["no redrive of fulfilment's DLQ in the last 14 days"]);
  });
});
