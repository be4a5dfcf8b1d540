/**
 * The interaction log (contact centre): calls, emails, meetings and notes, each logged by a staff
 * member against a customer, newest first under the customer's partition.
 *
 * | item               | pk                | sk                  |
 * |--------------------|-------------------|---------------------|
 * | interaction        | CUSTOMER#<id>     | INTERACTION#<ulid>  |
 * | idempotency record | IDEMPOTENCY#<id>  | INTERACTION         |
 *
 * Logging is one `TransactWriteItems`: the customer exists (ConditionCheck), the interaction,
 * the idempotency record when the caller sent a key, and `InteractionLogged`.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import * as z from 'zod';
import { InteractionKind } from '#events/customers.ts';
import { emit } from '#events/emit.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { idempotencyRecordPut, idempotentId, requestHash } from '#shared/idempotency.ts';
import { queryPage } from '#shared/query-page.ts';
import { type TaggedWrite, transactWrite } from '#shared/transactions.ts';
import type { InteractionInput, InteractionView } from './contract.ts';
import { customerExistsCheck, customerPk, getCustomer } from './customers.ts';
import { defaultInternal, summarise } from './rules.ts';

export const INTERACTION_SK_PREFIX = 'INTERACTION#';
export const interactionKey = (customerId: string, id: string) =>
  ({ pk: customerPk(customerId), sk: `${INTERACTION_SK_PREFIX}${id}` }) as const;
export const interactionIdempotencyKey = (id: string) =>
  ({ pk: `IDEMPOTENCY#${id}`, sk: 'INTERACTION' }) as const;

const nextId = monotonicFactory();

export const InteractionRecord = z.object({
  id: z.string(),
  customerId: z.string(),
  kind: InteractionKind,
  direction: z.enum(['inbound', 'outbound']).optional(),
  durationSeconds: z.int().optional(),
  body: z.string(),
  internal: z.boolean(),
  author: z.string(),
  occurredAt: z.string(),
});
export type Interaction = z.infer<typeof InteractionRecord>;

const IdempotencyItem = z.object({ requestHash: z.string(), interaction: InteractionRecord });

export const interactionView = (interaction: Interaction): InteractionView =>
  InteractionRecord.parse(interaction);

export interface LogInteractionRequest {
  readonly customerId: string;
  readonly input: InteractionInput;
  /** The staff member's `sub`. */
  readonly author: string;
  readonly idempotencyKey?: string | undefined;
  readonly correlationId: string;
}

type InteractionTag = 'idempotency' | 'customer' | 'interaction' | 'outbox';

/**
 * Logs an interaction with `InteractionLogged`. 404 when there is no such customer; a retry with
 * the same Idempotency-Key answers the first interaction, the key with another request 422.
 */
export async function logInteraction(request: LogInteractionRequest): Promise<Interaction> {
  const { customerId, input, author, idempotencyKey, correlationId } = request;
  const hash = requestHash({ customerId, ...input });
  const idemKey = idempotencyKey
    ? interactionIdempotencyKey(idempotentId('interaction', author, idempotencyKey))
    : undefined;
  const at = new Date().toISOString();
  const interaction: Interaction = {
    id: nextId(),
    customerId,
    kind: input.kind,
    ...(input.direction === undefined ? {} : { direction: input.direction }),
    ...(input.durationSeconds === undefined ? {} : { durationSeconds: input.durationSeconds }),
    body: input.body,
    internal: input.internal ?? defaultInternal(input.kind),
    author,
    occurredAt: at,
  };
  const logged = emit(
    'InteractionLogged',
    {
      interactionId: interaction.id,
      subject: { type: 'customer', id: customerId },
      customerId,
      kind: interaction.kind,
      ...(interaction.direction === undefined ? {} : { direction: interaction.direction }),
      ...(interaction.durationSeconds === undefined ? {} : { durationSeconds: interaction.durationSeconds }),
      internal: interaction.internal,
      summary: summarise(interaction.body),
      author,
      occurredAt: at,
    },
    { correlationId, occurredAt: at },
  );
  const writes: TaggedWrite<InteractionTag>[] = [
    // First, so a retry is recognised whatever else happened since.
    ...(idemKey
      ? [
          {
            tag: 'idempotency' as const,
            write: idempotencyRecordPut(tableName, idemKey, {
              requestHash: hash,
              at,
              first: { interaction },
            }),
          },
        ]
      : []),
    { tag: 'customer', write: customerExistsCheck(customerId) },
    {
      tag: 'interaction',
      write: {
        Put: {
          TableName: tableName,
          Item: { ...interactionKey(customerId, interaction.id), entity: 'Interaction', ...interaction },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    },
    { tag: 'outbox', write: logged },
  ];
  const outcome = await transactWrite(ddb, writes);
  if (outcome.ok) return interaction;
  if (outcome.failed.includes('idempotency') && idemKey) {
    const stored = await ddb.send(
      new GetCommand({ TableName: tableName, Key: idemKey, ConsistentRead: true }),
    );
    const record = IdempotencyItem.parse(stored.Item);
    if (record.requestHash !== hash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request',
      );
    }
    return record.interaction;
  }
  if (outcome.failed.includes('customer')) throw notFound(`Customer ${customerId}`);
  throw new Error(`Interaction log cancelled by ${outcome.failed.join(', ')}`);
}

/** A customer's interactions, newest first; 404 for an unknown customer. */
export async function listInteractions(
  customerId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: Interaction[]; nextCursor: string | null }> {
  const result = await queryPage({
    partition: customerPk(customerId),
    sortKeyPrefix: INTERACTION_SK_PREFIX,
    order: 'newest-first',
    page,
    parse: (item) => InteractionRecord.parse(item),
  });
  if (result.items.length === 0 && page.cursor === undefined && !(await getCustomer(customerId))) {
    throw notFound(`Customer ${customerId}`);
  }
  return result;
}
