import { z } from 'zod';
import type { Clock } from '../clock.js';
import { readStoredState } from '../state/storedState.js';
import { SinkError, type RecordSink } from '../sinks/sink.js';
import { corruptStateIssue, setAside } from '../state/setAside.js';
import { StateConflictError, type StateKey, type StateStore, type WriteCondition } from '../state/store.js';
import type { TableName } from '../tables/definitions.js';
import { issueFrom, type RunIssue } from './runErrors.js';
import { chunkName, listChunks, readChunk, SeenIds, type ChunkName, type SeenChunk } from './seenEvents.js';

/**
 * Where provisioning collection stands, and the commit protocol of one page (README, "Delivery
 * guarantees"):
 *   1. the page's new ids are written as chunk `seq` (with the sink's position before the write);
 *   2. the page goes to the sink;
 *   3. the mark is saved with the new progress and `seq`: from here on the chunk counts as written.
 * A crash after 1 leaves a chunk above the mark's `seq`, resolved by the next run: kept with the ids the
 * sink says it holds, or dropped (its page is then read and written again) when the sink cannot tell.
 */
export const WATERMARK_KEY = 'collect-provisioning-watermark';

const time = z.iso.datetime();

export const provisioningMark = z.object({
  /** Every event at or before it has been written, but for those Graph publishes late. */
  watermark: time,
  /**
   * Events at or before this instant were published when they were read: the fresh pass starts here
   * (less a second). Equals watermark - overlap for a run that caught up with now.
   */
  settled: time.optional(),
  /** The highest chunk sequence number whose page is confirmed written. */
  seq: z.number().int().nonnegative().default(0),
  /** The late sweep: its cursor while one is under way, when the last one ended. */
  sweep: z.object({ cursor: time.optional(), doneAt: time.optional() }).optional(),
  /** Before chunks (version 0.1), the recent ids lived here; read once, then moved into a chunk. */
  recent: z.array(z.tuple([z.string(), z.number()])).optional(),
});
export type ProvisioningMark = z.infer<typeof provisioningMark>;

/** Pages without new events whose progress may wait for a later save. */
const DEFERRED_PAGES_MAX = 20;

export interface CheckpointInput {
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly tenantId: string;
  readonly table: TableName;
  /** Chunks whose events are all older than this are forgotten: no window reaches back that far. */
  readonly forgetBeforeMs: number;
  /** Names and dates what is set aside. */
  readonly clock: Clock;
}

export class ProvisioningCheckpoint {
  readonly seen = new SeenIds();
  readonly issues: RunIssue[] = [];
  private markEtag: string | undefined;
  private chunks: ChunkName[] = [];
  private nextSeq = 1;
  /** Progress of pages without new events, not saved yet (see commitPage). */
  private deferred: ((mark: ProvisioningMark) => ProvisioningMark) | undefined;
  private deferredPages = 0;

  private constructor(
    private readonly input: CheckpointInput,
    /** The committed mark; undefined before the first page of the first run. */
    private current: ProvisioningMark | undefined,
  ) {}

  get mark(): ProvisioningMark | undefined {
    return this.current;
  }

  private get key(): StateKey {
    return { tenantId: this.input.tenantId, name: WATERMARK_KEY };
  }

  static async open(input: CheckpointInput): Promise<ProvisioningCheckpoint> {
    const stored = await readStoredState(
      input.state,
      { tenantId: input.tenantId, name: WATERMARK_KEY },
      provisioningMark,
    );
    if (stored.kind === 'unavailable') throw stored.error;
    const checkpoint = new ProvisioningCheckpoint(input, stored.kind === 'found' ? stored.value : undefined);
    if (stored.kind === 'found') checkpoint.markEtag = stored.etag;
    checkpoint.chunks = await listChunks(input.state, input.tenantId);
    const highest = checkpoint.chunks.at(-1)?.seq ?? 0;
    checkpoint.nextSeq = Math.max(highest, checkpoint.current?.seq ?? 0) + 1;

    if (stored.kind === 'corrupt') {
      // Set aside; what the chunks remember tells how far collection got.
      const aside = await setAside(input.state, checkpoint.key, stored.reason, stored.etag, {
        now: input.clock.now(),
      });
      checkpoint.markEtag = undefined;
      checkpoint.issues.push({
        ...corruptStateIssue(aside),
        message: `${aside.message.slice(0, 400)}; collection resumes from what its de-duplication memory holds`,
      });
      checkpoint.current = checkpoint.recoverMark(highest);
    }
    await checkpoint.resolveInDoubt();
    await checkpoint.migrateRecent();
    return checkpoint;
  }

