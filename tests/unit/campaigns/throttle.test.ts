/**
 * The campaign sending rate: the rate read from the environment (bad values fall back to the
 * default), pages sized to take at most PAGE_SECONDS at that rate, and the pacer never letting
 * more than `rate` messages (rounded up) start within any one-second window, driven by a fake clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SEND_RATE,
  MAX_PAGE_SIZE,
  PAGE_SECONDS,
  pacer,
  pageSizeFor,
  sendOffsetMs,
  sendRateFrom,
} from '#functions/campaigns/throttle.ts';

/** A clock that only moves when slept on. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('Campaign throttling', () => {
  it('reads the rate from the environment, falling back to the default', () => {
    expect(sendRateFrom('14')).toBe(14);
    expect(sendRateFrom('0.5')).toBe(0.5);
    for (const bad of [undefined, '', '0', '-3', 'fast', 'Infinity'])
      expect(sendRateFrom(bad)).toBe(DEFAULT_SEND_RATE);
  });

  it('sizes a page to at most PAGE_SECONDS of sending, between 1 and the maximum', () => {
    expect(pageSizeFor(1)).toBe(PAGE_SECONDS);
    expect(pageSizeFor(1000)).toBe(MAX_PAGE_SIZE);
    expect(pageSizeFor(0.01)).toBe(1);
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 10_000, noNaN: true }), (rate) => {
        const size = pageSizeFor(rate);
        expect(size).toBeGreaterThanOrEqual(1);
        expect(size).toBeLessThanOrEqual(MAX_PAGE_SIZE);
        // The page's last message starts within the page budget (a single message always may).
        if (size > 1) expect(sendOffsetMs(size - 1, rate)).toBeLessThanOrEqual(PAGE_SECONDS * 1000);
      }),
    );
  });

  it('paces sends so no one-second window holds more than ceil(rate) of them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 120 }), async (rate, n) => {
        const clock = fakeClock();
        const pace = pacer(rate, clock);
        const starts: number[] = [];
        for (let i = 0; i < n; i++) {
          await pace.wait();
          starts.push(clock.now());
        }
        expect(pace.sent()).toBe(n);
        for (let i = 0; i < starts.length; i++) {
          const inWindow = starts.filter((t) => t >= starts[i]! && t < starts[i]! + 1000).length;
          expect(inWindow).toBeLessThanOrEqual(Math.ceil(rate));
        }
        // And it does not dawdle: the last send starts when its slot comes.
        expect(starts.at(-1)! - starts[0]!).toBe(sendOffsetMs(n - 1, rate));
      }),
    );
  });

  it('does not sleep when the sends themselves are slower than the rate', async () => {
    const clock = fakeClock();
    let slept = 0;
    const pace = pacer(2, {
      now: clock.now,
      sleep: async (ms) => {
        slept += ms;
      },
    });
    await pace.wait();
    await clock.sleep(5_000); // a slow provider call
    await pace.wait();
    expect(slept).toBe(0);
  });
});
