import { z } from 'zod';
import { MATCHER_LABELS, type MatcherLabel } from '../domain/alertLabels.js';
import { ALERT_KINDS } from '../domain/alertModel.js';
import { TEMPLATE_FAMILIES } from '../domain/jobTemplates.js';
import { plainIssueMessage } from '../settingsMessages.js';
import { withinAcsRecipientLimit } from './acsRecipients.js';
import type { Receiver, Route, Routing } from './routing.js';

/**
 * The routing document (ALERT_ROUTES, or the file ALERT_ROUTES_FILE names), declared once and checked at
 * start-up: receivers, routes, the default receiver and the digest's receivers. Every problem is
 * reported at once, each naming its place in the document (`routes[1].match.severity: ...`). Teams
 * webhook URLs are secrets (their query string is the signature): a problem with one never quotes it.
 */
const HOUR = 3600_000;

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/i;

/** One value or a list of them; a list matches any of its values. */
const oneOrMany = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item).min(1, 'must not be empty'));

const caseInsensitiveOneOf = (values: readonly string[], what: string) =>
  z.string().refine((v) => values.some((x) => x.toLowerCase() === v.toLowerCase()), {
    message: `must be ${what}: ${values.join(', ')}`,
  });

const labelSchemas: Record<MatcherLabel, z.ZodType<string>> = {
  kind: caseInsensitiveOneOf(ALERT_KINDS, 'an alert kind'),
  severity: caseInsensitiveOneOf(['warning', 'critical'], 'a severity'),
  configuration: z.string().min(1),
  jobFamily: caseInsensitiveOneOf(TEMPLATE_FAMILIES, 'a job family'),
  tenant: z.string().min(1),
  alertId: z.string().min(1),
};

const matchSchema = z
  .object(
    Object.fromEntries(MATCHER_LABELS.map((label) => [label, oneOrMany(labelSchemas[label]).optional()])) as {
      [L in MatcherLabel]: z.ZodOptional<ReturnType<typeof oneOrMany<z.ZodType<string>>>>;
    },
  )
  .strict();

const teamsUrl = z.string().refine(isHttpsUrl, 'must be an https:// URL (value not shown)');

const receiverSchema = z
  .object({
    name: z.string().regex(NAME, 'must be 1-40 letters, digits, - or _ (it names the receiver channel)'),
    email: z
      .preprocess(
        (v) => (typeof v === 'string' ? [v] : v),
        withinAcsRecipientLimit(z.array(z.email('must be an email address')).min(1, 'must not be empty')),
      )
      .optional(),
    teams: oneOrMany(teamsUrl).optional(),
  })
  .strict();

const repeatHours = z
  .number()
  .min(0.25, 'must be at least 0.25 (hours)')
  .max(30 * 24, 'must be at most 720 (hours)');

const routeSchema = z
  .object({
    match: matchSchema.default({}),
    /** Who is told; an empty list: nobody (the digest still lists the alert). */
    receivers: z.array(z.string()),
    /** Go on matching the routes after this one. */
    continue: z.boolean().default(false),
    /** Repeat reminders to these receivers at most this often (default ALERT_REPEAT_HOURS, for warnings ALERT_REPEAT_WARNING_HOURS). */
    repeatIntervalHours: repeatHours.optional(),
  })
  .strict();

const documentSchema = z
  .object({
    receivers: z.array(receiverSchema).min(1, 'must list at least one receiver'),
    routes: z.array(routeSchema).default([]),
    defaultReceiver: z.string(),
    digestReceivers: z.array(z.string()).optional(),
  })
  .strict();

export type RoutingDocument = z.infer<typeof documentSchema>;

export type RoutingParse =
  | { readonly ok: true; readonly routing: Routing }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Parses and checks a routing document; `source` names it in problems (ALERT_ROUTES, a file). */
export function parseRouting(text: string, source: string): RoutingParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^JSON\.parse: /, '') : String(error);
    return { ok: false, problems: [`${source}: is not valid JSON (${why})`] };
  }
  const parsed = documentSchema.safeParse(json, { error: plainIssueMessage });
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${source}: ${where(issue.path)}${issueText(issue)}`),
    };
  }
  const problems = crossProblems(parsed.data).map((p) => `${source}: ${p}`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, routing: toRouting(parsed.data) };
}

/** Names that must refer to a receiver, duplicate names, receivers with nowhere to send. */
function crossProblems(doc: RoutingDocument): string[] {
  const problems: string[] = [];
  const names = doc.receivers.map((r) => r.name.toLowerCase());
  const known = `receivers: ${doc.receivers.map((r) => r.name).join(', ')}`;
  doc.receivers.forEach((r, i) => {
    if (names.indexOf(r.name.toLowerCase()) !== i)
      problems.push(`receivers[${i}].name: '${r.name}' is used by another receiver`);
    if ((r.email?.length ?? 0) === 0 && (r.teams?.length ?? 0) === 0)
      problems.push(`receivers[${i}]: '${r.name}' has no email and no teams: it could tell nobody`);
  });
  const check = (name: string, path: string) => {
    if (!names.includes(name.toLowerCase())) problems.push(`${path}: no receiver named '${name}' (${known})`);
  };
  check(doc.defaultReceiver, 'defaultReceiver');
  doc.routes.forEach((route, i) =>
    route.receivers.forEach((name, j) => check(name, `routes[${i}].receivers[${j}]`)),
  );
  (doc.digestReceivers ?? []).forEach((name, j) => check(name, `digestReceivers[${j}]`));
  return problems;
}

function toRouting(doc: RoutingDocument): Routing {
  const canonical = new Map(doc.receivers.map((r) => [r.name.toLowerCase(), r.name]));
  const name = (n: string) => canonical.get(n.toLowerCase()) ?? n;
  const receivers: Receiver[] = doc.receivers.map((r) => ({
    name: r.name,
    email: r.email ?? [],
    teams: r.teams ?? [],
  }));
  const routes: Route[] = doc.routes.map((r) => ({
    match: Object.fromEntries(Object.entries(r.match).filter(([, v]) => v !== undefined)),
    receivers: [...new Set(r.receivers.map(name))],
    continue: r.continue,
    ...(r.repeatIntervalHours !== undefined ? { repeatMs: Math.round(r.repeatIntervalHours * HOUR) } : {}),
  }));
  return {
    receivers,
    routes,
    defaultReceiver: name(doc.defaultReceiver),
    digestReceivers: [...new Set((doc.digestReceivers ?? [doc.defaultReceiver]).map(name))],
  };
}

/** `routes[1].match.severity: ` from zod's path; the document itself has no path. */
function where(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out ? `${out}: ` : '';
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const unknown = `unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    return issue.path.at(-1) === 'match' ? `${unknown} (labels: ${MATCHER_LABELS.join(', ')})` : unknown;
  }
  return issue.message;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
