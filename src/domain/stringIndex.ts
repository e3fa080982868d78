/**
 * Each distinct string once, numbered in the order first seen: a column of repeated values kept as
 * numbers into `values` (a run's object ids, a page's shared observation values).
 */
export class StringIndex {
  private list: string[] = [];
  private readonly index = new Map<string, number>();

  /** The strings, each once, at their numbers. */
  get values(): readonly string[] {
    return this.list;
  }

  indexOf(value: string): number {
    let at = this.index.get(value);
    if (at === undefined) {
      at = this.list.length;
      this.list.push(value);
      this.index.set(value, at);
    }
    return at;
  }

  clear(): void {
    this.list = [];
    this.index.clear();
  }
}
