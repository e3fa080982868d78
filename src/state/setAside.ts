import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  STATE_VALUE_MAX_BYTES,
  StateConflictError,
  StateDecodeError,
  type StateKey,
  type StateStore,
} from './store.js';

/**
 * The one policy for a stored value that cannot be used (issue 8): set it aside, say so, go on.
 *
 * "Set aside" copies whatever is readable of the damaged value (the file text, the entity's properties,
 * or the decoded value that failed its schema) to `corrupt-<name>-<timestamp>` under the same tenant,
 * then removes the original with ifMatch on the etag the corrupt read reported, so the next reader
 * finds nothing and starts afresh. Nothing is lost for a human to look at, and no damaged value can
 * block a run or a webhook for good. Only the last few copies per name are kept.
 *
 * Saying so is the caller's part: log `message`, and in a run add `corruptStateIssue(...)` to the run's
 * issues (the run row and `monitor-degraded` see it). Paths without a run (webhooks) log it; the next
 * run can find their copies with `listSetAside`.
 */
export const SET_ASIDE_PREFIX = 'corrupt-';
/** Copies kept per state name: enough to see a pattern, bounded so a flapping value cannot fill the store. */
export const SET_ASIDE_KEEP = 5;

export interface SetAside {
  readonly key: StateKey;
  readonly reason: string;
  /** Name of the copy under `key.tenantId`; undefined when the value had changed or gone meanwhile. */
  readonly copy: string | undefined;
  /** The damaged original is gone. False: it changed meanwhile (another writer replaced it); read again. */
  readonly removed: boolean;
  /** One line for the log and the run issue. */
  readonly message: string;
}

export interface SetAsideOptions {
  /** The caller's clock (time is injected): names and dates the copy. */
  readonly now: Date;
  readonly keep?: number;
}

const copySchema = z.object({
  name: z.string(),
  reason: z.string(),
  setAsideAt: z.iso.datetime(),
  etag: z.string().nullable(),
  truncated: z.boolean(),
  raw: z.unknown(),
});
export type SetAsideCopy = z.infer<typeof copySchema> & { readonly copy: string };

/**
 * Sets the value under `key` aside (see above). `etag`: the version the corrupt read reported; when the
 * stored version is no longer that one, someone replaced it meanwhile and nothing is touched. Without
 * `etag`, only a value that does not decode at all is set aside. Throws only when the store is
 * unavailable (the caller then treats the value as unreadable, as for any storage failure).
 */
export async function setAside(
  store: StateStore,
  key: StateKey,
  reason: string,
  etag: string | undefined,
  options: SetAsideOptions,
): Promise<SetAside> {
  const current = await readRaw(store, key);
  if (!current || (etag !== undefined ? current.etag !== etag : current.decodes)) {
    return {
      key,
      reason,
      copy: undefined,
      removed: false,
      message: `${reason}; it changed meanwhile and was left to its new writer`,
    };
  }
  const { now } = options;
  const copy = copyName(key.name, now);
  await store.write(
    { tenantId: key.tenantId, name: copy },
    boundedCopy(
      { name: key.name, reason, setAsideAt: now.toISOString(), etag: current.etag ?? null },
      current.raw,
    ),
    { unconditional: true },
  );
  let removed = true;
  try {
    await store.delete(key, current.etag === undefined ? undefined : { ifMatch: current.etag });
  } catch (error) {
    if (!(error instanceof StateConflictError)) throw error;
    removed = false; // replaced meanwhile: the new value is someone's fresh write, keep it
  }
  await prune(store, key, options.keep ?? SET_ASIDE_KEEP);
  return {
    key,
    reason,
    copy,
    removed,
    message: removed
      ? `${reason}; set aside as ${copy} and started afresh`
      : `${reason}; copied to ${copy}, and it was replaced meanwhile by another writer`,
  };
}

/** A RunIssue (structurally: the state layer does not import the run's types) for a set-aside value. */
export function corruptStateIssue(aside: Pick<SetAside, 'key' | 'message'>): {
  readonly signal: 'state';
  readonly severity: 'warning';
  readonly code: 'CorruptState';
  readonly message: string;
  readonly target: string;
} {
  return {
    signal: 'state',
    severity: 'warning',
    code: 'CorruptState',
    message: aside.message.slice(0, 500),
    target: aside.key.name,
  };
}

