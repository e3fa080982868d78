/**
 * One copy of each of a few distinct strings: JSON.parse gives every event its own copy of the ids and
 * codes it repeats, and what is kept of many events (past young-generation GCs, or until a save) holds
 * them all. Bounded, so a hostile feed of distinct values cannot grow it without end: past `max`, a value
 * is kept as it came.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(private readonly max: number) {}

  share(value: string): string {
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    if (this.pool.size < this.max) this.pool.set(value, value);
    return value;
  }

  /** share, with null (and a missing value) as null. */
  shareOrNull(value: string | null | undefined): string | null {
    return value == null ? null : this.share(value);
  }
}
