import type { ServicePrincipal } from './graphTypes.js';
import { QueryError } from './odataQuery.js';

/**
 * The `$filter` subset a monitor needs to find Cloud Sync service principals without reading every
 * service principal: `prop eq 'value'`, `prop eq null` and `startswith(prop,'value')` on the string
 * properties Graph documents as filterable, combined with `and` or `or` (not both). String comparison is
 * case-insensitive, as in the directory.
 */
const FILTERABLE = [
  'id',
  'appId',
  'displayName',
  'appDisplayName',
  'applicationTemplateId',
  'servicePrincipalType',
];

const CLAUSE =
  /^\s*(?:(\w+)\s+eq\s+(null|'(?:[^']|'')*')|startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\))\s*/i;
const JOIN = /^(and|or)\s+/;

const ERROR_CODE = 'Request_UnsupportedQuery';

function property(name: string): string {
  const known = FILTERABLE.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (!known) {
    throw new QueryError(
      ERROR_CODE,
      `Unsupported or invalid query filter clause specified for property '${name}' of resource 'ServicePrincipal'.`,
    );
  }
  return known;
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replaceAll("''", "'");
}

type Predicate = (servicePrincipal: ServicePrincipal) => boolean;

export function parseServicePrincipalFilter(filter: string): Predicate {
  const predicates: Predicate[] = [];
  const joins = new Set<string>();
  let rest = filter.trim();
  for (;;) {
    const match = CLAUSE.exec(rest);
    if (!match) throw new QueryError(ERROR_CODE, `Invalid filter clause: '${rest}'.`);
    rest = rest.slice(match[0].length);
    if (match[1] !== undefined) {
      const name = property(match[1]);
      const literal = match[2] ?? 'null';
      const expected = literal.toLowerCase() === 'null' ? null : unquote(literal).toLowerCase();
      predicates.push((sp) => {
        const value = sp[name];
        return expected === null
          ? value === null
          : typeof value === 'string' && value.toLowerCase() === expected;
      });
    } else {
      const name = property(match[3] ?? '');
      const prefix = (match[4] ?? '').replaceAll("''", "'").toLowerCase();
      predicates.push((sp) => {
        const value = sp[name];
        return typeof value === 'string' && value.toLowerCase().startsWith(prefix);
      });
    }
    if (rest === '') break;
    const join = JOIN.exec(rest);
    if (!join) throw new QueryError(ERROR_CODE, `Invalid filter clause: '${rest}'.`);
    joins.add(join[1] ?? '');
    rest = rest.slice(join[0].length);
  }
  if (joins.size > 1)
    throw new QueryError(ERROR_CODE, "Mixing 'and' and 'or' in one filter is not supported.");
  return joins.has('or')
    ? (sp) => predicates.some((predicate) => predicate(sp))
    : (sp) => predicates.every((predicate) => predicate(sp));
}