  /** Loads the ids of every chunk that a window starting at `fromMs` can meet again. */
  async loadSeen(fromMs: number): Promise<void> {
    for (const chunk of this.chunks) {
      if (chunk.toMs < fromMs - 1000) continue;
      const read = await readChunk(this.input.state, this.input.tenantId, chunk.name);
      if (read.kind === 'found') this.seen.add(read.chunk.ids);
      else if (read.kind === 'corrupt') await this.setAsideChunk(chunk, read.reason);
    }
  }

  /**
   * Commits one page (see the protocol above). Returns false when the run must stop reading: the sink
   * or the state store failed, and nothing past the last committed page is claimed.
   */
  async commitPage(
    page: { readonly ids: readonly string[]; readonly fromMs: number; readonly toMs: number },
    write: () => Promise<void>,
    advance: (mark: ProvisioningMark) => ProvisioningMark,
    issues: RunIssue[],
  ): Promise<boolean> {
    if (page.ids.length === 0) {
      // Nothing new on the page: progress only. Saving it can wait (a crash just re-reads pages whose
      // ids are all remembered), which spares a state write per page of an overlap or a sweep.
      const earlier = this.deferred;
      this.deferred = earlier ? (mark) => advance(earlier(mark)) : advance;
      if (++this.deferredPages < DEFERRED_PAGES_MAX) return true;
      return this.save((mark) => mark, issues);
    }
    const seq = this.nextSeq++;
    const name = chunkName(seq, page.toMs);
    const { state, sink, table, tenantId } = this.input;
    let chunk: SeenChunk;
    let etag: string;
    try {
      const position = sink.position ? await sink.position(table) : undefined;
      chunk = { seq, fromMs: page.fromMs, toMs: page.toMs, ids: [...page.ids], position };
      etag = await state.write({ tenantId, name }, chunk, { ifNoneMatch: '*' });
    } catch (error) {
      issues.push(issueFrom('state', error, name));
      return false;
    }
    try {
      await write();
    } catch (error) {
      issues.push(issueFrom('sink', error, table));
      if (error instanceof SinkError && error.rejected) {
        // Some rows were taken: remember exactly those, so reading the page again writes only the rest.
        const rejected = new Set(error.rejected.map((index) => page.ids[index]));
        const taken = page.ids.filter((id) => !rejected.has(id));
        const kept = await state
          .write({ tenantId, name }, { ...chunk, ids: taken }, { ifMatch: etag })
          .then(() => true)
          .catch(() => false);
        if (kept) {
          this.seen.add(taken);
          this.chunks.push({ name, seq, toMs: page.toMs });
          await this.save((mark) => ({ ...mark, seq }), issues);
        }
        return false;
      }
      // Not written: forget the ids. If this delete fails too, the next run finds the chunk in doubt.
      await state.delete({ tenantId, name }).catch(() => undefined);
      return false;
    }
    this.seen.add(page.ids);
    this.chunks.push({ name, seq, toMs: page.toMs });
    return this.save((mark) => ({ ...advance(mark), seq }), issues);
  }

  /** Saves the mark changed by `change`; false (with an issue) when it could not be saved. */
  async save(change: (mark: ProvisioningMark) => ProvisioningMark, issues: RunIssue[]): Promise<boolean> {
    const base = this.current ?? { watermark: new Date(0).toISOString(), seq: this.nextSeq - 1 };
    const deferred = this.deferred;
    this.deferred = undefined;
    this.deferredPages = 0;
    const next = change(deferred ? deferred(base) : base);
    if (this.current !== undefined && JSON.stringify(next) === JSON.stringify(this.current)) return true;
    const { recent: _legacy, ...value } = next;
    const condition: WriteCondition = this.markEtag ? { ifMatch: this.markEtag } : { unconditional: true };
    try {
      this.markEtag = await this.input.state.write(this.key, value, condition);
      this.current = value;
      return true;
    } catch (error) {
      issues.push(issueFrom('state', error, WATERMARK_KEY));
      if (error instanceof StateConflictError) this.markEtag = undefined;
      return false;
    }
  }

