import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Reading the infra files the way a reviewer would. There is no Bicep compiler on these machines, so the
 * tests check what can be checked from the text: module wiring, loaded files, app settings, role names.
 * The Bicep helpers understand just enough syntax for that: single-quoted strings with backslash escapes,
 * // and block comments, and balanced braces and brackets.
 */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const infraDir = path.join(repoRoot, 'infra');

export const readRepoFile = (relative: string): string => readFileSync(path.join(repoRoot, relative), 'utf8');

/** Every .bicep file under infra/, as repo-relative paths with forward slashes. */
export function bicepFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.bicep'))
        found.push(path.relative(repoRoot, full).split(path.sep).join('/'));
    }
  };
  walk(infraDir);
  return found.sort();
}

/** Bicep text with comments blanked out (strings kept, offsets unchanged). */
export function stripBicepComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "'") {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the string literal starting at `start` (a quote). */
function stringEnd(text: string, start: number): number {
  if (text.startsWith("'''", start)) {
    const end = text.indexOf("'''", start + 3);
    return end === -1 ? text.length : end + 3;
  }
  let i = start + 1;
  while (i < text.length && text[i] !== "'") i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** The text of the bracketed block opening at `open` (a `{` or `[`), brackets included. */
export function blockAt(code: string, open: number): string {
  let depth = 0;
  let i = open;
  while (i < code.length) {
    const c = code[i]!;
    if (c === "'") {
      i = stringEnd(code, i);
      continue;
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    if (c === '}' || c === ']' || c === ')') {
      depth--;
      if (depth === 0) return code.slice(open, i + 1);
    }
    i++;
  }
  throw new Error(`unbalanced block at offset ${open}`);
}

/** The object block assigned right after `prefix` (e.g. `var monitorSettings =`, `params:`). */
export function objectAfter(code: string, prefix: RegExp, from = 0): string | undefined {
  const rest = code.slice(from);
  const match = prefix.exec(rest);
  if (!match) return undefined;
  const open = code.indexOf('{', from + match.index + match[0].length);
  return open === -1 ? undefined : blockAt(code, open);
}

/** Keys of an object block's own properties (not of nested objects), one property per line. */
export function topLevelKeys(block: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (depth === 1 && lineStart && /\S/.test(c)) {
      lineStart = false;
      const key = /^(?:([A-Za-z_]\w*)|'([^']*)')\s*:/.exec(block.slice(i));
      if (key) {
        keys.push(key[1] ?? key[2]!);
        i += key[0].length - 1;
        continue;
      }
    }
    if (c === "'") {
      i = stringEnd(block, i) - 1;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
    else if (c === '\n') lineStart = true;
  }
  return keys;
}

export interface BicepModule {
  readonly symbol: string;
  /** Repo-relative path of the module file. */
  readonly file: string;
  readonly params: string[];
}

/** The modules a Bicep file declares, with the params it passes to each. */
export function modulesOf(file: string): BicepModule[] {
  const code = stripBicepComments(readRepoFile(file));
  const modules: BicepModule[] = [];
  for (const match of code.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*(?:if\s*\([^)]*\)\s*)?\{/gm)) {
    const body = blockAt(code, match.index + match[0].length - 1);
    const params = objectAfter(body, /\bparams\s*:/);
    modules.push({
      symbol: match[1]!,
      file: path.posix.join(path.posix.dirname(file), match[2]!),
      params: params ? topLevelKeys(params) : [],
    });
  }
  return modules;
}

export interface BicepParam {
  readonly name: string;
  readonly required: boolean;
}

export function paramsOf(file: string): BicepParam[] {
  const code = stripBicepComments(readRepoFile(file));
  return [...code.matchAll(/^param\s+(\w+)\s+([^\n]*)$/gm)].map((m) => ({
    name: m[1]!,
    required: !m[2]!.includes('='),
  }));
}

export const outputsOf = (file: string): string[] =>
  [...stripBicepComments(readRepoFile(file)).matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]!);

/** Files a Bicep file loads with loadTextContent / loadJsonContent, repo-relative. */
export function loadedFiles(file: string): { fn: string; path: string }[] {
  const code = stripBicepComments(readRepoFile(file));
  return [...code.matchAll(/\b(loadTextContent|loadJsonContent)\(\s*'([^']+)'/g)].map((m) => ({
    fn: m[1]!,
    path: path.posix.join(path.posix.dirname(file), m[2]!),
  }));
}

export const repoFileExists = (relative: string): boolean => existsSync(path.join(repoRoot, relative));

/* ------------------------------------------------------------------ workbook */

export interface WorkbookQuery {
  /** Where the query sits: the item or parameter name. */
  readonly name: string;
  readonly query: string;
  readonly queryType: unknown;
  readonly resourceType: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every KQL query in a workbook: query items and query-driven parameters, however deeply grouped. */
export function workbookQueries(workbook: unknown): WorkbookQuery[] {
  const found: WorkbookQuery[] = [];
  const walk = (node: Json, owner: string): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child, owner);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const name = typeof node.name === 'string' ? node.name : owner;
    const content = node.content;
    const holder =
      content !== null && typeof content === 'object' && !Array.isArray(content) ? content : node;
    if (typeof holder.query === 'string') {
      found.push({
        name,
        query: holder.query,
        queryType: holder.queryType,
        resourceType: holder.resourceType,
      });
    }
    for (const [key, value] of Object.entries(node)) if (key !== 'query') walk(value, name);
  };
  walk(workbook as Json, '(workbook)');
  // A query item's content is visited both as `content` and through the walk: keep one of each.
  return found.filter(
    (q, i) => found.findIndex((other) => other.name === q.name && other.query === q.query) === i,
  );
}

/** Workbook parameter references: `{Name}` or `{Name:format}`. */
export const parameterReference = /\{([A-Za-z][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}/g;

/** Replaces workbook parameter references as the workbook would before running the query. */
export function substituteParameters(query: string, values: Readonly<Record<string, string>>): string {
  return query.replace(parameterReference, (whole, name: string, format: string | undefined) => {
    const key = format ? `${name}:${format}` : name;
    const value = values[key];
    if (value === undefined) throw new Error(`no test value for workbook parameter ${whole}`);
    return value;
  });
}
