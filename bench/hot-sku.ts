/**
 * Hot SKU: a simulation of a flash sale on one product. DynamoDB serves one item from one
 * partition, at most 1,000 WCU/s; a reservation is a transactional write (2 WCU for an item under
 * 1 KB), so one stock item takes at most ~500 reservations/s, refusals included (a cancelled
 * transaction consumes capacity too). Beyond that requests are throttled; the SDK retries
 * (3 attempts, throttling backoff from 500 ms with jitter) and then the order fails with a 5xx.
 *
 * Sharded stock: the stock split over N items (`STOCK#<sku>#<n>`), an order reserving on a random
 * shard and, when that shard is empty, on the next one, up to every shard: each reservation keeps
 * its own `available >= :q` condition, so no shard goes below zero and the total sold is exactly
 * the stock (burst safety holds); capacity is N × 500/s. Once every shard is empty, a sold-out
 * marker refuses without writing (in both designs). Deterministic (seeded) fluid model in
 * 10 ms ticks.
 */

const TICK_MS = 10;
const ITEM_WCU_PER_SECOND = 1000;
const WCU_PER_RESERVATION = 2;
const MAX_ATTEMPTS = 3;
const THROTTLE_BASE_MS = 500;

export interface HotSkuCase {
  readonly ordersPerSecond: number;
  readonly seconds: number;
  readonly stock: number;
  readonly shards: number;
  readonly created: number;
  readonly outOfStock: number;
  /** Orders that failed after the SDK's retries (5xx to the customer). */
  readonly throttledOut: number;
  /** Orders refused OUT_OF_STOCK while another shard still had stock (the sharding's risk). */
  readonly falseOutOfStock: number;
  readonly p99WaitMs: number;
}

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulate(
  ordersPerSecond: number,
  seconds: number,
  stock: number,
  shards: number,
): HotSkuCase {
  const random = prng(ordersPerSecond * 31 + shards);
  const perTick = (ITEM_WCU_PER_SECOND / WCU_PER_RESERVATION) * (TICK_MS / 1000);
  const left = Array.from(
    { length: shards },
    (_, i) => Math.floor(stock / shards) + (i < stock % shards ? 1 : 0),
  );
  interface Pending {
    arrived: number;
    due: number;
    attempt: number;
    shard: number;
    tried: number;
  }
  let pending: Pending[] = [];
  let created = 0;
  let outOfStock = 0;
  let throttledOut = 0;
  let falseOutOfStock = 0;
  const waits: number[] = [];
  const total = ordersPerSecond * seconds;
  let arrivedSoFar = 0;
  for (let tick = 0; arrivedSoFar < total || pending.length > 0; tick++) {
    const now = tick * TICK_MS;
    const arriving =
      Math.min(total, Math.floor(((tick + 1) * TICK_MS * ordersPerSecond) / 1000)) - arrivedSoFar;
    for (let i = 0; i < arriving; i++)
      pending.push({ arrived: now, due: now, attempt: 1, shard: Math.floor(random() * shards), tried: 0 });
    arrivedSoFar += arriving;
    const budget = Array.from({ length: shards }, () => perTick);
    const later: Pending[] = [];
    for (const p of pending) {
      if (p.due > now) {
        later.push(p);
        continue;
      }
      // Once every shard is empty a sold-out marker (read from a cache, no write) refuses at once.
      if (left.every((n) => n === 0)) {
        outOfStock += 1;
        waits.push(now - p.arrived);
        continue;
      }
      if ((budget[p.shard] as number) < 1) {
        if (p.attempt >= MAX_ATTEMPTS) throttledOut += 1;
        else {
          const backoff = random() * THROTTLE_BASE_MS * 2 ** (p.attempt - 1);
          later.push({ ...p, attempt: p.attempt + 1, due: now + Math.max(TICK_MS, backoff) });
        }
        continue;
      }
      budget[p.shard] = (budget[p.shard] as number) - 1;
      if ((left[p.shard] as number) > 0) {
        left[p.shard] = (left[p.shard] as number) - 1;
        created += 1;
        waits.push(now - p.arrived);
      } else if (p.tried + 1 < shards) {
        // This shard is sold out: the next one, in the same request (another transaction).
        later.push({
          ...p,
          shard: (p.shard + 1) % shards,
          tried: p.tried + 1,
          due: now + TICK_MS,
          attempt: 1,
        });
      } else {
        outOfStock += 1;
        if (left.some((n) => n > 0)) falseOutOfStock += 1;
        waits.push(now - p.arrived);
      }
    }
    pending = later;
  }
  waits.sort((a, b) => a - b);
  return {
    ordersPerSecond,
    seconds,
    stock,
    shards,
    created,
    outOfStock,
    throttledOut,
    falseOutOfStock,
    p99WaitMs: waits[Math.max(0, Math.ceil(waits.length * 0.99) - 1)] ?? 0,
  };
}

/** A 10-second flash sale of 5,000 units at increasing demand, on 1, 4 and 10 stock shards. */
export function simulateHotSku(): HotSkuCase[] {
  const cases: HotSkuCase[] = [];
  for (const rate of [250, 500, 1000, 2000, 5000]) {
    for (const shards of [1, 4, 10]) cases.push(simulate(rate, 10, 5000, shards));
  }
  return cases;
}
