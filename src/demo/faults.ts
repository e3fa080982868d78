/**
 * Faults injected into the demo tenant: the failures a collector must survive (throttling, outages,
 * hangs, garbage). Faults wait in a queue and are consumed in order as matching requests arrive, so a
 * test can script "the second provisioning page gets a 429" without timing anything.
 */
import { ALL_ROUTES } from './routes.js';

export type Route =
  'provisioning' | 'jobs' | 'servicePrincipals' | 'agents' | 'organization' | 'directoryDelta';

export type Fault =
  | {
      kind: 'status';
      route: Route;
      status: number;
      retryAfterSeconds?: number;
      times?: number;
      afterMatching?: number;
    }
  | { kind: 'timeout'; route: Route; times?: number; afterMatching?: number }
  | { kind: 'malformedRecord'; times?: number; afterMatching?: number }
  | { kind: 'truncatedPage'; route: Route; times?: number; afterMatching?: number }
  /**
   * A provisioning page whose @odata.nextLink misbehaves: `self` answers an empty page linking to
   * itself, `repeat` answers the requested page again under a link to the same request, `foreign` sends
   * the real next link's path and query to another origin (`origin`, e.g. another port).
   */
  | {
      kind: 'nextLink';
      route: 'provisioning';
      mode: 'self' | 'repeat' | 'foreign';
      origin?: string;
      times?: number;
      afterMatching?: number;
    };

/** A fault applied when a request arrives (the malformed record applies when a page is served). */
export type RequestFault = Exclude<Fault, { kind: 'malformedRecord' }>;

interface Pending {
  readonly fault: Fault;
  remaining: number;
  toLetPass: number;
}

const ROUTES: readonly Route[] = ALL_ROUTES;

function validate(fault: Fault): void {
  const count = (value: number | undefined, min: number, name: string): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new RangeError(`fault ${name} must be an integer >= ${min}`);
    }
  };
  count(fault.times, 1, 'times');
  count(fault.afterMatching, 0, 'afterMatching');
  if (fault.kind !== 'malformedRecord' && !ROUTES.includes(fault.route)) {
    throw new RangeError(`unknown fault route '${String(fault.route)}'`);
  }
  if (fault.kind === 'status') {
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new RangeError('fault status must be an HTTP error status (400-599)');
    }
    count(fault.retryAfterSeconds, 0, 'retryAfterSeconds');
  }
}

export class FaultQueue {
  private readonly pending: Pending[] = [];

  add(fault: Fault): void {
    validate(fault);
    this.pending.push({ fault, remaining: fault.times ?? 1, toLetPass: fault.afterMatching ?? 0 });
  }

  /** Drops every fault still waiting (a test's "Graph behaves again"). */
  clear(): void {
    this.pending.length = 0;
  }

  /** The fault for a request arriving on `route`, if one is due. */
  takeForRequest(route: Route): RequestFault | undefined {
    const taken = this.take((fault) => fault.kind !== 'malformedRecord' && fault.route === route);
    return taken?.kind === 'malformedRecord' ? undefined : taken;
  }

  /** Whether the provisioning page about to be served carries a malformed record. */
  takeMalformedRecord(): boolean {
    return this.take((fault) => fault.kind === 'malformedRecord') !== undefined;
  }

  /**
   * The first queued fault matching is the only candidate: later faults for the same route wait their
   * turn, and its afterMatching counts down on matching requests before it fires.
   */
  private take(matches: (fault: Fault) => boolean): Fault | undefined {
    const index = this.pending.findIndex((pending) => matches(pending.fault));
    const pending = this.pending[index];
    if (!pending) return undefined;
    if (pending.toLetPass > 0) {
      pending.toLetPass--;
      return undefined;
    }
    pending.remaining--;
    if (pending.remaining === 0) this.pending.splice(index, 1);
    return pending.fault;
  }
}
