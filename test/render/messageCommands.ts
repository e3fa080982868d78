/**
 * The commands and URLs a rendered alert message holds, read back from what a channel would send: the
 * HTML part (monospace blocks, hrefs), the plain-text part (indented code lines, "Title: URL" lines) and
 * the Teams card (monospace TextRuns, Action.OpenUrl). Used by test/render/demoCommands.test.ts.
 */
export interface Extracted {
  /** Each code block as its lines. */
  readonly code: string[][];
  readonly urls: string[];
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: ' ' };

export function unescapeHtml(value: string): string {
  return value.replace(/&(#\d+|[a-z]+);/g, (all, e: string) =>
    e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (ENTITIES[e] ?? all),
  );
}

export function fromHtml(html: string): Extracted {
  const code = [...html.matchAll(/<div style="[^"]*Consolas[^"]*">(.*?)<\/div>/g)].map((m) =>
    (m[1] ?? '').split('<br>').map(unescapeHtml),
  );
  const urls = [...html.matchAll(/href="([^"]*)"/g)]
    .map((m) => unescapeHtml(m[1] ?? ''))
    .filter((u) => !u.startsWith('#'));
  return { code, urls };
}

export function fromText(text: string): Extracted {
  const code: string[][] = [];
  let block: string[] | undefined;
  for (const line of text.split('\n')) {
    // Steps are "  N. text", their code lines indented by 7 spaces.
    if (/^ {7}\S/.test(line)) {
      (block ??= []).push(line.slice(7));
      continue;
    }
    if (block) code.push(block);
    block = undefined;
  }
  if (block) code.push(block);
  const urls = [...text.matchAll(/\bhttps?:\/\/\S+/g)].map((m) => m[0]);
  return { code, urls };
}

type Node = Record<string, unknown>;

export function fromCard(card: Node): Extracted {
  const code: string[][] = [];
  const urls: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'RichTextBlock') {
      const runs = (n.inlines as Node[] | undefined) ?? [];
      code.push(
        runs
          .map((r) => (typeof r.text === 'string' ? r.text : ''))
          .join('')
          .split('\n'),
      );
      return;
    }
    if (n.type === 'Action.OpenUrl' && typeof n.url === 'string') urls.push(n.url);
    if (n.type === 'TextBlock' && typeof n.text === 'string') {
      urls.push(...[...n.text.matchAll(/\bhttps?:\/\/\S+/g)].map((m) => m[0]));
    }
    for (const value of Object.values(n)) if (typeof value === 'object') walk(value);
  };
  walk(card);
  return { code, urls };
}

/** Characters that make a pasted command or URL fail silently: zero-width, bidi controls, BOM. */
export const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/** What is wrong with one command line or URL, or nothing. */
export function problemsOf(value: string): string[] {
  const problems: string[] = [];
  if (INVISIBLE.test(value)) problems.push('zero-width or bidi character');
  if (/…|\.\.\./.test(value)) problems.push('ellipsis (cut)');
  if (/\{[A-Za-z ]+\}/.test(value)) problems.push('placeholder instead of an id');
  return problems;
}

/** Quotes balanced in a PowerShell, KQL or JSON line ('' inside a single-quoted string is one quote). */
export function quotesBalanced(line: string): boolean {
  const withoutComment = line.replace(/\s#.*$/, '');
  const singles = (withoutComment.replace(/''/g, '').match(/'/g) ?? []).length;
  const doubles = (withoutComment.match(/"/g) ?? []).length;
  return singles % 2 === 0 && doubles % 2 === 0;
}

/**
 * A code block is KQL when it starts with one of the monitor's tables, an HTTP request when it starts
 * with a method and a whole URL (Graph Explorer form), PowerShell when it starts with Verb-Noun.
 */
export function languageOf(block: readonly string[]): 'kql' | 'http' | 'powershell' | 'unknown' {
  const first = block[0] ?? '';
  if (/^CloudSync\w+_CL\b/.test(first)) return 'kql';
  const request = /^(GET|POST|PATCH|PUT|DELETE) (https:\/\/\S+)$/.exec(first);
  if (request) return URL.canParse(request[2] ?? '') ? 'http' : 'unknown';
  if (/^[A-Z][a-z]+-[A-Za-z]+\b/.test(first)) return 'powershell';
  return 'unknown';
}

/** The URLs in a text that are not whole (invisible characters, cut, unparsable). */
export function brokenUrlsIn(text: string): string[] {
  return [...text.matchAll(/\bhttps:\/\/\S+/g)]
    .map((x) => x[0])
    .filter((u) => INVISIBLE.test(u) || u.includes('…') || !URL.canParse(u));
}

/** Every problem of the commands and URLs of one message form, as "form: line (problem)". */
export function formProblems(form: string, extracted: Extracted): string[] {
  const bad: string[] = [];
  for (const block of extracted.code) {
    for (const line of block) {
      const problems = [...problemsOf(line), ...(quotesBalanced(line) ? [] : ['unbalanced quotes'])];
      if (problems.length > 0) bad.push(`${form}: ${line} (${problems.join(', ')})`);
    }
    if (languageOf(block) === 'unknown') bad.push(`${form}: not a command: ${block.join(' / ')}`);
  }
  for (const url of extracted.urls) {
    const problems = problemsOf(url);
    if (!URL.canParse(url) || !url.startsWith('https://')) problems.push('not an https URL');
    if (problems.length > 0) bad.push(`${form}: ${url} (${problems.join(', ')})`);
  }
  return bad;
}

/** A path cut short or a placeholder in the prose of a message ("POST .../jobs/{jobId}/start"). */
export function cutPathsIn(text: string): string[] {
  return [...text.matchAll(/\S*(?:\.\.\.|…)\/\S*|\S*\/\{[A-Za-z]+\}\S*/g)].map((m) => m[0]);
}
