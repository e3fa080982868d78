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

/**
 * The ids in memory for the windows this run reads: one per event read in them (200,000 in a large
 * run), kept to the end of the run. An id in the canonical form Graph uses (a lowercase GUID) is kept as
 * its 128 bits in a typed-array hash table: 16 bytes outside the JS heap instead of a 36-character
 * string and a Set entry (about 75 bytes on the heap, which V8 then let grow three to four times over,
 * peak RSS growing with the run). The bits are the id itself, not a hash of it, so equal means equal;
 * any other id is kept as a string.
 */
export class SeenIds {
  private readonly other = new Set<string>();
  /** 4 words per slot; a slot is used when `used` says so (the all-zero GUID is an id too). */
  private words = new Uint32Array(INITIAL_SLOTS * 4);
  private used = new Uint8Array(INITIAL_SLOTS);
  private guids = 0;

  add(ids: Iterable<string>): void {
    for (const id of ids) {
      if (!parseGuid(id)) this.other.add(id);
      else if (this.slotOf() < 0) this.insert();
    }
  }

  has(id: string): boolean {
    return parseGuid(id) ? this.slotOf() >= 0 : this.other.has(id);
  }

  get size(): number {
    return this.guids + this.other.size;
  }

  /** The slot holding the parsed GUID, or -1 (the free slot it would take is left in `free`). */
  private slotOf(): number {
    const mask = this.used.length - 1;
    const { words, used } = this;
    for (let slot = mixed() & mask; ; slot = (slot + 1) & mask) {
      if (used[slot] === 0) {
        free = slot;
        return -1;
      }
      const at = slot * 4;
      if (words[at] === g[0] && words[at + 1] === g[1] && words[at + 2] === g[2] && words[at + 3] === g[3])
        return slot;
    }
  }

  /** Inserts the parsed GUID into the free slot slotOf found (growing first when the table is full). */
  private insert(): void {
    if ((this.guids + 1) * 4 > this.used.length * 3) {
      const pending = g.slice();
      this.grow();
      g.set(pending);
      this.slotOf();
    }
    this.words.set(g, free * 4);
    this.used[free] = 1;
    this.guids += 1;
  }

  private grow(): void {
    const { words, used } = this;
    this.words = new Uint32Array(words.length * 2);
    this.used = new Uint8Array(used.length * 2);
    for (let slot = 0; slot < used.length; slot++) {
      if (used[slot] === 0) continue;
      g.set(words.subarray(slot * 4, slot * 4 + 4));
      this.slotOf();
      this.words.set(g, free * 4);
      this.used[free] = 1;
    }
  }
}

const INITIAL_SLOTS = 1_024;

/** The GUID parseGuid read last, and the free slot slotOf found last: no allocation per id. */
const g = new Uint32Array(4);
let free = 0;

/** Hex digit values of lowercase hex; -1 for every other character code below 128. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[97 + c] = 10 + c;

/** Reads a lowercase `8-4-4-4-12` GUID into `g`; false for anything else. */
function parseGuid(id: string): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
      continue;
    }
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0) return false;
    value = (value << 4) | d;
    if (++digits === 8) {
      g[word++] = value;
      value = 0;
      digits = 0;
    }
  }
  return true;
}

/** A 32-bit mix of all four words (ids need not be random: test ids often count up). */
function mixed(): number {
  let h = Math.imul(g[0]! ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ g[1]!, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ g[2]!, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ g[3]!, 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}
