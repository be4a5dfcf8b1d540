/**
 * The sending rate of a campaign: at most `rate` messages per second (`CAMPAIGN_SEND_RATE`), paced
 * evenly — the i-th message of a page goes out no earlier than i / rate seconds after the page
 * started — and pages sized so that one page at that rate takes at most `PAGE_SECONDS`, well
 * inside the sender's Lambda timeout, whatever the segment's size: the next page is a new
 * delivery (`CampaignPageDue`). Pure: no I/O, no clock.
 */

/** Messages per second when `CAMPAIGN_SEND_RATE` is not set (SES's starting production quota is 14/s). */
export const DEFAULT_SEND_RATE = 10;
/** Members read per page at most (one BatchGetItem of customers). */
export const MAX_PAGE_SIZE = 100;
/** The longest a page's pacing may take at the configured rate. */
export const PAGE_SECONDS = 20;

/** The rate from the environment's value: a positive number, else the default. */
export function sendRateFrom(raw: string | undefined): number {
  const rate = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(rate) && rate > 0 ? rate : DEFAULT_SEND_RATE;
}

/** Members per page at `rate`: as many as `PAGE_SECONDS` of sending, between 1 and `MAX_PAGE_SIZE`. */
export function pageSizeFor(rate: number, maxPageSize: number = MAX_PAGE_SIZE): number {
  return Math.max(1, Math.min(maxPageSize, Math.floor(rate * PAGE_SECONDS)));
}

/** How long after the page's start the `index`-th message (0-based) of the page may go out. */
export function sendOffsetMs(index: number, rate: number): number {
  return Math.ceil((index * 1000) / rate);
}

/**
 * A pacer for one page: `wait()` before each send resolves when that send's slot has come,
 * measured from the first call. `now` and `sleep` are injected so tests drive the clock.
 */
export function pacer(
  rate: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
): { wait: () => Promise<void>; sent: () => number } {
  let started: number | undefined;
  let count = 0;
  return {
    async wait() {
      started ??= clock.now();
      const due = started + sendOffsetMs(count, rate);
      count += 1;
      const delay = due - clock.now();
      if (delay > 0) await clock.sleep(delay);
    },
    sent: () => count,
  };
}
