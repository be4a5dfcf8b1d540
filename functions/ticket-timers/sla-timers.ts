/**
 * The SLA timers consumer's own view of each ticket: the newest clock version it applied, what the
 * alarm events need (number, type, priority, customer), which timers are armed, and which instants
 * already fired. One item per ticket, written only by the timers consumer (newer versions only)
 * and by the alarm function (the `fired` map and its once-markers).
 *
 * | item           | pk                    | sk                                  |
 * |----------------|-----------------------|-------------------------------------|
 * | SLA timers     | TICKETSLA#<ticket id> | TIMERS                              |
 * | alarm fired    | TICKETSLA#<ticket id> | FIRED#<target>#<kind>#<slaVersion>  |
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type SlaTarget, TicketPriority, TicketType } from '#events/tickets.ts';
import { ddb, tableName } from '#shared/ddb.ts';
import { IsoTimestamp } from '#shared/schemas.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { type TimerKind, timerSlot } from './plan.ts';

export const slaTimersKey = (ticketId: string) => ({ pk: `TICKETSLA#${ticketId}`, sk: 'TIMERS' }) as const;

export const firedMarkerKey = (ticketId: string, target: SlaTarget, kind: TimerKind, slaVersion: number) =>
  ({ pk: `TICKETSLA#${ticketId}`, sk: `FIRED#${target}#${kind}#${slaVersion}` }) as const;

const ClockTimes = z.object({
  state: z.enum(['running', 'paused', 'met', 'breached']),
  dueAt: IsoTimestamp.optional(),
  warnAt: IsoTimestamp.optional(),
});

export const SlaTimers = z.object({
  ticketId: z.string(),
  number: z.string(),
  type: TicketType,
  priority: TicketPriority,
  customerId: z.string().optional(),
  slaVersion: z.int().min(1),
  clocks: z.object({ response: ClockTimes, resolution: ClockTimes }),
  /** Slots (`<target>#<kind>`) whose schedules are set. */
  armed: z.array(z.string()),
  /** Slot → the instant it fired at (so an unchanged instant is not armed again). */
  fired: z.record(z.string(), IsoTimestamp),
  /** The correlation id of the change the clocks came with. */
  correlationId: z.string().optional(),
  changedAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
});
export type SlaTimers = z.infer<typeof SlaTimers>;

/** The ticket's timers item (strongly consistent), or undefined. */
export async function getSlaTimers(ticketId: string): Promise<SlaTimers | undefined> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: slaTimersKey(ticketId), ConsistentRead: true }),
  );
  return result.Item ? SlaTimers.parse(result.Item) : undefined;
}

/**
 * The write recording a newer clock version: every field but `fired` (the alarm function's), on
 * condition that no version this new or newer was recorded in between.
 */
export function slaTimersUpdate(next: Omit<SlaTimers, 'fired'>): TransactWrite {
  const { ticketId, number, type, priority, customerId, slaVersion, clocks, armed, correlationId } = next;
  const values: Record<string, unknown> = {
    ':entity': 'TicketSlaTimers',
    ':ticketId': ticketId,
    ':number': number,
    ':type': type,
    ':priority': priority,
    ':v': slaVersion,
    ':clocks': clocks,
    ':armed': armed,
    ':changedAt': next.changedAt,
    ':updatedAt': next.updatedAt,
    ':empty': {},
  };
  const sets = [
    'entity = :entity',
    'ticketId = :ticketId',
    '#number = :number',
    '#type = :type',
    'priority = :priority',
    'slaVersion = :v',
    'clocks = :clocks',
    'armed = :armed',
    'changedAt = :changedAt',
    'updatedAt = :updatedAt',
    'fired = if_not_exists(fired, :empty)',
  ];
  const removes: string[] = [];
  if (customerId !== undefined) {
    sets.push('customerId = :customerId');
    values[':customerId'] = customerId;
  } else removes.push('customerId');
  if (correlationId !== undefined) {
    sets.push('correlationId = :correlationId');
    values[':correlationId'] = correlationId;
  } else removes.push('correlationId');
  return {
    Update: {
      TableName: tableName,
      Key: slaTimersKey(ticketId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_not_exists(pk) OR slaVersion < :v',
      ExpressionAttributeNames: { '#number': 'number', '#type': 'type' },
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The writes of one alarm firing (with the event's outbox Put): the slot marked fired at `at`, on
 * condition that this version is still the recorded one, its clock still runs and the slot did not
 * fire at this instant; and the once-marker of (ticket, target, kind, version).
 */
export function firingWrites(
  ticketId: string,
  target: SlaTarget,
  kind: TimerKind,
  slaVersion: number,
  at: string,
  firedAt: string,
): { clock: TransactWrite; marker: TransactWrite } {
  const slot = timerSlot(target, kind);
  return {
    clock: {
      Update: {
        TableName: tableName,
        Key: slaTimersKey(ticketId),
        UpdateExpression: 'SET fired.#slot = :at',
        ConditionExpression:
          'slaVersion = :v AND clocks.#target.#state = :running AND (attribute_not_exists(fired.#slot) OR fired.#slot <> :at)',
        ExpressionAttributeNames: { '#slot': slot, '#target': target, '#state': 'state' },
        ExpressionAttributeValues: { ':v': slaVersion, ':running': 'running', ':at': at },
      },
    },
    marker: {
      Put: {
        TableName: tableName,
        Item: {
          ...firedMarkerKey(ticketId, target, kind, slaVersion),
          entity: 'TicketSlaAlarm',
          ticketId,
          target,
          kind,
          slaVersion,
          at,
          firedAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  };
}
