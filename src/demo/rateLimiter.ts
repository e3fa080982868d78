/**
 * The reporting API limit (5 requests per 10 s per app per tenant), as a sliding window on the scenario
 * clock: with a virtual clock, a collector that paces by sleeping on the clock passes, one that does not
 * gets 429s, exactly as against Graph.
 */
export interface RateLimit {
  readonly requests: number;
  readonly windowMs: number;
}

export type Admission =
  { readonly admitted: true } | { readonly admitted: false; readonly retryAfterMs: number };

export class SlidingWindowLimiter {
  private admittedAt: number[] = [];

  constructor(private readonly limit: RateLimit) {
    if (!Number.isInteger(limit.requests) || limit.requests < 1)
      throw new RangeError('requests must be >= 1');
    if (!(limit.windowMs > 0)) throw new RangeError('windowMs must be > 0');
  }

  tryAdmit(nowMs: number): Admission {
    // Keep only admissions inside (now - window, now]; a clock set backwards forgets the "future" ones.
    this.admittedAt = this.admittedAt.filter((t) => t > nowMs - this.limit.windowMs && t <= nowMs);
    if (this.admittedAt.length < this.limit.requests) {
      this.admittedAt.push(nowMs);
      return { admitted: true };
    }
    const oldest = this.admittedAt[0] ?? nowMs;
    return { admitted: false, retryAfterMs: oldest + this.limit.windowMs - nowMs };
  }
}

/** Retry-After in whole seconds, at least 1 (Graph never says 0). */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
