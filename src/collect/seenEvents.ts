import { z } from 'zod';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';

/**
 * The de-duplication memory of provisioning collection: which event ids were written, bounded by time
 * (the lateness window), not by a count. It is spread over one state entity per written page (a
 * "chunk"), so a burst of any size fits the store's value limit and a checkpoint writes one page's ids,
 * never the whole memory again.
 *
 * Chunk names carry the page's sequence number and its latest activity time, so a run can prune and
 * choose what to load from the listing alone. A chunk whose sequence number is above the watermark's
 * `seq` is "in doubt": it was written before its page went to the sink, and the run that wrote it died
 * before it confirmed the page. `position` (where the sink's data ended before that write) lets a sink
 * that can look (NDJSON) say which of its ids it holds; for a sink that cannot (Logs Ingestion) the chunk
 * is dropped and the page is read and written again: that page is the one duplicate a crash can cost.
 */
export const SEEN_PREFIX = 'collect-seen-';

export const seenChunk = z.object({
  seq: z.number().int().nonnegative(),
  fromMs: z.number(),
  toMs: z.number(),
  ids: z.array(z.string()),
  position: z.unknown().optional(),
});
export type SeenChunk = z.infer<typeof seenChunk>;

export interface ChunkName {
  readonly name: string;
  readonly seq: number;
  readonly toMs: number;
}

const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0');

export function chunkName(seq: number, toMs: number): string {
  return `${SEEN_PREFIX}${pad(seq, 10)}-${pad(toMs, 15)}`;
}

export function parseChunkName(name: string): ChunkName | undefined {
  const match = /^collect-seen-(\d{10})-(\d{15})$/.exec(name);
  if (!match?.[1] || !match[2]) return undefined;
  return { name, seq: Number(match[1]), toMs: Number(match[2]) };
}

/** Every chunk stored for a tenant, oldest first; names that are not chunks are ignored. */
export async function listChunks(state: StateStore, tenantId: string): Promise<ChunkName[]> {
  const names = await state.list(tenantId, SEEN_PREFIX);
  return names
    .map(parseChunkName)
    .filter((c): c is ChunkName => c !== undefined)
    .sort((a, b) => a.seq - b.seq);
}

export type ChunkRead =
  | { readonly kind: 'found'; readonly chunk: SeenChunk; readonly etag: string }
  | { readonly kind: 'gone' }
  | { readonly kind: 'corrupt'; readonly reason: string };

export async function readChunk(state: StateStore, tenantId: string, name: string): Promise<ChunkRead> {
  const stored = await readStoredState(state, { tenantId, name }, seenChunk);
  switch (stored.kind) {
    case 'found':
      return { kind: 'found', chunk: stored.value, etag: stored.etag };
    case 'absent':
      return { kind: 'gone' };
    case 'corrupt':
      return { kind: 'corrupt', reason: stored.reason };
    case 'unavailable':
      throw stored.error;
  }
}

/** The ids in memory, with the instant each was written under, for the windows this run reads. */
export class SeenIds {
  private readonly ids = new Set<string>();

  add(ids: Iterable<string>): void {
    for (const id of ids) this.ids.add(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
