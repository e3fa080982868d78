import { readStoredState } from '../state/storedState.js';
import { setAside } from '../state/setAside.js';
import { StateDecodeError, type StateKey, type StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';
import { tenantEntrySchema, type TenantEntry } from './tenantEntry.js';
import { runPool } from '../pool.js';

/**
 * The tenant registry on top of the state store: Azure Table Storage in Azure (the state table,
 * partition `_fleet`, one row per tenant) and DATA_DIR/state/_fleet/ for the CLI. Reusing the store
 * gives both backends, ETag concurrency and the set-aside of damaged values for free.
 *
 * A damaged entry never hides the others: `list` sets it aside, reports it in `corrupt` and goes on.
 */
export const FLEET_SCOPE = '_fleet';
const PREFIX = 'tenant-';
const READ_LANES = 16;

const keyOf = (tenantId: string): StateKey => ({ tenantId: FLEET_SCOPE, name: `${PREFIX}${tenantId}` });

export interface RegistryListing {
  readonly tenants: readonly TenantEntry[];
  /** Entries that could not be read back, set aside: what was wrong with each. */
  readonly corrupt: readonly { readonly name: string; readonly reason: string }[];
}

export class TenantRegistry {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => Date,
  ) {}

  async list(): Promise<RegistryListing> {
    const names = await this.store.list(FLEET_SCOPE, PREFIX);
    const tenants: TenantEntry[] = [];
    const corrupt: { name: string; reason: string }[] = [];
    // Several reads at once: a fleet of hundreds is read on every fan-out.
    await runPool(names.sort(), READ_LANES, async (name) => {
      const key = { tenantId: FLEET_SCOPE, name };
      const stored = await readStoredState(this.store, key, tenantEntrySchema);
      if (stored.kind === 'unavailable') throw stored.error;
      if (stored.kind === 'found') tenants.push(stored.value);
      if (stored.kind === 'corrupt') {
        await setAside(this.store, key, stored.reason, stored.etag, { now: this.now() });
        corrupt.push({ name, reason: stored.reason });
      }
    });
    tenants.sort(
      (a, b) => a.displayName.localeCompare(b.displayName) || a.tenantId.localeCompare(b.tenantId),
    );
    return { tenants, corrupt };
  }

  async get(tenantId: string): Promise<TenantEntry | undefined> {
    const stored = await readStoredState(this.store, keyOf(tenantId.toLowerCase()), tenantEntrySchema);
    if (stored.kind === 'unavailable') throw stored.error;
    return stored.kind === 'found' ? stored.value : undefined;
  }

  /** Adds or replaces a tenant (validated first: a bad entry is never stored). Returns whether it was new. */
  async put(entry: TenantEntry): Promise<{ added: boolean }> {
    const valid = tenantEntrySchema.parse(entry);
    return updateState(
      this.store,
      keyOf(valid.tenantId),
      tenantEntrySchema,
      (current) => ({
        value: current ? { ...valid, addedAt: current.addedAt } : valid,
        result: { added: current === undefined },
      }),
      { now: this.now() },
    );
  }

  /** Removes a tenant from the registry; its monitoring state stays (its own partition) until deleted. */
  async remove(tenantId: string): Promise<boolean> {
    const key = keyOf(tenantId.toLowerCase());
    let etag: string | undefined;
    try {
      etag = (await this.store.read(key))?.etag;
      if (etag === undefined) return false;
    } catch (error) {
      // A damaged entry can still be removed, by the etag its failed read reported.
      if (!(error instanceof StateDecodeError)) throw error;
      etag = error.etag;
    }
    await this.store.delete(key, etag === undefined ? undefined : { ifMatch: etag });
    return true;
  }
}
