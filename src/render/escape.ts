/**
 * Directory data (display names, attribute values, error reasons) is attacker-controllable: anyone who
 * can set a user's display name in AD can put markup in an alert. Every renderer passes such text
 * through these functions; nothing from the directory reaches HTML or card text unescaped.
 */

/** Caps a string at `max` characters (default 200), marking the cut. Counts code points, never splits a pair. */
export function capText(value: string, max = 200): string {
  const points = Array.from(value);
  return points.length <= max ? value : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text for HTML element content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Text for an Adaptive Card TextBlock, which Teams renders as (a subset of) Markdown: emphasis, lists,
 * headings and links are neutralised by escaping their characters, and bare URLs are broken so Teams
 * does not turn them into links. Control characters and newlines become spaces.
 */
export function cardText(value: string): string {
  return value
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/([\\`*_{}[\]()#+\-.!|>~<])/g, '\\$1')
    .replace(/(https?|ftp|file|javascript|data|mailto):/gi, '$1\u200b:')
    .replace(/www\./gi, 'www\u200b.');
}
