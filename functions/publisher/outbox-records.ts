/**
 * Reading outbox items out of DynamoDB stream records (the Lambda event format, where binary
 * values are base64 strings). Each record is checked rather than cast: a record that is not an
 * outbox INSERT with a valid envelope is reported, never published.
 */
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

/** One DynamoDB `AttributeValue` (stream/Lambda form) to its plain JavaScript value. */
export function fromAttributeValue(value: unknown, path = '$'): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UnpublishableRecordError(`${path}: not an AttributeValue`);
  }
  const entries = Object.entries(value);
  const [tag, inner] = entries[0] ?? [];
  if (entries.length !== 1 || tag === undefined) {
    throw new UnpublishableRecordError(`${path}: an AttributeValue has exactly one type tag`);
  }
  const fail = (): never => {
    throw new UnpublishableRecordError(`${path}: malformed ${tag} value`);
  };
  const text = (v: unknown): string => (typeof v === 'string' ? v : fail());
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : fail());
  switch (tag) {
    case 'S':
      return text(inner);
    case 'N':
      return Number(text(inner));
    case 'BOOL':
      return typeof inner === 'boolean' ? inner : fail();
    case 'NULL':
      return null;
    case 'B':
      return Buffer.from(text(inner), 'base64');
    case 'SS':
      return new Set(list(inner).map(text));
    case 'NS':
      return new Set(list(inner).map((v) => Number(text(v))));
    case 'BS':
      return new Set(list(inner).map((v) => Buffer.from(text(v), 'base64')));
    case 'L':
      return list(inner).map((v, i) => fromAttributeValue(v, `${path}[${i}]`));
    case 'M': {
      if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return fail();
      return fromImage(inner, path);
    }
    default:
      throw new UnpublishableRecordError(`${path}: unknown AttributeValue type ${tag}`);
  }
}

/** A whole image (`NewImage`, `Keys`) to a plain object. */
export function fromImage(image: object, path = '$'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) out[name] = fromAttributeValue(value, `${path}.${name}`);
  return out;
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
  const parsed = OutboxImage.safeParse(fromImage(image));
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
