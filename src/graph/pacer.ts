import type { Clock } from '../clock.js';

/**
 * Client-side pacing for Graph's reporting APIs (provisioningObjectSummary and friends): Microsoft
 * documents 5 requests per 10 s per app per tenant. Waiting before we are throttled keeps a normal run
 * free of 429s; relying on 429 + Retry-After instead would make every large run slow and noisy.
 * A sliding window: a request may start when fewer than `limit` requests started in the last `windowMs`.
 */
export class SlidingWindowPacer {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Resolves when the caller may send its request. Calls are served in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.clock.now().getTime();
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - this.windowMs) this.starts.shift();
      if (this.starts.length < this.limit) {
        this.starts.push(now);
        return;
      }
      // A small margin so that a server measuring the same window does not see the edge request as inside it.
      await this.clock.sleep((this.starts[0] ?? now) + this.windowMs - now + 25);
    }
  }
}
