/**
 * Deterministic hashing and pseudo-randomness. The demo tenant must look identical on every run and on
 * every machine (tests and the replayed demo compare against fixed expectations), so nothing here reads
 * Math.random or the wall clock.
 */

/** MurmurHash3's finaliser: spreads the bits of a 32-bit value. */
function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of the parts (FNV-1a, then mixed), stable across runs. */
export function hash32(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('|');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** A number in [0, 1) derived from the parts: per-index randomness without keeping any state. */
export function hashUnit(...parts: readonly (string | number)[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

/** A seeded stream of numbers in [0, 1) (mulberry32): for generating a whole day in one pass. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** An integer in [min, max] from a unit value. */
export function intBetween(unit: number, min: number, max: number): number {
  return min + Math.floor(unit * (max - min + 1));
}

/** One of the items, chosen by a unit value. */
export function pickOne<T>(unit: number, items: readonly T[]): T {
  const item = items[Math.floor(unit * items.length)];
  if (item === undefined) throw new Error('pickOne: empty list');
  return item;
}

/** One of the weighted options, chosen by a unit value. */
export function pickWeighted<T>(unit: number, options: readonly (readonly [T, number])[]): T {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let remaining = unit * total;
  for (const [value, weight] of options) {
    if (remaining < weight) return value;
    remaining -= weight;
  }
  const last = options[options.length - 1];
  if (!last) throw new Error('pickWeighted: no options');
  return last[0];
}
