import { describe, expect, it } from 'vitest';
import { virtualClock } from '../../src/clock.js';
import { SlidingWindowPacer } from '../../src/graph/pacer.js';

describe('reporting API pacing', () => {
  it('never lets more than 5 requests start in any 10 s window', async () => {
    const clock = virtualClock(new Date('2026-11-22T00:00:00Z'));
    const pacer = new SlidingWindowPacer(clock, 5, 10_000);
    const starts: number[] = [];
    for (let i = 0; i < 23; i += 1) {
      await pacer.acquire();
      starts.push(clock.now().getTime());
    }
    for (let i = 5; i < starts.length; i += 1) {
      expect((starts[i] ?? 0) - (starts[i - 5] ?? 0)).toBeGreaterThanOrEqual(10_000);
    }
    // ...and no slower than needed: 23 requests fit in a little over 40 s.
    expect((starts.at(-1) ?? 0) - (starts[0] ?? 0)).toBeLessThan(41_000);
  });

  it('serves concurrent callers in order without exceeding the limit', async () => {
    const clock = virtualClock(new Date('2026-11-22T00:00:00Z'));
    const pacer = new SlidingWindowPacer(clock, 2, 1_000);
    const starts = await Promise.all(
      Array.from({ length: 6 }, () => pacer.acquire().then(() => clock.now().getTime())),
    );
    const sorted = [...starts].sort((a, b) => a - b);
    for (let i = 2; i < sorted.length; i += 1)
      expect((sorted[i] ?? 0) - (sorted[i - 2] ?? 0)).toBeGreaterThanOrEqual(1_000);
  });
});
