import { describe, expect, it } from 'vitest';
import { breakLinks, capText, cardText, escapeHtml } from '../../src/render/escape.js';

describe('escapeHtml', () => {
  it('escapes markup, quotes and attribute syntax', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&\``)).toBe(
      '&lt;img src&#61;x onerror&#61;&quot;a(&#39;b&#39;)&quot;&gt;&amp;&#96;',
    );
  });
});

describe('cardText', () => {
  it.each([
    ['[x](http://evil)', '\\[x\\](http\u200b://evil)'],
    ['**bold** _it_ `code` ~~s~~', '\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~'],
    ['<b>x</b>', '\\<b\\>x\\</b\\>'],
    ['# heading', '\\# heading'],
    ['- item', '\\- item'],
    ['+ item', '\\+ item'],
    ['1. first', '1\\. first'],
    ['2) second', '2\\) second'],
    ['a | b', 'a \\| b'],
    ['{{DATE(2026-01-01T00:00:00Z)}}', '\\{\\{DATE(2026-01-01T00:00:00Z)\\}\\}'],
    ['line\nbreak\r\n- item', 'line break - item'],
    ['www.evil.example', 'www\u200b.evil.example'],
    ['javascript:alert(1)', 'javascript\u200b:alert(1)'],
  ])('neutralises %j', (input, expected) => {
    expect(cardText(input)).toBe(expected);
  });

  it('leaves ordinary names alone, so Teams mobile shows no stray backslashes', () => {
    for (const name of [
      'dc01.corp.contoso.com',
      'Jean-Luc Picard (Sales)',
      "O'Brien, Miles!",
      'AD2AADProvisioning.3f9a',
    ]) {
      expect(cardText(name)).toBe(name);
    }
  });
});

describe('breakLinks and capText', () => {
  it('breaks schemes and www without touching other text', () => {
    expect(breakLinks('see https://x.example and WWW.y.example, ok')).toBe(
      'see https\u200b://x.example and WWW\u200b.y.example, ok',
    );
  });

  it('caps by code points and never splits a surrogate pair', () => {
    expect(capText('😀😀😀', 2)).toBe('😀…');
    expect(capText('short', 10)).toBe('short');
  });
});
