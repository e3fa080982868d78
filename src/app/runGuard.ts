import type { Clock } from '../clock.js';
import type { RecordSink } from '../sinks/sink.js';
import { LeaseLostError, renewLease, type Lease } from '../state/lease.js';
import type { StateStore } from '../state/store.js';

/**
 * Keeps one run inside its lease (README, "Delivery guarantees": one run at a time, fenced):
 * - every write (state or sink) goes through `ensure()` first, which renews the lease once a third of
 *   its time has passed and refuses the write when the lease was lost (another run took over after it
 *   expired) or the run is past its hard limit: a run that lost its lease writes nothing more;
 * - `ensure()` also refuses a write when less than the safety margin is left on the lease, so a write
 *   that starts while we hold the lease ends before anyone else can take it;
 * - the hard limit (RUN_MAX_SECONDS, inside the Functions timeout) ends everything: `signal` aborts
 *   requests in flight, and no write starts after it.
 */
export class RunOverError extends Error {
  constructor(readonly limit: Date) {
    super(`the run reached its hard limit (${limit.toISOString()}): nothing more is written this run`);
    this.name = 'RunOverError';
  }
}

/** A write starting now must be done well before the lease could pass to someone else. */
const SAFETY_MS = 30_000;

export class RunGuard {
  private renewing: Promise<void> | undefined;
  private lost: Error | undefined;
  private readonly controller = new AbortController();

  constructor(
    private readonly store: StateStore,
    private lease: Lease,
    private readonly options: { clock: Clock; ttlMs: number; hardLimit: Date },
  ) {}

  /** Aborted once the run must stop (hard limit or lost lease): give it to every request. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get currentLease(): Lease {
    return this.lease;
  }

  get hardLimit(): Date {
    return this.options.hardLimit;
  }

  /** Milliseconds left before the hard limit (never negative). */
  remainingMs(): number {
    return Math.max(0, this.options.hardLimit.getTime() - this.options.clock.now().getTime());
  }

  /** Resolves when a write may start now; rejects with LeaseLostError or RunOverError otherwise. */
  async ensure(): Promise<void> {
    this.throwIfLost();
    const now = this.options.clock.now().getTime();
    if (now >= this.options.hardLimit.getTime()) return this.stop(new RunOverError(this.options.hardLimit));
    const renewAt = this.lease.expiresAt.getTime() - (this.options.ttlMs * 2) / 3;
    if (now >= renewAt || this.lease.expiresAt.getTime() - now < SAFETY_MS) {
      this.renewing ??= this.renew().finally(() => {
        this.renewing = undefined;
      });
      await this.renewing;
    }
    this.throwIfLost();
  }

  private throwIfLost(): void {
    if (this.lost) throw this.lost;
  }

  /** The state store, with every write and delete fenced by the lease. */
  fencedState(): StateStore {
    const { store } = this;
    return {
      read: (key) => store.read(key),
      list: (tenantId, prefix) => store.list(tenantId, prefix),
      write: async (key, value, condition) => {
        await this.ensure();
        return store.write(key, value, condition);
      },
      delete: async (key, condition) => {
        await this.ensure();
        return store.delete(key, condition);
      },
    };
  }

  /** The sink, with every write fenced by the lease. */
  fencedSink(sink: RecordSink): RecordSink {
    const fenced: RecordSink = {
      write: async (table, rows) => {
        await this.ensure();
        return sink.write(table, rows);
      },
    };
    if (sink.writeJson) {
      const writeJson = sink.writeJson.bind(sink);
      fenced.writeJson = async (table, rows) => {
        await this.ensure();
        return writeJson(table, rows);
      };
    }
    if (sink.position) fenced.position = sink.position.bind(sink);
    if (sink.heldSince) {
      const heldSince = sink.heldSince.bind(sink);
      fenced.heldSince = async (table, position, ids) => {
        await this.ensure();
        return heldSince(table, position, ids);
      };
    }
    return fenced;
  }

  /** Ends the guard: nothing more is written through it. */
  close(): void {
    this.lost ??= new RunOverError(this.options.hardLimit);
    this.controller.abort(this.lost);
  }

  private async renew(): Promise<void> {
    const now = this.options.clock.now();
    try {
      // ifMatch on our etag: succeeds while nobody else took the lease, even just after it expired.
      this.lease = await renewLease(this.store, this.lease, { now, ttlMs: this.options.ttlMs });
    } catch (error) {
      if (error instanceof LeaseLostError) this.stop(error);
      // The store could not be reached: go on while the lease still covers a write, stop otherwise.
      if (this.lease.expiresAt.getTime() - now.getTime() < SAFETY_MS) {
        this.stop(new LeaseLostError(this.lease.key, this.lease.owner));
      }
    }
  }

  private stop(error: Error): never {
    this.lost = error;
    this.controller.abort(error);
    throw error;
  }
}
