/**
 * Graph adds enumeration values over time. A value we do not know is kept as it came (so nothing is
 * lost) and counted here, so the run record can say "saw provisioningAction 'foo' 3 times" once
 * instead of failing or silently mapping it to something wrong.
 */
export class UnknownValues {
  private readonly seen = new Map<string, number>();

  record(field: string, value: string): void {
    const key = `${field}=${value.slice(0, 80)}`;
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
  }

  entries(): { field: string; value: string; count: number }[] {
    return [...this.seen].map(([key, count]) => {
      const at = key.indexOf('=');
      return { field: key.slice(0, at), value: key.slice(at + 1), count };
    });
  }
}

/**
 * Maps a Graph enumeration value to our canonical spelling, case-insensitively.
 * Unknown values come back unchanged and are recorded; missing values are null.
 */
export function canonical(
  known: ReadonlyMap<string, string>,
  field: string,
  value: string | null | undefined,
  unknown: UnknownValues,
): string | null {
  if (value == null || value === '') return null;
  const match = known.get(value.toLowerCase());
  if (match !== undefined) return match;
  unknown.record(field, value);
  return value;
}

export const spellings = (...values: string[]): ReadonlyMap<string, string> =>
  new Map(values.map((v) => [v.toLowerCase(), v]));
