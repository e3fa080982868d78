import { z } from 'zod';
import { setAside, type SetAside } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';
import { OBJECT_TYPES, type ObjectType } from './directoryItems.js';

/**
 * What the coverage check keeps per tenant: a small meta value (the delta links, when each
 * configuration was first seen to finish a cycle, Connect Sync's accounts) and the per-object index in
 * 16 shards by the first hex digit of the object id, so a directory of 100,000+ objects stays under
 * the store's value limit. The index is bounded (COVERAGE_MAX_OBJECTS); objects past the bound are
 * counted, not kept. Short property names: the index is most of the bytes.
 */
export const META_KEY = 'coverage-meta';
export const SHARD_PREFIX = 'coverage-objects-';
export const SHARDS = [...'0123456789abcdef'];

const roundState = z.object({
  /** The deltaLink of the last finished round, or the nextLink where an unfinished one resumes. */
  link: z.string(),
  /** True when `link` is a deltaLink: a full picture was reached at least once. */
  complete: z.boolean(),
  /** A first round (no deltaLink yet) that resumed across runs cannot prune vanished objects. */
  resumed: z.boolean().default(false),
});

export const coverageMetaSchema = z.object({
  v: z.literal(1),
  rounds: z.partialRecord(z.enum(OBJECT_TYPES), roundState),
  /** Per configuration (service principal id): its name and the first completed cycle the monitor saw. */
  configurations: z.record(z.string(), z.object({ name: z.string(), firstCycleAt: z.string() })),
  /** Connect Sync's directory synchronization accounts: object id -> user principal name (capped). */
  syncAccounts: z.record(z.string(), z.string()),
  /** Objects not kept because the index was full. */
  overCap: z.number().int().min(0),
  /** When Connect Sync was first seen exporting beside Cloud Sync (cleared when it stops). */
  coexistenceSince: z.string().nullable(),
  /** The last full check (directory read and verdict); runs between checks only keep their touches. */
  lastCheckAt: z.string().nullable().default(null),
});
export type CoverageMeta = z.infer<typeof coverageMetaSchema>;

/** A directory object that claims on-premises sync. */
export const indexEntrySchema = z.object({
  /** Object type. */
  t: z.enum(OBJECT_TYPES),
  /** Display name (capped). */
  n: z.string().nullable(),
  /** onPremisesDomainName (lower case). */
  d: z.string().nullable(),
  /** The OU (from onPremisesDistinguishedName). */
  o: z.string().nullable(),
  /** onPremisesLastSyncDateTime. */
  l: z.string().nullable(),
  /** First seen by the check. */
  s: z.string(),
  /** The UTC day of the last CloudSyncCoverage_CL row written for it (one row per object per day). */
  r: z.string().optional(),
});
export type IndexEntry = z.infer<typeof indexEntrySchema>;

/** The latest provisioning event of a Cloud Sync configuration for an object (not a skip). */
const touch = z.object({ c: z.string(), a: z.string() });
export type Touch = z.infer<typeof touch>;

export const shardSchema = z.object({
  v: z.literal(1),
  objects: z.record(z.string(), indexEntrySchema),
  touched: z.record(z.string(), touch),
});
export type Shard = z.infer<typeof shardSchema>;

export const emptyMeta = (): CoverageMeta => ({
  v: 1,
  rounds: {},
  configurations: {},
  syncAccounts: {},
  overCap: 0,
  coexistenceSince: null,
  lastCheckAt: null,
});

const emptyShard = (): Shard => ({ v: 1, objects: {}, touched: {} });

/**
 * Touches of the runs between two checks, in one value (one write per run instead of a shard per
 * touched object); the next check merges them into the shards. Bounded: past PENDING_MAX the run checks.
 */
export const PENDING_KEY = 'coverage-pending';
export const PENDING_MAX = 20_000;
export const pendingSchema = z.object({ v: z.literal(1), touched: z.record(z.string(), touch) });
export type PendingTouches = z.infer<typeof pendingSchema>;

/** Adds the run's touches to the pending ones; returns how many are pending now. */
export async function addPendingTouches(
  store: StateStore,
  tenantId: string,
  touches: ReadonlyMap<string, Touch>,
  now: Date,
): Promise<number> {
  return updateState(
    store,
    { tenantId, name: PENDING_KEY },
    pendingSchema,
    (current) => {
      const touched = { ...(current?.touched ?? {}) };
      for (const [id, t] of touches) if (!touched[id] || touched[id].a < t.a) touched[id] = t;
      return { value: { v: 1 as const, touched }, result: Object.keys(touched).length };
    },
    { now },
  );
}

