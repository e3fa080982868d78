import type { StateKey, StateStore, Versioned, WriteCondition } from '../../src/state/store.js';

/**
 * A real state store with brief failures injected, as Table Storage has them (a timeout, a 503
 * ServerBusy, a connection reset after the service took the write): `times` calls on names starting
 * with `prefix` fail, then the store works again. `afterWriting`: the write is made, then its answer
 * is lost (the caller sees an error for a write that happened).
 */
export interface StateFault {
  /** `list`: `prefix` is matched against the listing's prefix. */
  readonly op: 'read' | 'write' | 'list';
  readonly prefix: string;
  times: number;
  readonly afterWriting?: boolean;
  /** `write`: only writes of a value this accepts fail (say, the second write of an entry). */
  readonly writing?: (value: unknown) => boolean;
  readonly error?: (key: StateKey) => Error;
}

export class FaultyStateStore implements StateStore {
  private readonly faults: StateFault[] = [];
  /** Names of the calls that failed, in order. */
  readonly failed: string[] = [];

  constructor(private readonly real: StateStore) {}

  fail(fault: StateFault): void {
    this.faults.push(fault);
  }

  /** The store works again: faults not used up yet are dropped. */
  heal(): void {
    this.faults.length = 0;
  }

  async read(key: StateKey): Promise<Versioned<unknown> | undefined> {
    const fault = this.take('read', key);
    if (fault) throw this.errorOf(fault, key);
    return this.real.read(key);
  }

  async write(key: StateKey, value: unknown, condition: WriteCondition): Promise<string> {
    const fault = this.take('write', key, value);
    if (fault && !fault.afterWriting) throw this.errorOf(fault, key);
    const etag = await this.real.write(key, value, condition);
    if (fault) throw this.errorOf(fault, key);
    return etag;
  }

  delete(key: StateKey, condition?: { readonly ifMatch: string }): Promise<void> {
    return this.real.delete(key, condition);
  }

  async list(tenantId: string, prefix?: string): Promise<string[]> {
    const key = { tenantId, name: prefix ?? '' };
    const fault = this.take('list', key);
    if (fault) throw this.errorOf(fault, key);
    return this.real.list(tenantId, prefix);
  }

  private take(op: StateFault['op'], key: StateKey, value?: unknown): StateFault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.op === op &&
        f.times > 0 &&
        key.name.startsWith(f.prefix) &&
        (f.writing === undefined || f.writing(value)),
    );
    if (!fault) return undefined;
    fault.times--;
    this.failed.push(`${op} ${key.name}`);
    return fault;
  }

  private errorOf(fault: StateFault, key: StateKey): Error {
    return fault.error?.(key) ?? new Error(`503 ServerBusy: ${key.name} (injected)`);
  }
}
