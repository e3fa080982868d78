import { z } from 'zod';

/**
 * Settings problems in plain words. The people reading them set app settings in a portal, not zod
 * schemas: "RUN_LEASE_SECONDS must be a whole number between 30 and 7200, got 'abc'" says what to type,
 * "expected number, received NaN" does not. Messages a schema states itself ("must be a GUID") are kept;
 * zod's built-in ones are rephrased here, and number settings are described from their schema's bounds
 * so one sentence names the whole allowed range.
 */

/** Names whose values are secrets (or carry one, as a signed webhook URL does): never echoed. */
const SECRET_NAME = /TOKEN|SECRET|CONNECTION_STRING|KEY|WEBHOOK/;
const SHOWN_MAX = 80;

/** Used as the parse-wide error map: schema-level messages take precedence over it. */
export const plainIssueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' ? 'must be a number' : `must be ${article(issue.expected)}`;
    case 'too_small':
      return bound('at least', 'more than', issue.origin, issue.minimum, issue.inclusive);
    case 'too_big':
      return bound('at most', 'less than', issue.origin, issue.maximum, issue.inclusive);
    case 'invalid_format':
      if (issue.format === 'email') return 'must be an email address';
      if (issue.format === 'url') return 'must be a URL';
      return 'is not in the expected format';
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
};

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function bound(
  inclusiveWord: string,
  exclusiveWord: string,
  origin: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
): string {
  const word = inclusive === false ? exclusiveWord : inclusiveWord;
  const n = String(limit);
  if (origin === 'string') return `must be ${word} ${n} characters long`;
  if (origin === 'array' || origin === 'set') return `must list ${word} ${n} entries`;
  return `must be ${word} ${n}`;
}

/** "must be a whole number between 1 and 999" for a number setting, from its schema; else undefined. */
export function numberRule(schema: z.ZodType): string | undefined {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  if (!(inner instanceof z.ZodNumber)) return undefined;
  const kind = inner.isInt ? 'a whole number' : 'a number';
  const min = inner.minValue;
  const max = inner.maxValue;
  const exclusiveMin = (inner._zod.def.checks ?? []).some((check) => {
    const def = check._zod.def as { check?: string; inclusive?: boolean };
    return def.check === 'greater_than' && def.inclusive === false;
  });
  const finite = (n: number | null): n is number => n !== null && Number.isFinite(n) && Math.abs(n) < 2 ** 53;
  if (finite(min) && finite(max)) {
    return exclusiveMin
      ? `must be ${kind} greater than ${min} and at most ${max}`
      : `must be ${kind} between ${min} and ${max}`;
  }
  if (finite(min)) return `must be ${kind} ${exclusiveMin ? 'greater than' : 'of at least'} ${min}`;
  if (finite(max)) return `must be ${kind} of at most ${max}`;
  return `must be ${kind}`;
}

/**
 * One line per bad setting ("NAME must ..., got 'value'"), from the parse issues; a setting with several
 * issues is named once. `shape` gives number settings their full range.
 */
export function settingProblems(
  issues: readonly z.core.$ZodIssue[],
  input: Readonly<Record<string, string>>,
  shape: Readonly<Record<string, z.ZodType>>,
): string[] {
  const byName = new Map<string, string>();
  for (const issue of issues) {
    const name = String(issue.path[0] ?? '(settings)');
    if (byName.has(name)) continue;
    const schema = shape[name];
    const rule = (schema && numberRule(schema)) ?? issue.message;
    byName.set(name, `${name} ${rule}${shownValue(name, input[name])}`);
  }
  return [...byName.values()];
}

function shownValue(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRET_NAME.test(name)) return ' (value not shown)';
  const shown = value.length > SHOWN_MAX ? `${value.slice(0, SHOWN_MAX)}...` : value;
  return `, got '${shown}'`;
}

/** Other modules word problems as "NAME: must ..."; in one list they read alike as "NAME must ...". */
export function plainProblem(problem: string): string {
  return problem.replace(/^([A-Z][A-Z0-9_]*): /, '$1 ');
}
