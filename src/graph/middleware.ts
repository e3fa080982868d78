import {
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import type { Clock } from '../clock.js';
import type { SlidingWindowPacer } from './pacer.js';

/** Paths of Graph's "identity and access reports" service, which has its own tight rate limit. */
const REPORTS_PATH = /\/auditLogs\//i;

function urlOf(request: Context['request']): string {
  return typeof request === 'string' ? request : (request as { url: string }).url;
}

/**
 * A read is retried on 429, 503 and 504 alike. A write (a remediation's restart, a provisionOnDemand)
 * only on 429: throttled means Graph refused it, while a 503 or 504 can come after the write was done,
 * and a write the user confirmed once must not be sent twice behind their back; the failure is reported
 * (and audited) instead, and the user decides.
 */
const retriesOnlyWhatGraphDidNotDo = (
  _delay: number,
  _attempt: number,
  _request: unknown,
  options: { method?: string } | undefined,
  response: Response,
): boolean => (options?.method ?? 'GET').toUpperCase() === 'GET' || response.status === 429;

/**
 * The Graph client's RetryHandler (429/503/504, honours Retry-After) with its waiting routed through
 * the injected clock, so a replay on a virtual clock honours Retry-After without really sleeping.
 */
export class ClockRetryHandler extends RetryHandler {
  constructor(clock: Clock, maxRetries: number) {
    super(new RetryHandlerOptions(3, maxRetries, retriesOnlyWhatGraphDidNotDo));
    // RetryHandler.sleep is private in the typings but is the one place the handler waits.
    Object.defineProperty(this, 'sleep', { value: (seconds: number) => clock.sleep(seconds * 1000) });
  }
}

/** Sits after the retry handler so every attempt, retries included, is paced. */
export class PacingHandler implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly pacer: SlidingWindowPacer) {}

  async execute(context: Context): Promise<void> {
    if (!REPORTS_PATH.test(urlOf(context.request))) return this.nextMiddleware().execute(context);
    const done = await this.pacer.acquire();
    try {
      await this.nextMiddleware().execute(context);
    } finally {
      done();
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }

  private nextMiddleware(): Middleware {
    if (!this.next) throw new Error('PacingHandler has no next middleware');
    return this.next;
  }
}

/** A timeout per attempt: a hung connection fails that attempt instead of the whole run. */
export class TimeoutHandler implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly timeoutMs: number) {}

  async execute(context: Context): Promise<void> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const existing = context.options?.signal ?? undefined;
    context.options = {
      ...context.options,
      signal: existing ? AbortSignal.any([existing, timeout]) : timeout,
    };
    if (!this.next) throw new Error('TimeoutHandler has no next middleware');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}
