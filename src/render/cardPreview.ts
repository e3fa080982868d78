import { escapeHtml } from './escape.js';

/**
 * A static HTML approximation of how Teams shows an Adaptive Card, to look at cards without Teams
 * (screenshots, tests). It renders the elements our cards use and the markdown subset Teams applies to
 * TextBlocks (bold, italics, lists, links, bare-URL auto-linking, CommonMark backslash escapes) the way
 * Teams would, so a neutralisation failure shows up as a real link or real emphasis here. Everything
 * else is escaped; no script, no external resource.
 */
type Node = Record<string, unknown>;

const COLORS: Readonly<Record<string, string>> = {
  Attention: '#c4314b',
  Warning: '#8a5d00',
  Good: '#237b4b',
  Accent: '#5b5fc7',
  Default: '#242424',
};
const SIZES: Readonly<Record<string, string>> = {
  Small: '12px',
  Default: '14px',
  Medium: '16px',
  Large: '20px',
  ExtraLarge: '24px',
};
const SPACING: Readonly<Record<string, string>> = {
  None: '0',
  Small: '4px',
  Default: '8px',
  Medium: '14px',
  Large: '20px',
};

export function renderCardPreviewHtml(
  card: Record<string, unknown>,
  title = 'Adaptive Card preview',
): string {
  const body = Array.isArray(card.body) ? (card.body as Node[]) : [];
  const actions = Array.isArray(card.actions) ? (card.actions as Node[]) : [];
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>',
    "body{margin:0;background:#f5f5f5;font-family:'Segoe UI',Helvetica,Arial,sans-serif;color:#242424}",
    '.chat{max-width:760px;margin:16px auto;padding:0 12px}',
    '.who{font-size:12px;color:#616161;margin:0 0 4px 2px}',
    '.card{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}',
    '.btn{display:inline-block;border:1px solid #d1d1d1;border-radius:4px;padding:5px 12px;margin:8px 8px 0 0;font-size:14px;font-weight:600;color:#242424;text-decoration:none;background:#fff}',
    '.facts{border-collapse:collapse;margin-top:8px;font-size:14px}.facts td{padding:1px 12px 1px 0;vertical-align:top}',
    '.facts td.t{font-weight:600;white-space:nowrap}',
    'ul{margin:2px 0 0 18px;padding:0}',
    '.unsupported{color:#c4314b;font-weight:600}',
    '</style></head><body><div class="chat">',
    `<div class="who">Workflows &middot; ${escapeHtml(title)}</div>`,
    '<div class="card">',
    ...body.map((node, i) => element(node, i === 0)),
    actions.length > 0 ? `<div>${actions.map(action).join('')}</div>` : '',
    '</div></div></body></html>',
  ].join('\n');
}

/** A card property as text: strings and numbers as they are, anything else as `fallback`. */
function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

