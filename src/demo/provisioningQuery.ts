import { z } from 'zod';
import { decodeSkipToken, encodeSkipToken, parseTop, QueryError, type QueryOptions } from './odataQuery.js';

/**
 * The query of `GET /auditLogs/provisioning`: `$filter` on activityDateTime (gt/ge/lt/le, unquoted
 * DateTimeOffset literals, joined by `and`), `$orderby=activityDateTime asc|desc` (default: newest
 * first), `$top` (capped), and `$skiptoken` carrying a cursor on (activityDateTime, id) so that paging
 * stays correct while new events keep arriving.
 */
export interface ProvisioningQuery {
  readonly order: 'asc' | 'desc';
  readonly pageSize: number;
  /** Inclusive bounds in whole milliseconds; null when unbounded. */
  readonly minMs: number | null;
  readonly maxMs: number | null;
  /** The last event of the previous page. */
  readonly after: { readonly timeMs: number; readonly id: string } | null;
}

const ERROR_CODE = 'BadRequest';
export const PROVISIONING_QUERY_OPTIONS = ['$filter', '$orderby', '$top', '$skiptoken'] as const;

const skipTokenSchema = z.object({
  v: z.literal(1),
  r: z.literal('provisioning'),
  order: z.enum(['asc', 'desc']),
  size: z.number().int().min(1),
  min: z.number().int().nullable(),
  max: z.number().int().nullable(),
  after: z.object({ t: z.number().int(), id: z.string().min(1) }),
});

const LITERAL = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})$/;
const CLAUSE = /^\(?\s*activityDateTime\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*\)?$/i;
const OPERATOR_KIND: Record<string, string> = {
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
};

/** A DateTimeOffset literal as whole ms plus whether a sub-millisecond remainder was cut off. */
function parseLiteral(text: string, operator: string): { ms: number; fractional: boolean } {
  if (/^'.*'$/.test(text)) {
    throw new QueryError(
      ERROR_CODE,
      `A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind '${OPERATOR_KIND[operator] ?? operator}'.`,
    );
  }
  const match = LITERAL.exec(text);
  const base = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
  if (!match || Number.isNaN(base))
    throw new QueryError(
      ERROR_CODE,
      `Invalid filter clause: '${text}' is not a valid DateTimeOffset literal.`,
    );
  const fraction = (match[2] ?? '').padEnd(7, '0');
  return { ms: base + Number(fraction.slice(0, 3)), fractional: Number(fraction.slice(3)) > 0 };
}

export function parseProvisioningFilter(filter: string): { minMs: number | null; maxMs: number | null } {
  let minMs: number | null = null;
  let maxMs: number | null = null;
  const clauses = filter.trim().split(/\s+and\s+/);
  for (const clause of clauses) {
    const match = CLAUSE.exec(clause.trim());
    if (!match) {
      throw new QueryError(
        ERROR_CODE,
        `Invalid filter clause: only 'activityDateTime gt|ge|lt|le <DateTimeOffset>' clauses joined by 'and' are supported, got '${clause.trim()}'.`,
      );
    }
    const operator = (match[1] ?? '').toLowerCase();
    if (operator === 'eq' || operator === 'ne') {
      throw new QueryError(
        ERROR_CODE,
        `Invalid filter clause: operator '${operator}' is not supported on activityDateTime.`,
      );
    }
    const { ms, fractional } = parseLiteral((match[2] ?? '').trim(), operator);
    // Events have millisecond timestamps: turn each bound into an inclusive whole-millisecond bound.
    if (operator === 'gt' || operator === 'ge') {
      const bound = operator === 'gt' || fractional ? ms + 1 : ms;
      minMs = minMs === null ? bound : Math.max(minMs, bound);
    } else {
      const bound = operator === 'lt' && !fractional ? ms - 1 : ms;
      maxMs = maxMs === null ? bound : Math.min(maxMs, bound);
    }
  }
  return { minMs, maxMs };
}

export function parseOrderBy(value: string | undefined): 'asc' | 'desc' {
  if (value === undefined) return 'desc';
  const match = /^\s*activityDateTime(?:\s+(asc|desc))?\s*$/i.exec(value);
  if (!match)
    throw new QueryError(
      ERROR_CODE,
      `Ordering by '${value}' is not supported; use activityDateTime asc|desc.`,
    );
  return (match[1] ?? 'asc').toLowerCase() === 'desc' ? 'desc' : 'asc';
}

export function parseProvisioningQuery(options: QueryOptions, maxPageSize: number): ProvisioningQuery {
  const token = options.get('$skiptoken');
  if (token !== undefined) {
    // The token carries the whole query: the nextLink is all a client needs to follow.
    const state = decodeSkipToken(token, skipTokenSchema, ERROR_CODE);
    return {
      order: state.order,
      pageSize: Math.min(state.size, maxPageSize),
      minMs: state.min,
      maxMs: state.max,
      after: { timeMs: state.after.t, id: state.after.id },
    };
  }
  const filter = options.get('$filter');
  const bounds =
    filter === undefined || filter.trim() === ''
      ? { minMs: null, maxMs: null }
      : parseProvisioningFilter(filter);
  return {
    order: parseOrderBy(options.get('$orderby')),
    pageSize: parseTop(options.get('$top'), {
      defaultSize: 100,
      max: maxPageSize,
      overMax: 'cap',
      errorCode: ERROR_CODE,
    }),
    ...bounds,
    after: null,
  };
}

export function provisioningSkipToken(
  query: ProvisioningQuery,
  after: { timeMs: number; id: string },
): string {
  return encodeSkipToken({
    v: 1,
    r: 'provisioning',
    order: query.order,
    size: query.pageSize,
    min: query.minMs,
    max: query.maxMs,
    after: { t: after.timeMs, id: after.id },
  });
}
