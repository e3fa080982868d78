import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeenIds } from '../../src/collect/seenEvents.js';

describe('SeenIds', () => {
  it('remembers exactly the ids added, GUIDs and others alike, through many growths', () => {
    const seen = new SeenIds();
    const added = Array.from({ length: 50_000 }, () => randomUUID());
    const others = ['', 'not-a-guid', 'x'.repeat(36), `${randomUUID().slice(0, 35)}g`];
    seen.add(added.slice(0, 20_000));
    seen.add(added.slice(20_000));
    seen.add(others);
    seen.add(added.slice(0, 100)); // again: no double count
    expect(seen.size).toBe(added.length + others.length);
    expect(added.every((id) => seen.has(id))).toBe(true);
    expect(others.every((id) => seen.has(id))).toBe(true);
    const fresh = Array.from({ length: 50_000 }, () => randomUUID());
    expect(fresh.filter((id) => seen.has(id))).toEqual([]);
  });

  it('tells ids apart by their exact text: case, the all-zero GUID, ids that count up', () => {
    const seen = new SeenIds();
    const lower = 'a0a6803d-036d-484a-9f78-55e9db9f43f4';
    const counting = Array.from(
      { length: 5_000 },
      (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    );
    seen.add([lower, ...counting]);
    expect(seen.has(lower)).toBe(true);
    expect(seen.has(lower.toUpperCase())).toBe(false);
    expect(seen.has('a0a6803d036d484a9f7855e9db9f43f4')).toBe(false);
    expect(seen.has('00000000-0000-0000-0000-000000000000')).toBe(true);
    expect(seen.has('00000000-0000-0000-0000-000000005000')).toBe(false);
    expect(counting.every((id) => seen.has(id))).toBe(true);
    seen.add([lower.toUpperCase()]);
    expect(seen.has(lower.toUpperCase())).toBe(true);
    expect(seen.size).toBe(counting.length + 2);
  });
});