function element(node: Node, first: boolean): string {
  const gap = first ? '0' : (SPACING[str(node.spacing, 'Default')] ?? SPACING.Default);
  const separator = node.separator === true && !first ? 'border-top:1px solid #e0e0e0;padding-top:10px;' : '';
  const box = `margin-top:${gap};${separator}`;
  switch (node.type) {
    case 'TextBlock': {
      const size = SIZES[str(node.size, 'Default')] ?? SIZES.Default;
      const color = COLORS[str(node.color, 'Default')] ?? COLORS.Default;
      const weight = node.weight === 'Bolder' ? '600' : '400';
      const font = node.fontType === 'Monospace' ? "font-family:Consolas,'Courier New',monospace;" : '';
      const subtle = node.isSubtle === true ? 'opacity:.72;' : '';
      return `<div style="${box}font-size:${size};color:${color};font-weight:${weight};${font}${subtle}line-height:1.4;word-wrap:break-word;">${markdown(str(node.text, ''))}</div>`;
    }
    case 'RichTextBlock': {
      // TextRuns are plain text: no markdown, shown as they are.
      const inlines = Array.isArray(node.inlines) ? (node.inlines as Node[]) : [];
      const runs = inlines
        .map((run) => {
          const font = run.fontType === 'Monospace' ? "font-family:Consolas,'Courier New',monospace;" : '';
          const size = SIZES[str(run.size, 'Default')] ?? SIZES.Default;
          return `<span style="${font}font-size:${size};white-space:pre-wrap;">${escapeHtml(str(run.text, ''))}</span>`;
        })
        .join('');
      return `<div style="${box}line-height:1.4;word-wrap:break-word;overflow-wrap:anywhere;">${runs}</div>`;
    }
    case 'FactSet': {
      const facts = Array.isArray(node.facts) ? (node.facts as Node[]) : [];
      const rows = facts
        .map(
          (f) =>
            `<tr><td class="t">${markdown(str(f.title, ''))}</td><td>${markdown(str(f.value, ''))}</td></tr>`,
        )
        .join('');
      return `<table class="facts" style="${box}">${rows}</table>`;
    }
    case 'Container': {
      const items = Array.isArray(node.items) ? (node.items as Node[]) : [];
      const background =
        node.style === 'emphasis'
          ? 'background:#f5f5f5;margin-left:-16px;margin-right:-16px;padding:10px 16px;'
          : '';
      const top = first && node.style === 'emphasis' ? 'margin-top:-14px;border-radius:6px 6px 0 0;' : '';
      return `<div style="${box}${background}${top}">${items.map((item, i) => element(item, i === 0)).join('')}</div>`;
    }
    case 'ActionSet': {
      const actions = Array.isArray(node.actions) ? (node.actions as Node[]) : [];
      return `<div style="${box}">${actions.map(action).join('')}</div>`;
    }
    default:
      return `<div class="unsupported" style="${box}">[unsupported element ${escapeHtml(str(node.type, '?'))}]</div>`;
  }
}

function action(node: Node): string {
  const title = escapeHtml(str(node.title, ''));
  const url = str(node.url, '');
  if (node.type !== 'Action.OpenUrl')
    return `<span class="btn unsupported">[${escapeHtml(str(node.type, '?'))}] ${title}</span>`;
  return /^https?:\/\//i.test(url)
    ? `<a class="btn" href="${escapeHtml(url)}">${title}</a>`
    : `<span class="btn unsupported" title="not an http(s) URL">${title}</span>`;
}

/** Teams' TextBlock markdown subset, as a CommonMark-ish renderer would apply it. */
export function markdown(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  let inList = false;
  for (const line of lines) {
    const bullet = /^- (.*)$/.exec(line);
    if (bullet) {
      if (!inList) out.push('<ul>');
      inList = true;
      out.push(`<li>${inline(bullet[1] ?? '')}</li>`);
      continue;
    }
    if (inList) out.push('</ul>');
    inList = false;
    out.push(`<div>${inline(line)}</div>`);
  }
  if (inList) out.push('</ul>');
  return out.join('');
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;

function inline(text: string): string {
  let html = '';
  let bold = false;
  let italic = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    const next = text[i + 1] ?? '';
    if (c === '\\' && PUNCTUATION.test(next)) {
      html += escapeHtml(next);
      i++;
      continue;
    }
    if (c === '*' && next === '*') {
      html += bold ? '</strong>' : '<strong>';
      bold = !bold;
      i++;
      continue;
    }
    if (c === '_' || c === '*') {
      html += italic ? '</em>' : '<em>';
      italic = !italic;
      continue;
    }
    const link = /^\[([^\]\\]*)\]\(([^)\s]+)\)/.exec(text.slice(i));
    if (c === '[' && link) {
      html += `<a href="${escapeHtml(link[2] ?? '')}">${escapeHtml(link[1] ?? '')}</a>`;
      i += link[0].length - 1;
      continue;
    }
    const url = /^(https?:\/\/|www\.)[^\s<>]+/i.exec(text.slice(i));
    if (url && (i === 0 || !/[\w]/.test(text[i - 1] ?? ''))) {
      html += `<a href="${escapeHtml(url[0])}">${escapeHtml(url[0])}</a>`;
      i += url[0].length - 1;
      continue;
    }
    html += escapeHtml(c);
  }
  if (italic) html += '</em>';
  if (bold) html += '</strong>';
  return html;
}
