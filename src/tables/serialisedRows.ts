/**
 * Rows of one table already serialised (each the `rowJson` of its record), kept as NDJSON lines in one
 * buffer outside the JS heap, which the provisioning collector reuses batch after batch.
 *
 * Why not strings: a batch waits for its commit across two or more young-generation collections, so
 * whatever it holds on the JS heap is promoted to the old generation and dies there. Held as strings,
 * the rows of a 200,000-event run were about 300 MB of old-generation garbage, which V8 let pile up to
 * most of the run's peak RSS before collecting it.
 */
const INITIAL_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/** Rows taken out of a SerialisedRows: NDJSON bytes, and the offset just past each row's newline. */
export interface DetachedRows {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
}

export class SerialisedRows {
  private buffer: Buffer;
  /** Byte offset just past each row's newline. */
  private ends: number[] = [];
  private used = 0;

  private readonly initialBytes: number;

  /** `initial`: bytes to start with, or the memory to write into first (a page slot's, see collect/pageSlots). */
  constructor(initial: number | Buffer = INITIAL_BYTES) {
    this.buffer = typeof initial === 'number' ? Buffer.allocUnsafeSlow(initial) : initial;
    this.initialBytes = this.buffer.length;
  }

  get count(): number {
    return this.ends.length;
  }

  push(json: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    const room = json.length * 3 + 1;
    if (this.used + room > this.buffer.length) this.grow(this.used + room);
    this.used += this.buffer.write(json, this.used, 'utf8');
    this.buffer[this.used++] = NEWLINE;
    this.ends.push(this.used);
  }

  /**
   * Appends row `index` of rows detached elsewhere (a page read on a worker thread: see
   * collect/provisioningPage), as it is.
   */
  pushDetached(rows: DetachedRows, index: number): void {
    const start = index === 0 ? 0 : rows.ends[index - 1]!;
    const end = rows.ends[index]!;
    if (this.used + end - start > this.buffer.length) this.grow(this.used + end - start);
    this.buffer.set(rows.bytes.subarray(start, end), this.used);
    this.used += end - start;
    this.ends.push(this.used);
  }

  /**
   * The rows as bytes and offsets, handed over: this object starts empty again, its buffer given up (the
   * bytes' ArrayBuffer is theirs alone, so it can be transferred to another thread, unless it is the
   * shared memory this started with).
   */
  detach(): DetachedRows {
    const detached = { bytes: this.buffer.subarray(0, this.used), ends: Uint32Array.from(this.ends) };
    this.buffer = Buffer.alloc(0);
    this.ends = [];
    this.used = 0;
    return detached;
  }

  /** Every row, one per line, each ending in a newline (NDJSON). A view: valid until the next push or clear. */
  lines(): Buffer {
    return this.buffer.subarray(0, this.used);
  }

  /** Row `index`'s JSON (UTF-8), without its newline. A view, like lines(). */
  row(index: number): Buffer {
    const start = index === 0 ? 0 : this.ends[index - 1]!;
    return this.buffer.subarray(start, this.ends[index]! - 1);
  }

  rowText(index: number): string {
    return this.row(index).toString('utf8');
  }

  /** Empties it for the next batch; a buffer grown for an outsized batch is let go rather than kept. */
  clear(): void {
    this.ends = [];
    this.used = 0;
    if (this.buffer.length > 4 * this.initialBytes) this.buffer = Buffer.allocUnsafeSlow(this.initialBytes);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(needed, 2 * this.buffer.length));
    this.buffer.copy(next, 0, 0, this.used);
    this.buffer = next;
  }
}
