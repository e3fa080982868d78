import { z } from 'zod';
import { indexEntrySchema, SHARDS, shardOf, type IndexEntry } from '../coverage/coverageState.js';
import { OBJECT_TYPES } from '../coverage/directoryItems.js';
import { setAside, type SetAside } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';

/**
 * The migration mode's state (issue 15 item 2): one small value per tenant (when it started, the
 * validation window, the baseline counts and jobs, what the runs saw since) and the baseline's objects
 * in 16 shards like the coverage index, so the report can list every object that left scope. Decoded
 * with zod; a corrupt value is set aside and the migration reads as not started, never wedging a run.
 */
export const MIGRATION_KEY = 'migration';
export const BASELINE_SHARD_PREFIX = 'migration-baseline-';
/** Microsoft requires a two-week validation period after the switch (migrate-connect-sync-cloud-sync-tool). */
export const VALIDATION_DAYS = 14;

const count = z.number().int().min(0);
export const typeCountsSchema = z.object(
  Object.fromEntries(OBJECT_TYPES.map((t) => [t, count])) as Record<
    (typeof OBJECT_TYPES)[number],
    typeof count
  >,
);
export type TypeCounts = z.infer<typeof typeCountsSchema>;
/** Per onPremisesDomainName (lower case; '' for objects without one, e.g. contacts). */
export const domainCountsSchema = z.record(z.string(), typeCountsSchema);
export type DomainCounts = z.infer<typeof domainCountsSchema>;

export const migrationJobSchema = z.object({
  servicePrincipalId: z.string().nullable(),
  configurationName: z.string().nullable(),
  jobId: z.string(),
  templateId: z.string().nullable(),
  /** An Entra ID to AD job (AAD2AD*, Entra2AD*): writeback, which Microsoft's tool does not validate. */
  writeback: z.boolean(),
});
export type MigrationJob = z.infer<typeof migrationJobSchema>;

/** A job's health over the validation window, as the runs saw it (the job classifier's word per run). */
export const jobHealthSchema = migrationJobSchema.extend({
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  runs: count,
  /** Runs whose classification was not healthy. */
  unhealthyRuns: count,
  /** Runs per condition (src/domain/jobCondition.ts). */
  conditions: z.record(z.string(), count),
  lastCondition: z.string(),
  lastStatusCode: z.string().nullable(),
  lastExecutionState: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  lastUnhealthyAt: z.string().nullable(),
  /** Error codes seen, runs each (capped at 20 codes). */
  errorCodes: z.record(z.string(), count),
});
export type JobHealth = z.infer<typeof jobHealthSchema>;

export const coexistenceSeenSchema = z.object({
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  organizationLastSyncAt: z.string(),
  syncAccounts: z.array(z.string()),
  cloudSyncObjects: count,
});

export const migrationSchema = z.object({
  v: z.literal(1),
  startedAt: z.string(),
  validationEndsAt: z.string(),
  startedBy: z.string(),
  /** Null until a complete coverage check gave counts (then the first run that has one takes it). */
  baseline: z
    .object({
      takenAt: z.string(),
      counts: domainCountsSchema,
      objects: count,
      jobs: z.array(migrationJobSchema),
    })
    .nullable(),
  /** The latest complete coverage check's counts during the migration. */
  current: z.object({ at: z.string(), counts: domainCountsSchema, objects: count }).nullable(),
  jobs: z.record(z.string(), jobHealthSchema),
  runs: count,
  coverageChecks: count,
  lastRunAt: z.string().nullable(),
  coexistence: coexistenceSeenSchema.nullable(),
});
export type Migration = z.infer<typeof migrationSchema>;

export type MigrationRead =
  | { readonly kind: 'none'; readonly setAside?: SetAside }
  | { readonly kind: 'found'; readonly migration: Migration };

/** The tenant's migration; a corrupt one is set aside (and said by the caller) and reads as none. */
export async function readMigration(store: StateStore, tenantId: string, now: Date): Promise<MigrationRead> {
  const key = { tenantId, name: MIGRATION_KEY };
  const stored = await readStoredState(store, key, migrationSchema);
  if (stored.kind === 'unavailable') throw stored.error;
  if (stored.kind === 'corrupt') {
    return { kind: 'none', setAside: await setAside(store, key, stored.reason, stored.etag, { now }) };
  }
  return stored.kind === 'found' ? { kind: 'found', migration: stored.value } : { kind: 'none' };
}

export const isActive = (m: Migration, now: Date): boolean => now.toISOString() < m.validationEndsAt;

/** Changes the migration in one read-modify-write; returns the value written (undefined: none stored). */
export async function updateMigration(
  store: StateStore,
  tenantId: string,
  now: Date,
  change: (current: Migration | undefined) => Migration | undefined,
): Promise<Migration | undefined> {
  return updateState(
    store,
    { tenantId, name: MIGRATION_KEY },
    migrationSchema,
    (current) => {
      const next = change(current);
      return next ? { value: next, result: next } : { result: undefined };
    },
    { now },
  );
}

/* ------------------------------------------------------------------ baseline objects */

const baselineShardSchema = z.object({ v: z.literal(1), objects: z.record(z.string(), indexEntrySchema) });

/** Saves the baseline's objects (a copy of the coverage index's on-premises objects when it was taken). */
export async function writeBaselineObjects(
  store: StateStore,
  tenantId: string,
  objects: Iterable<[string, IndexEntry]>,
  now: Date,
): Promise<void> {
  const shards = new Map<string, Record<string, IndexEntry>>(SHARDS.map((s) => [s, {}]));
  for (const [id, entry] of objects) {
    // The day of the last coverage row is the index's own bookkeeping, not the object's.
    const { r, ...kept } = entry;
    void r;
    shards.get(shardOf(id))![id] = kept;
  }
  for (const [shard, value] of shards) {
    await updateState(
      store,
      { tenantId, name: `${BASELINE_SHARD_PREFIX}${shard}` },
      baselineShardSchema,
      () => ({ value: { v: 1 as const, objects: value }, result: undefined }),
      { now },
    );
  }
}

/** The baseline's objects; a corrupt shard is set aside (its objects are then not listed, and said so). */
export async function readBaselineObjects(
  store: StateStore,
  tenantId: string,
  now: Date,
): Promise<{ objects: Map<string, IndexEntry>; setAside: SetAside[] }> {
  const objects = new Map<string, IndexEntry>();
  const asides: SetAside[] = [];
  for (const shard of SHARDS) {
    const key = { tenantId, name: `${BASELINE_SHARD_PREFIX}${shard}` };
    const stored = await readStoredState(store, key, baselineShardSchema);
    if (stored.kind === 'unavailable') throw stored.error;
    if (stored.kind === 'corrupt')
      asides.push(await setAside(store, key, stored.reason, stored.etag, { now }));
    if (stored.kind === 'found')
      for (const [id, e] of Object.entries(stored.value.objects)) objects.set(id, e);
  }
  return { objects, setAside: asides };
}