  /** Saves progress that waits (see commitPage); the end of every window calls it. */
  async flush(issues: RunIssue[]): Promise<boolean> {
    return this.deferred ? this.save((mark) => mark, issues) : true;
  }

  /** Forgets chunks no window can reach any more (confirmed ones only). */
  async prune(issues: RunIssue[]): Promise<void> {
    const confirmed = this.current?.seq ?? 0;
    for (const chunk of this.chunks.filter((c) => c.toMs < this.input.forgetBeforeMs && c.seq <= confirmed)) {
      try {
        await this.input.state.delete({ tenantId: this.input.tenantId, name: chunk.name });
      } catch (error) {
        issues.push({ ...issueFrom('state', error, chunk.name), severity: 'warning' });
        return;
      }
    }
    this.chunks = this.chunks.filter((c) => c.toMs >= this.input.forgetBeforeMs || c.seq > confirmed);
  }

  /** Chunks above the mark's seq were written by a run that died before it confirmed their page. */
  private async resolveInDoubt(): Promise<void> {
    const confirmed = this.current?.seq ?? 0;
    const { state, sink, table, tenantId } = this.input;
    const inDoubt = this.chunks.filter((c) => c.seq > confirmed);
    if (inDoubt.length === 0) return;
    for (const chunk of inDoubt) {
      const read = await readChunk(state, tenantId, chunk.name);
      if (read.kind !== 'found') {
        if (read.kind === 'corrupt') await this.setAsideChunk(chunk, read.reason);
        continue;
      }
      const { chunk: value, etag } = read;
      const position = value.position;
      const held =
        sink.heldSince && (typeof position === 'number' || typeof position === 'string')
          ? await sink.heldSince(table, position, new Set(value.ids))
          : undefined;
      if (held === undefined) {
        this.issues.push({
          signal: 'sink',
          severity: 'info',
          code: 'PageWrittenAgain',
          message: `a run stopped between writing a page of ${value.ids.length} provisioning events and confirming it; this sink cannot tell what it took, so the page is written again`,
        });
      }
      if (held === undefined || held.size === 0) {
        await state.delete({ tenantId, name: chunk.name }, { ifMatch: etag });
        continue;
      }
      const kept = value.ids.filter((id) => held.has(id));
      if (kept.length < value.ids.length) {
        await state.write({ tenantId, name: chunk.name }, { ...value, ids: kept }, { ifMatch: etag });
      }
    }
    this.chunks = await listChunks(state, tenantId);
    const highest = this.chunks.at(-1)?.seq ?? 0;
    if (highest > confirmed) {
      // What remains above the mark is now known to be written: confirm it before any new chunk.
      await this.save((mark) => ({ ...mark, seq: highest }), this.issues);
    }
  }

  /** The mark as the chunks tell it, after the stored one was found corrupt. */
  private recoverMark(highest: number): ProvisioningMark | undefined {
    const newest = this.chunks.filter((c) => c.seq < highest).at(-1);
    if (!newest) return undefined;
    const at = new Date(newest.toMs).toISOString();
    return { watermark: at, settled: at, seq: newest.seq };
  }

  private async migrateRecent(): Promise<void> {
    const recent = this.current?.recent;
    if (!recent || recent.length === 0) return;
    const seq = this.nextSeq++;
    // A loop, not Math.max(...): the old state held up to 50,000 ids.
    let fromMs = Number.POSITIVE_INFINITY;
    let toMs = Number.NEGATIVE_INFINITY;
    for (const [, at] of recent) {
      fromMs = Math.min(fromMs, at);
      toMs = Math.max(toMs, at);
    }
    const name = chunkName(seq, toMs);
    const chunk: SeenChunk = {
      seq,
      fromMs,
      toMs,
      ids: recent.map(([id]) => id),
    };
    await this.input.state.write({ tenantId: this.input.tenantId, name }, chunk, { unconditional: true });
    this.chunks.push({ name, seq, toMs });
    await this.save((mark) => ({ ...mark, seq }), this.issues);
  }

  private async setAsideChunk(chunk: ChunkName, reason: string): Promise<void> {
    const key = { tenantId: this.input.tenantId, name: chunk.name };
    const aside = await setAside(this.input.state, key, reason, undefined, { now: this.input.clock.now() });
    this.issues.push({
      ...corruptStateIssue(aside),
      message: `${aside.message.slice(0, 400)}; the ids it held are forgotten (events of that page may be written again)`,
    });
  }
}
