import { describe, expect, it } from 'vitest';
import { SerialisedRows } from '../../src/tables/serialisedRows.js';

describe('SerialisedRows', () => {
  it('keeps each row as a UTF-8 line, whatever its characters, across growth', () => {
    const texts = [
      '{"a":"plain"}',
      '{"a":"ü ☃ 😀 \\u2028"}',
      `{"a":"${'😀'.repeat(5_000)}"}`,
      '{}',
      `{"a":"${'x'.repeat(70_000)}"}`,
    ];
    const rows = new SerialisedRows(16);
    for (const text of texts) rows.push(text);

    expect(rows.count).toBe(texts.length);
    expect(rows.lines().toString('utf8')).toBe(texts.map((t) => `${t}\n`).join(''));
    texts.forEach((text, i) => {
      expect(rows.rowText(i)).toBe(text);
      expect(rows.row(i).length).toBe(Buffer.byteLength(text));
    });
  });

  it('starts empty again after clear, and lets go of a buffer grown for an outsized batch', () => {
    const rows = new SerialisedRows(1_024);
    rows.push('{"a":1}');
    rows.push('{"b":2}');
    rows.clear();
    expect(rows.count).toBe(0);
    expect(rows.lines().length).toBe(0);
    rows.push(`{"c":"${'y'.repeat(1_000_000)}"}`);
    rows.clear();
    rows.push('{"d":4}');
    expect(rows.lines().toString('utf8')).toBe('{"d":4}\n');
  });
});