/** Takes the pending touches (the caller merges them into the shards and saves those first). */
export async function readPendingTouches(store: StateStore, tenantId: string): Promise<PendingTouches | undefined> {
  const stored = await readStoredState(store, { tenantId, name: PENDING_KEY }, pendingSchema);
  if (stored.kind === 'unavailable') throw stored.error;
  return stored.kind === 'found' ? stored.value : undefined;
}

export async function clearPendingTouches(store: StateStore, tenantId: string, now: Date): Promise<void> {
  await updateState(
    store,
    { tenantId, name: PENDING_KEY },
    pendingSchema,
    () => ({ value: { v: 1 as const, touched: {} }, result: undefined }),
    { now },
  );
}

export function shardOf(objectId: string): string {
  const first = objectId.charAt(0).toLowerCase();
  return SHARDS.includes(first) ? first : '0';
}

/** The index in memory for one run: read once, changed, and only changed shards written back. */
export class CoverageIndex {
  private readonly dirty = new Set<string>();
  /** Entries (objects plus touches), counted once here and kept up to date: the bound is checked per item. */
  private count = 0;

  private constructor(
    readonly shards: Map<string, Shard>,
    readonly setAside: readonly SetAside[],
  ) {
    for (const s of shards.values()) this.count += Object.keys(s.objects).length + Object.keys(s.touched).length;
  }

  static async load(store: StateStore, tenantId: string, now: Date): Promise<CoverageIndex> {
    const shards = new Map<string, Shard>();
    const asides: SetAside[] = [];
    for (const shard of SHARDS) {
      const key = { tenantId, name: `${SHARD_PREFIX}${shard}` };
      const stored = await readStoredState(store, key, shardSchema);
      if (stored.kind === 'unavailable') throw stored.error;
      if (stored.kind === 'corrupt') {
        asides.push(await setAside(store, key, stored.reason, stored.etag, { now }));
        shards.set(shard, emptyShard());
      } else {
        shards.set(shard, stored.kind === 'found' ? stored.value : emptyShard());
      }
    }
    return new CoverageIndex(shards, asides);
  }

  get size(): number {
    return this.count;
  }

  private shard(id: string): Shard {
    return this.shards.get(shardOf(id))!;
  }

  object(id: string): IndexEntry | undefined {
    return this.shard(id).objects[id];
  }

  touchOf(id: string): Touch | undefined {
    return this.shard(id).touched[id];
  }

  setObject(id: string, value: IndexEntry): void {
    const shard = this.shard(id);
    if (!Object.hasOwn(shard.objects, id)) this.count++;
    shard.objects[id] = value;
    this.dirty.add(shardOf(id));
  }

  removeObject(id: string): void {
    const shard = this.shard(id);
    if (!Object.hasOwn(shard.objects, id)) return;
    delete shard.objects[id];
    this.count--;
    this.dirty.add(shardOf(id));
  }

  setTouch(id: string, value: Touch): void {
    const shard = this.shard(id);
    const known = shard.touched[id];
    if (known && known.c === value.c && known.a >= value.a) return;
    if (!Object.hasOwn(shard.touched, id)) this.count++;
    shard.touched[id] = value;
    this.dirty.add(shardOf(id));
  }

  *objects(): Generator<[string, IndexEntry]> {
    for (const shard of this.shards.values()) yield* Object.entries(shard.objects);
  }

  /** Ids of one type, for pruning after a full round. */
  idsOf(type: ObjectType): string[] {
    return [...this.objects()].filter(([, e]) => e.t === type).map(([id]) => id);
  }

  /** Writes the changed shards back (the run holds the tenant's lease; ETags still guard each value). */
  async save(store: StateStore, tenantId: string, now: Date): Promise<void> {
    for (const shard of this.dirty) {
      const value = this.shards.get(shard)!;
      await updateState(store, { tenantId, name: `${SHARD_PREFIX}${shard}` }, shardSchema, () => ({ value, result: undefined }), { now });
    }
    this.dirty.clear();
  }
}

export async function readMeta(
  store: StateStore,
  tenantId: string,
  now: Date,
): Promise<{ meta: CoverageMeta; setAside?: SetAside }> {
  const key = { tenantId, name: META_KEY };
  const stored = await readStoredState(store, key, coverageMetaSchema);
  if (stored.kind === 'unavailable') throw stored.error;
  if (stored.kind === 'corrupt') {
    return { meta: emptyMeta(), setAside: await setAside(store, key, stored.reason, stored.etag, { now }) };
  }
  return { meta: stored.kind === 'found' ? stored.value : emptyMeta() };
}

export async function writeMeta(store: StateStore, tenantId: string, meta: CoverageMeta, now: Date): Promise<void> {
  await updateState(store, { tenantId, name: META_KEY }, coverageMetaSchema, () => ({ value: meta, result: undefined }), { now });
}
