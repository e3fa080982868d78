/**
 * Directory data (display names, attribute values, error reasons) is attacker-controllable: anyone who
 * can set a user's display name in AD can put markup in an alert. Every renderer passes such text
 * through these functions; nothing from the directory reaches HTML or card text unescaped.
 */

/** Capping is the same for every reader of directory text: src/domain/text.ts. */
export { capText } from '../domain/text.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  // Not needed once '<' and quotes are escaped, but it keeps attribute-like text from the directory
  // (`onerror=...`) out of the markup altogether, so no filter or reviewer has to reason about context.
  '=': '&#61;',
};

/** Text for HTML element content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Text for an Adaptive Card TextBlock, which Teams renders as (a subset of) Markdown: emphasis, code,
 * links, images, raw HTML, lists, headings and quotes are neutralised by backslash-escaping the
 * characters that open them, and bare URLs are broken so Teams does not turn them into links. Control
 * characters and newlines become spaces, so the text is one line and block syntax (lists, headings) can
 * only start at its very beginning. Only characters that can open syntax are escaped: Teams mobile has
 * been seen to show escapes literally, so escaping every '.' and '-' would litter names like
 * `dc01.contoso.com` with backslashes there. `(` `)` and `!` need no escape: a link or image needs the
 * `[` `]` that are escaped.
 */
export function cardText(value: string): string {
  return breakLinks(
    value
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/([\\`*_[\]<>~|{}])/g, '\\$1')
      .replace(/^(\s*)([#+-])/, '$1\\$2')
      .replace(/^(\s*\d+)([.)])/, '$1\\$2'),
  );
}

/**
 * Directory text with URL schemes and `www.` broken by a zero-width space, so that mail clients and
 * Teams, which turn bare URLs into links, do not make a link out of a display name. For text in email
 * (HTML after escapeHtml, and plain text); never for URLs we put in links ourselves.
 */
export function breakLinks(value: string): string {
  return value
    .replace(/(https?|ftp|file|javascript|data|mailto|vbscript):/gi, '$1\u200b:')
    .replace(/(www)\./gi, '$1\u200b.');
}
