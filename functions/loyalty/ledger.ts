/**
 * The loyalty ledger: this module owns its keys and stored shapes; every access pattern is a named
 * function, and every write carries a condition. All of a customer's loyalty items share one
 * partition, so a customer's changes never touch anyone else's items (no hot row).
 *
 * | item         | pk                  | sk                  |
 * |--------------|---------------------|---------------------|
 * | balance      | LOYALTY#<customer>  | BALANCE             |
 * | ledger entry | LOYALTY#<customer>  | ENTRY#<seq, 12 digits> |
 * | order record | LOYALTY#<customer>  | ORDER#<orderId>     |
 *
 * **Balance = Σ ledger, by construction.** A posting (`postingWrites`) writes, in ONE transaction,
 * the balance at its new value and sequence number (condition: the sequence it was read at, and
 * a balance covering what is taken, so it never goes below 0), one entry per change under its own
 * sequence number (`attribute_not_exists`), and a `LoyaltyPointsChanged` per entry. Two postings
 * racing for one customer: one commits, the other's transaction is refused as a whole and is
 * planned again on the new balance. Entries are numbered gaplessly per customer, so "newest
 * first" is the reverse of the sequence and each entry's `balanceAfter` is exact.
 *
 * **Once per cause.** The order record holds what an order did to the balance: what it earned
 * (set once), what its returns credited and took back (per return id) and what its cancellation
 * refunded (set once). It is written with every posting about that order, conditioned on the
 * version it was read at, so a redelivered or concurrent event can never earn, reverse or refund
 * twice, whatever the consumer markers say.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ddb, tableName } from '#shared/ddb.ts';
import { queryPage } from '#shared/query-page.ts';
import type { TransactWrite } from '#shared/transactions.ts';
import { type BalanceState, EMPTY_BALANCE, type LoyaltyChange, type PostedEntry, post } from './rules.ts';

export const loyaltyPk = (customerId: string): string => `LOYALTY#${customerId}`;
export const balanceKey = (customerId: string) => ({ pk: loyaltyPk(customerId), sk: 'BALANCE' }) as const;
export const ENTRY_SK_PREFIX = 'ENTRY#';
export const entryKey = (customerId: string, seq: number) =>
  ({ pk: loyaltyPk(customerId), sk: `${ENTRY_SK_PREFIX}${String(seq).padStart(12, '0')}` }) as const;
export const loyaltyOrderKey = (customerId: string, orderId: string) =>
  ({ pk: loyaltyPk(customerId), sk: `ORDER#${orderId}` }) as const;

const LoyaltyKind = z.enum(['earn', 'spend', 'reverse', 'refund']);

/** A customer's balance as stored: `seq` is the sequence number of the latest entry. */
const BalanceRecord = z.object({
  customerId: z.string(),
  balance: z.int().min(0),
  seq: z.int().min(1),
  updatedAt: z.string(),
});

/** A balance read for a posting: `exists` tells which condition guards its update. */
export interface ReadBalance extends BalanceState {
  readonly exists: boolean;
}

export const LedgerEntryRecord = z.object({
  customerId: z.string(),
  entryId: z.string(),
  seq: z.int().min(1),
  kind: LoyaltyKind,
  points: z.int(),
  balanceAfter: z.int().min(0),
  orderId: z.string().optional(),
  returnId: z.string().optional(),
  shortfall: z.int().min(1).optional(),
  at: z.string(),
});
export type LedgerEntry = z.infer<typeof LedgerEntryRecord>;

/** What one order did to its customer's balance (see the module comment). */
export const LoyaltyOrderRecord = z.object({
  customerId: z.string(),
  orderId: z.string(),
  /** Points the delivery earned (0 when nothing); absent until delivered. */
  earned: z.int().min(0).optional(),
  /** The order's total paid (before tax) that earned them: the base of proportional reversal. */
  basis: z.int().min(0).optional(),
  /** Net amount (before tax, positive) credited by returns so far. */
  credited: z.int().min(0),
  /** Points due back so far (round half up of earned × credited / basis). */
  reversedDue: z.int().min(0),
  /** Points actually taken back so far (less than due by the shortfalls). */
  reversed: z.int().min(0),
  /** Points taken back per return id: a return is reversed once. */
  returns: z.record(z.string(), z.int().min(0)),
  /** Points given back by the order's cancellation; absent until then. */
  refunded: z.int().min(0).optional(),
  version: z.int().min(1),
});
export type LoyaltyOrder = z.infer<typeof LoyaltyOrderRecord>;

/** A fresh order record, before anything happened to it. */
export const newLoyaltyOrder = (customerId: string, orderId: string): LoyaltyOrder => ({
  customerId,
  orderId,
  credited: 0,
  reversedDue: 0,
  reversed: 0,
  returns: {},
  version: 0,
});

/** The customer's balance, strongly consistent (0 and no entries before the first change). */
export async function getBalance(customerId: string): Promise<ReadBalance> {
  const result = await ddb.send(
    new GetCommand({ TableName: tableName, Key: balanceKey(customerId), ConsistentRead: true }),
  );
  if (!result.Item) return { ...EMPTY_BALANCE, exists: false };
  const { balance, seq } = BalanceRecord.parse(result.Item);
  return { balance, seq, exists: true };
}

