import { z } from 'zod';

/**
 * OData query options shared by the endpoints: option names are case-insensitive, unsupported `$`
 * options are refused (so a collector cannot come to rely on something the demo only pretends to do),
 * and paging tokens are opaque, validated base64url JSON.
 */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** 400 for a bad query; endpoints also use it for 404 (no such resource). */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/** The query options of a request, `$` option names lower-cased; other parameters as given. */
export type QueryOptions = ReadonlyMap<string, string>;

export function queryOptions(
  search: URLSearchParams,
  allowed: readonly string[],
  errorCode: string,
): QueryOptions {
  const options = new Map<string, string>();
  for (const [rawKey, value] of search) {
    const key = rawKey.startsWith('$') ? rawKey.toLowerCase() : rawKey;
    if (key.startsWith('$') && !allowed.includes(key)) {
      throw new QueryError(errorCode, `Query option '${rawKey}' is not supported on this resource.`);
    }
    if (options.has(key))
      throw new QueryError(errorCode, `Query option '${rawKey}' was specified more than once.`);
    options.set(key, value);
  }
  return options;
}

const positiveInteger = z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1));

export interface TopRule {
  readonly defaultSize: number;
  readonly max: number;
  /** Above `max`: cap silently (reports) or refuse (directory: "Must be between 1 and 999 inclusive"). */
  readonly overMax: 'cap' | 'reject';
  readonly errorCode: string;
}

export function parseTop(value: string | undefined, rule: TopRule): number {
  if (value === undefined) return Math.min(rule.defaultSize, rule.max);
  const parsed = positiveInteger.safeParse(value.trim());
  if (!parsed.success || (parsed.data > rule.max && rule.overMax === 'reject')) {
    throw new QueryError(
      rule.errorCode,
      `Invalid page size specified: '${value}'. Must be between 1 and ${rule.max} inclusive.`,
    );
  }
  return Math.min(parsed.data, rule.max);
}

/** `$select`: property names, checked against the entity's properties; `id` is always returned. */
export function parseSelect(
  value: string | undefined,
  known: readonly string[],
  entity: string,
  errorCode: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim());
  const selected: string[] = [];
  for (const name of names) {
    const property = known.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!property) {
      throw new QueryError(
        errorCode,
        `Could not find a property named '${name}' on type 'microsoft.graph.${entity}'.`,
      );
    }
    if (!selected.includes(property)) selected.push(property);
  }
  return selected;
}

/** The selected properties of an entity (plus id), in the entity's own order. */
export function project<T extends { [key: string]: unknown }>(
  entity: T,
  select: readonly string[] | undefined,
): Partial<T> {
  if (!select) return entity;
  const projected: { [key: string]: unknown } = {};
  for (const [key, value] of Object.entries(entity)) {
    if (key === 'id' || select.includes(key)) projected[key] = value;
  }
  return projected as Partial<T>;
}

export function encodeSkipToken(payload: object): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeSkipToken<T>(token: string, schema: z.ZodType<T>, errorCode: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new QueryError(errorCode, 'The skip token is not valid.');
  return result.data;
}
