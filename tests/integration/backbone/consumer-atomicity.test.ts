import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { consumer } from '#events/consumer.ts';
import { markerKey } from '#shared/consumer.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { eventLike, sqsRecordFor } from '../../support/backbone.ts';

const get = async (pk: string, sk: string) =>
  (await ddb.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;

/** A consumer whose effect is a counter increment guarded by a condition on a gate item. */
function gated(name: string) {
  return consumer({
    name,
    handlers: {
      FulfilmentStarted: async (event) => [
        {
          ConditionCheck: {
            TableName: tableName,
            Key: { pk: `GATE#${name}`, sk: 'GATE' },
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Update: {
            TableName: tableName,
            Key: { pk: `COUNTER#${name}`, sk: 'COUNTER' },
            UpdateExpression: 'ADD applied :one SET lastEvent = :id',
            ExpressionAttributeValues: { ':one': 1, ':id': event.id },
          },
        },
      ],
    },
  });
}

describe('Consumer framework: marker and effect commit together (DynamoDB Local)', () => {
  it('writes neither the effect nor the marker when the effect cannot commit', async () => {
    // Prepare: no gate item, so the effect's condition fails every time
    const c = gated('atomic-fail');
    const event = eventLike('FulfilmentStarted');
    // Act
    await expect(c.processRecord(sqsRecordFor(event))).rejects.toThrow();
    // Assess
    expect(await get('COUNTER#atomic-fail', 'COUNTER')).toBeUndefined();
    expect(await get(markerKey('atomic-fail', event.id).pk, 'MARKER')).toBeUndefined();
  });

  it('applies the event on redelivery once the cause is fixed, then never again', async () => {
    // Prepare
    const c = gated('atomic-retry');
    const event = eventLike('FulfilmentStarted');
    await expect(c.processRecord(sqsRecordFor(event))).rejects.toThrow();
    await ddb.send(new PutCommand({ TableName: tableName, Item: { pk: 'GATE#atomic-retry', sk: 'GATE' } }));
    // Act
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await c.processRecord(sqsRecordFor(event)));
    // Assess
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await get('COUNTER#atomic-retry', 'COUNTER')).toMatchObject({ applied: 1, lastEvent: event.id });
    expect(await get(markerKey('atomic-retry', event.id).pk, 'MARKER')).toMatchObject({ eventId: event.id });
  });

  it('applies an event once even when it is delivered to two containers at the same time', async () => {
    const c = gated('atomic-concurrent');
    await ddb.send(
      new PutCommand({ TableName: tableName, Item: { pk: 'GATE#atomic-concurrent', sk: 'GATE' } }),
    );
    const event = eventLike('FulfilmentStarted');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => c.processRecord(sqsRecordFor(event))));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await get('COUNTER#atomic-concurrent', 'COUNTER')).toMatchObject({ applied: 1 });
  });

  it('keeps markers per consumer: two consumers each apply the same event', async () => {
    const first = gated('atomic-a');
    const second = gated('atomic-b');
    for (const name of ['atomic-a', 'atomic-b']) {
      await ddb.send(new PutCommand({ TableName: tableName, Item: { pk: `GATE#${name}`, sk: 'GATE' } }));
    }
    const event = eventLike('FulfilmentStarted');
    expect(await first.processRecord(sqsRecordFor(event))).toBe('applied');
    expect(await second.processRecord(sqsRecordFor(event))).toBe('applied');
  });
});