/** What happened to an order's points so far, strongly consistent. */
export async function getLoyaltyOrder(
  customerId: string,
  orderId: string,
): Promise<LoyaltyOrder | undefined> {
  const result = await ddb.send(
    new GetCommand({
      TableName: tableName,
      Key: loyaltyOrderKey(customerId, orderId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? LoyaltyOrderRecord.parse(result.Item) : undefined;
}

/** A page of the customer's ledger, newest first; the cursor is pinned to the customer. */
export async function listLedger(
  customerId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: LedgerEntry[]; nextCursor: string | null }> {
  return queryPage({
    partition: loyaltyPk(customerId),
    sortKeyPrefix: ENTRY_SK_PREFIX,
    order: 'newest-first',
    page,
    parse: (item) => LedgerEntryRecord.parse(item),
  });
}

/**
 * Writes the order record at `record.version + 1`: created (`attribute_not_exists`) when
 * `record.version` is 0, else conditioned on the version it was read at.
 */
export function loyaltyOrderPut(record: LoyaltyOrder): TransactWrite {
  const fresh = record.version === 0;
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...loyaltyOrderKey(record.customerId, record.orderId),
        entity: 'LoyaltyOrder',
        ...record,
        version: record.version + 1,
      },
      ConditionExpression: fresh ? 'attribute_not_exists(pk)' : 'version = :read',
      ...(fresh ? {} : { ExpressionAttributeValues: { ':read': record.version } }),
    },
  };
}

/** The `LoyaltyPointsChanged` data of a posted entry. */
export interface EntryChanged {
  readonly customerId: string;
  readonly entryId: string;
  readonly kind: LoyaltyChange['kind'];
  readonly points: number;
  readonly balance: number;
  readonly orderId?: string;
  readonly returnId?: string;
  readonly changedAt: string;
}

/** A posting ready to commit: its writes (balance, entries, one event per entry) and results. */
export interface Posting {
  readonly writes: TransactWrite[];
  readonly entries: LedgerEntry[];
  readonly next: BalanceState;
}

/**
 * The writes posting `changes` to a customer's balance as read: the balance update (condition:
 * the sequence read, and a balance covering what is taken), one entry Put per change and one event
 * per entry through `emitChanged` (the caller's emit path: intake's or the consumer's). No
 * changes, no writes. Throws (from `post`) when the changes would take the balance below 0.
 */
export function postingWrites(input: {
  readonly customerId: string;
  readonly read: ReadBalance;
  readonly changes: readonly LoyaltyChange[];
  readonly at: string;
  readonly newId: () => string;
  readonly emitChanged: (data: EntryChanged) => TransactWrite;
}): Posting {
  const { customerId, read, changes, at } = input;
  const { entries: posted, next } = post(read, changes);
  if (posted.length === 0) return { writes: [], entries: [], next };
  const entries = posted.map(
    (e: PostedEntry): LedgerEntry => ({
      customerId,
      entryId: input.newId(),
      seq: e.seq,
      kind: e.kind,
      points: e.points,
      balanceAfter: e.balanceAfter,
      ...(e.orderId === undefined ? {} : { orderId: e.orderId }),
      ...(e.returnId === undefined ? {} : { returnId: e.returnId }),
      ...(e.shortfall ? { shortfall: e.shortfall } : {}),
      at,
    }),
  );
  // What the posting takes at most at any point: the balance read must have covered it.
  const taken = Math.max(0, read.balance - Math.min(...posted.map((e) => e.balanceAfter)));
  const balanceWrite: TransactWrite = {
    Update: {
      TableName: tableName,
      Key: balanceKey(customerId),
      UpdateExpression: 'SET customerId = :customer, #balance = :balance, #seq = :seq, updatedAt = :at',
      // A first posting (no balance yet) starts from 0 and `post` refused to take from it.
      ConditionExpression: read.exists ? '#seq = :read AND #balance >= :taken' : 'attribute_not_exists(pk)',
      ExpressionAttributeNames: { '#balance': 'balance', '#seq': 'seq' },
      ExpressionAttributeValues: {
        ':customer': customerId,
        ':balance': next.balance,
        ':seq': next.seq,
        ':at': at,
        ...(read.exists ? { ':read': read.seq, ':taken': taken } : {}),
      },
    },
  };
  const entryWrites = entries.map(
    (entry): TransactWrite => ({
      Put: {
        TableName: tableName,
        Item: { ...entryKey(customerId, entry.seq), entity: 'LoyaltyEntry', ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
  );
  const events = entries.map((entry) =>
    input.emitChanged({
      customerId,
      entryId: entry.entryId,
      kind: entry.kind,
      points: entry.points,
      balance: entry.balanceAfter,
      ...(entry.orderId === undefined ? {} : { orderId: entry.orderId }),
      ...(entry.returnId === undefined ? {} : { returnId: entry.returnId }),
      changedAt: at,
    }),
  );
  return { writes: [balanceWrite, ...entryWrites, ...events], entries, next };
}