/**
 * Copies set aside under `tenantId` at or after `since`, oldest first: lets a run report what webhooks
 * or other paths without a run row set aside since the previous run. Unreadable copies are skipped.
 */
export async function listSetAside(
  store: StateStore,
  tenantId: string,
  since: Date,
): Promise<SetAsideCopy[]> {
  const names = (await store.list(tenantId, SET_ASIDE_PREFIX)).filter((name) => {
    const at = stampTime(name);
    return at !== undefined && at >= since.getTime();
  });
  const found: SetAsideCopy[] = [];
  for (const copy of names) {
    try {
      const stored = await store.read({ tenantId, name: copy });
      const parsed = copySchema.safeParse(stored?.value);
      if (parsed.success) found.push({ ...parsed.data, copy });
    } catch {
      // A copy that cannot be read is not worth failing the caller for.
    }
  }
  return found.sort((a, b) => a.setAsideAt.localeCompare(b.setAsideAt));
}

/* ---------------------------------------------------------------- helpers */

interface RawValue {
  readonly raw: unknown;
  readonly etag: string | undefined;
  /** The store could decode it (it failed a schema); false for undecodable bytes. */
  readonly decodes: boolean;
}

async function readRaw(store: StateStore, key: StateKey): Promise<RawValue | undefined> {
  try {
    const found = await store.read(key);
    return found ? { raw: found.value, etag: found.etag, decodes: true } : undefined;
  } catch (error) {
    if (error instanceof StateDecodeError) return { raw: error.raw, etag: error.etag, decodes: false };
    throw error;
  }
}

/** Names stay short enough for a local file name and a table key, whatever the original name. */
function shortName(name: string): string {
  if (name.length <= 48) return name;
  return `${name.slice(0, 32)}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

const STAMP = /-(\d{17})$/;

function copyName(name: string, now: Date): string {
  const iso = now.toISOString(); // 2026-11-23T07:05:00.123Z -> 20261123070500123: sorts by time
  return `${SET_ASIDE_PREFIX}${shortName(name)}-${iso.replace(/\D/g, '')}`;
}

function stampTime(copy: string): number | undefined {
  const digits = STAMP.exec(copy)?.[1];
  if (!digits) return undefined;
  const iso = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}T${digits.slice(8, 10)}:${digits.slice(10, 12)}:${digits.slice(12, 14)}.${digits.slice(14)}Z`;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : at;
}

/** The copy, with `raw` cut down until it fits the store's value limit (a damaged value may be anything). */
function boundedCopy(
  head: { name: string; reason: string; setAsideAt: string; etag: string | null },
  raw: unknown,
): z.infer<typeof copySchema> {
  const whole = { ...head, reason: head.reason.slice(0, 2_000), truncated: false, raw: raw ?? null };
  const budget = STATE_VALUE_MAX_BYTES - 10_000;
  if (Buffer.byteLength(JSON.stringify(whole)) <= budget) return whole;
  const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? '');
  for (let keep = Math.min(text.length, budget); ; keep = Math.floor(keep / 2)) {
    const cut = { ...whole, truncated: true, raw: text.slice(0, keep) };
    if (Buffer.byteLength(JSON.stringify(cut)) <= budget) return cut;
  }
}

/** Keeps the newest `keep` copies of this name. Housekeeping: a failure here never fails the caller. */
async function prune(store: StateStore, key: StateKey, keep: number): Promise<void> {
  const prefix = `${SET_ASIDE_PREFIX}${shortName(key.name)}-`;
  try {
    const copies = (await store.list(key.tenantId, prefix))
      .filter((name) => /^\d{17}$/.test(name.slice(prefix.length)))
      .sort();
    for (const old of copies.slice(0, Math.max(0, copies.length - keep))) {
      await store.delete({ tenantId: key.tenantId, name: old });
    }
  } catch {
    // The next set-aside of this name prunes again.
  }
}
