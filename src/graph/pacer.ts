import type { Clock } from '../clock.js';

/**
 * Client-side pacing for Graph's reporting APIs (provisioningObjectSummary and friends): Microsoft
 * documents 5 requests per 10 s per app per tenant. Waiting before we are throttled keeps a normal run
 * free of 429s; relying on 429 + Retry-After instead would make every large run slow and noisy.
 * A sliding window: a request may start when fewer than `limit` requests were sent in the last `windowMs`.
 * Graph counts a request when it arrives, somewhere between our send and its answer, so a request counts
 * from its start and, once answered, from its answer: a slow network cannot squeeze six into a window.
 */
export class SlidingWindowPacer {
  private readonly slots: { at: number }[] = [];
  private queue: Promise<void> = Promise.resolve();

  /** `seed`: when earlier requests were sent (epoch ms), e.g. by the previous run of the same tenant. */
  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowMs: number,
    seed: readonly number[] = [],
  ) {
    for (const at of seed.slice(-limit)) if (Number.isFinite(at)) this.slots.push({ at });
  }

  /**
   * The requests still inside the window (epoch ms), to hand to the next pacer of the same tenant
   * (fleet mode: the next run may be in another process).
   */
  recent(): number[] {
    const now = this.clock.now().getTime();
    return this.slots.filter((slot) => slot.at > now - this.windowMs).map((slot) => slot.at);
  }

  /**
   * Resolves when the caller may send its request, with a `done` to call once the answer is in.
   * Calls are served in order.
   */
  acquire(): Promise<() => void> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async waitForSlot(): Promise<() => void> {
    for (;;) {
      const now = this.clock.now().getTime();
      const live = this.slots.filter((slot) => slot.at > now - this.windowMs);
      this.slots.splice(0, this.slots.length, ...live);
      if (this.slots.length < this.limit) {
        const slot = { at: now };
        this.slots.push(slot);
        return () => {
          slot.at = Math.max(slot.at, this.clock.now().getTime());
        };
      }
      const oldest = Math.min(...this.slots.map((slot) => slot.at));
      // A small margin so that a server measuring the same window does not see the edge request as inside it.
      await this.clock.sleep(oldest + this.windowMs - now + 25);
    }
  }
}
