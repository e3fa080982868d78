/**
 * Shared memory that pages travel in between the main thread and the page workers: one slot per page
 * in flight, holding its body (written by the main thread) and its rows (written by the worker), reused
 * page after page.
 *
 * Why: a page's bytes and rows are buffers outside V8's heap. Copied to a worker and its rows copied
 * back, every page left three such buffers (some 6 MB) behind on the main thread and two in the worker,
 * and V8 frees those only at a full collection, which it starts once such memory has grown by 64 MB.
 * So each thread carried up to 64 MB of dead page buffers, and the process's peak RSS rose with the
 * length of the listing (README, "Performance"). In shared memory, given back once the collector has
 * copied the page's rows, a listing of any length uses the same few buffers.
 *
 * What cannot go wrong because of it: a slot is given back only by the one who last reads it (the
 * collector, after copying the rows), and only for a page a worker answered (a worker that failed or
 * was stopped may still be writing); a slot never given back (a page dropped, a listing stopped) costs
 * only its reuse: it is garbage like any other buffer.
 */
export interface PageSlot {
  body: SharedArrayBuffer;
  rows: SharedArrayBuffer;
}

/** What a slot is handed to a worker as: the page's bytes (a view of the slot's body) and room for its rows. */
export interface SlotPage {
  readonly slot: PageSlot;
  readonly body: Uint8Array;
}

/** Room for a page a quarter larger than this one, in whole 64 KB: pages of one listing differ a little. */
const roomFor = (bytes: number) => Math.ceil((bytes * 1.25) / 65_536) * 65_536;

export class PageSlots {
  private readonly free: PageSlot[] = [];

  /** `keep`: free slots kept for reuse, at most (more than that are let go). */
  constructor(private readonly keep: number) {}

  /** Free slots held now (for tests). */
  get held(): number {
    return this.free.length;
  }

  /** A slot with a copy of `body` in it, and room for its rows (a row is no longer than its event's JSON). */
  take(body: Uint8Array): SlotPage {
    const slot = this.free.pop() ?? { body: new SharedArrayBuffer(0), rows: new SharedArrayBuffer(0) };
    if (slot.body.byteLength < body.byteLength) slot.body = new SharedArrayBuffer(roomFor(body.byteLength));
    if (slot.rows.byteLength < body.byteLength) slot.rows = new SharedArrayBuffer(roomFor(body.byteLength));
    const view = new Uint8Array(slot.body, 0, body.byteLength);
    view.set(body);
    return { slot, body: view };
  }

  /** Nobody reads the slot's page any more: it may carry another. */
  giveBack(slot: PageSlot): void {
    if (this.free.length < this.keep) this.free.push(slot);
  }

  /** Lets every free slot go (the threads that used them have stopped). */
  clear(): void {
    this.free.length = 0;
  }
}
