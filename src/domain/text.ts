/**
 * Text from the directory and from Graph (display names, error messages) is attacker-controllable and
 * can be huge. Whatever stores it (alerts, rollups) or shows it caps it with these, once; escaping for
 * HTML or card text stays with the renderers (src/render/escape.ts).
 */

/** Names in alerts and rollups. */
export const NAME_MAX = 120;
/** Longer text: error messages, descriptions. */
export const TEXT_MAX = 400;

/** Caps a string at `max` characters (default 200), marking the cut. Counts code points, never splits a pair. */
export function capText(value: string, max = 200): string {
  // A string has at most as many code points as UTF-16 units: most values are short enough as they are.
  if (value.length <= max) return value;
  // Counted in place (Array.from made an array of the whole text): a pair is one point, a lone half one too.
  const keep = Math.max(0, max - 1);
  let points = 0;
  let end = 0;
  for (let i = 0; i < value.length; points++) {
    if (points === keep) end = i;
    if (points === max) return `${value.slice(0, end)}…`;
    i += isPairAt(value, i) ? 2 : 1;
  }
  return points <= max ? value : `${value.slice(0, end)}…`;
}

function isPairAt(value: string, i: number): boolean {
  const high = value.charCodeAt(i);
  if (high < 0xd800 || high > 0xdbff) return false;
  const low = value.charCodeAt(i + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}

/** Whitespace at either end, two in a row, or any but a plain space: what the fold and trim would change. */
const NEEDS_FOLDING = /^\s|\s$|\s\s|[^\S ]/;

/** Whitespace runs (newlines included) folded to one space, then capped; null stays null. */
export function capFlat(value: string | null | undefined, max: number = TEXT_MAX): string | null {
  if (value == null) return null;
  // Nothing to fold or trim (the usual case: one-line text) leaves the value as it is, without a copy.
  const flat = NEEDS_FOLDING.test(value) ? value.replace(/\s+/g, ' ').trim() : value;
  return capText(flat, max);
}

export const capName = (value: string | null | undefined): string | null => capFlat(value, NAME_MAX);

/** Control characters (header injection, layout) out, length capped: for subjects and titles. */
export function oneLine(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return capText(value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim(), max);
}

/** "1 object", "1,204 objects". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}
