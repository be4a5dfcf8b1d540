import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  backoffDelay,
  batchGetItems,
  MAX_TRANSACT_ITEMS,
  type TaggedWrite,
  transactWrite,
} from '#shared/transactions.ts';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(client);

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const writes: TaggedWrite<string>[] = ['order', 'stock:A', 'stock:B'].map((tag) => ({
  tag,
  write: {
    ConditionCheck: {
      TableName: 't',
      Key: { pk: tag, sk: 'x' },
      ConditionExpression: 'attribute_exists(pk)',
    },
  },
}));

/** Records the waits instead of sleeping; random() always answers `r`. */
function clock(r = 0.5) {
  const waits: number[] = [];
  return { waits, options: { random: () => r, sleep: async (ms: number) => void waits.push(ms) } };
}

describe('Function: transactWrite', () => {
  beforeEach(() => {
    mock.reset();
  });

  it('commits in one call with a fresh ClientRequestToken', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});
    // Act
    const outcome = await transactWrite(client, writes);
    // Assess
    expect(outcome).toEqual({ ok: true });
    const calls = mock.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.TransactItems).toHaveLength(3);
    expect(calls[0]?.args[0].input.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries TransactionConflict with full-jitter backoff, then commits', async () => {
    // Prepare
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'TransactionConflict', 'None'))
      .rejectsOnce(cancelled('TransactionConflict', 'None', 'None'))
      .resolves({});
    const { waits, options } = clock(0.5);
    // Act
    const outcome = await transactWrite(client, writes, { ...options, baseDelayMs: 20, maxDelayMs: 1000 });
    // Assess
    expect(outcome).toEqual({ ok: true });
    const calls = mock.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([10, 20]); // 0.5 × 20·2⁰, 0.5 × 20·2¹
    const tokens = new Set(calls.map((c) => c.args[0].input.ClientRequestToken));
    expect(tokens.size).toBe(3);
  });

  it('gives up after maxAttempts conflicts with 429 RATE_LIMITED', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None', 'None'));
    const { waits, options } = clock();
    // Act
    const failure = await transactWrite(client, writes, { ...options, maxAttempts: 4 }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(4);
    expect(waits).toHaveLength(3);
  });

  it('answers failed conditions as the tags of the failed items, without retrying', async () => {
    // Prepare
    mock
      .on(TransactWriteCommand)
      .rejects(cancelled('None', 'ConditionalCheckFailed', 'ConditionalCheckFailed'));
    // Act
    const outcome = await transactWrite(client, writes);
    // Assess
    expect(outcome).toEqual({ ok: false, failed: ['stock:A', 'stock:B'] });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('retries a mix of conflict and failed condition, since the conditions were not judged on one snapshot', async () => {
    // Prepare
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('TransactionConflict', 'ConditionalCheckFailed', 'None'))
      .rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    const { options } = clock();
    // Act
    const outcome = await transactWrite(client, writes, options);
    // Assess
    expect(outcome).toEqual({ ok: false, failed: ['order'] });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('rethrows errors that are not cancellations, and cancellations with no failed condition', async () => {
    // Prepare
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(new Error('network down'))
      .rejectsOnce(cancelled('ValidationError'));
    // Act / Assess
    await expect(transactWrite(client, writes)).rejects.toThrow('network down');
    await expect(transactWrite(client, writes)).rejects.toBeInstanceOf(TransactionCanceledException);
  });

  it('refuses an empty transaction or one above the DynamoDB limit before calling', async () => {
    const tooMany = Array.from({ length: MAX_TRANSACT_ITEMS + 1 }, () => writes[0] as TaggedWrite<string>);
    await expect(transactWrite(client, [])).rejects.toThrow(/1 to 100/);
    await expect(transactWrite(client, tooMany)).rejects.toThrow(/1 to 100/);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('Function: backoffDelay', () => {
  it('draws uniformly below min(max, base·2^attempt)', () => {
    expect(backoffDelay(0, { random: () => 0.999, baseDelayMs: 25, maxDelayMs: 500 })).toBe(24);
    expect(backoffDelay(3, { random: () => 0.5, baseDelayMs: 25, maxDelayMs: 500 })).toBe(100);
    expect(backoffDelay(10, { random: () => 0.5, baseDelayMs: 25, maxDelayMs: 500 })).toBe(250);
    expect(backoffDelay(5, { random: () => 0, baseDelayMs: 25, maxDelayMs: 500 })).toBe(0);
  });
});

describe('Function: batchGetItems', () => {
  beforeEach(() => {
    mock.reset();
  });

  it('reads consistently and retries unprocessed keys until all are read', async () => {
    // Prepare
    mock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { t: [{ pk: 'a' }] },
        UnprocessedKeys: { t: { Keys: [{ pk: 'b', sk: 'x' }] } },
      })
      .resolvesOnce({ Responses: { t: [{ pk: 'b' }] } });
    const { options } = clock();
    // Act
    const items = await batchGetItems(
      client,
      't',
      [
        { pk: 'a', sk: 'x' },
        { pk: 'b', sk: 'x' },
      ],
      options,
    );
    // Assess
    expect(items).toEqual([{ pk: 'a' }, { pk: 'b' }]);
    const calls = mock.commandCalls(BatchGetCommand);
    expect(calls[0]?.args[0].input.RequestItems?.t?.ConsistentRead).toBe(true);
    expect(calls[1]?.args[0].input.RequestItems?.t?.Keys).toEqual([{ pk: 'b', sk: 'x' }]);
  });
});
