/**
 * Reading outbox items out of DynamoDB stream records. The image is decoded by the SDK's
 * `unmarshall` and then checked rather than cast: a record that is not an outbox INSERT with a
 * valid envelope is reported, never published.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import { EventEnvelope } from '#shared/events/envelope.ts';
import { OUTBOX_PK_PREFIX } from '#shared/outbox.ts';

/** Thrown for a record that can never be published (retrying cannot fix it). */
export class UnpublishableRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnpublishableRecordError';
  }
}

const OutboxImage = z.object({
  pk: z.string().startsWith(OUTBOX_PK_PREFIX),
  sk: z.literal('EVENT'),
  event: EventEnvelope,
});

/** The envelope an outbox INSERT record carries; throws `UnpublishableRecordError` otherwise. */
export function envelopeFromRecord(record: DynamoDBRecord): EventEnvelope {
  if (record.eventName !== 'INSERT') {
    throw new UnpublishableRecordError(`${record.eventName ?? 'unknown'} record: only INSERTs are published`);
  }
  const image = record.dynamodb?.NewImage;
  if (!image) throw new UnpublishableRecordError('record has no NewImage (stream view type must include it)');
  let item: Record<string, unknown>;
  try {
    // The Lambda event's AttributeValue shape is the SDK's, but for binaries (base64 text), which
    // outbox items never hold.
    item = unmarshall(image as Record<string, AttributeValue>);
  } catch (error) {
    throw new UnpublishableRecordError(`NewImage is not a DynamoDB item: ${(error as Error).message}`);
  }
  const parsed = OutboxImage.safeParse(item);
  if (!parsed.success) {
    throw new UnpublishableRecordError(
      `not an outbox item with a valid envelope: ${z.prettifyError(parsed.error)}`,
    );
  }
  if (parsed.data.pk !== `${OUTBOX_PK_PREFIX}${parsed.data.event.id}`) {
    throw new UnpublishableRecordError(
      `outbox key ${parsed.data.pk} does not match event id ${parsed.data.event.id}`,
    );
  }
  return parsed.data.event;
}
