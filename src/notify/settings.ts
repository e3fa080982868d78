import { z } from 'zod';
import { parseAcsConnectionString } from './acsConnectionString.js';
import { withinAcsRecipientLimit } from './acsRecipients.js';
import type { RepeatIntervals, Routing } from './routing.js';
import { parseRouting } from './routingDocument.js';

/**
 * Settings of notification channels (ACS email, Teams Workflows webhook, outbox).
 * Composed into the one settings schema by src/config.ts, which alone reads the environment.
 * Env var name -> schema; blank values never reach these schemas (config.ts drops them).
 *
 * Secret-bearing values (the ACS connection string, the Teams webhook URL, whose query string carries
 * a signature) are accepted here as plain strings and checked in `notifySettingsProblems`, so that a
 * malformed value is reported without echoing it: config.ts quotes a failing value in its error unless
 * the name looks like a token or connection string, and a webhook URL does not.
 */

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const notifySettingsShape = {
  /** `endpoint=https://<resource>.communication.azure.com/;accesskey=<key>` (HMAC). Secret. */
  ALERT_EMAIL_CONNECTION_STRING: z.string().min(1).optional(),
  /** `https://<resource>.communication.azure.com`, used with Azure Identity (managed identity). */
  ALERT_EMAIL_ENDPOINT: z
    .url({ protocol: /^https$/, error: 'must be an https:// URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** The MailFrom address of a connected domain, e.g. DoNotReply@<guid>.azurecomm.net. */
  ALERT_EMAIL_SENDER: z.email().optional(),
  /** Recipients, comma- or semicolon-separated; one message carries them all (ACS: at most 50). */
  ALERT_EMAIL_TO: z
    .string()
    .transform((v) =>
      v
        .split(/[\s,;]+/)
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(withinAcsRecipientLimit(z.array(z.email('each entry must be an email address')).min(1)))
    .optional(),
  /**
   * ACS sending quota (per subscription). Custom domains default to 30/min and 100/h; Azure-managed
   * domains (*.azurecomm.net) allow only 5/min and 10/h: set 5 and 10 for those.
   */
  EMAIL_MAX_PER_MINUTE: int(1, 10_000, 30),
  EMAIL_MAX_PER_HOUR: int(1, 100_000, 100),
  /** A Teams Workflows "When a Teams webhook request is received" URL. Secret (signed query string). */
  TEAMS_WEBHOOK_URL: z.string().min(1).optional(),
  /** Timeout of one delivery attempt. */
  NOTIFY_TIMEOUT_SECONDS: int(1, 300, 30),
  /** Attempts per channel within one run before the message waits for the next run. */
  NOTIFY_MAX_ATTEMPTS: int(1, 10, 4),
  /** The longest a run waits between attempts; a longer Retry-After defers the message to a later run. */
  NOTIFY_MAX_RETRY_WAIT_SECONDS: int(0, 300, 30),
  /**
   * A message still undelivered after this long is recorded as failed instead of retried again, counted
   * from when it was queued or, if earlier, from when its channel began failing; what is queued behind
   * it on that channel is given up with it (src/app/deliverOutbox.ts).
   */
  NOTIFY_PENDING_MAX_HOURS: int(1, 30 * 24, 48),
  /** How long delivered message ids are remembered, so a replayed message is never sent twice. */
  NOTIFY_LEDGER_DAYS: int(1, 365, 30),
  /**
   * Routing (routingDocument.ts): receivers and routes as one JSON document, here or in the file
   * ALERT_ROUTES_FILE names. Carries Teams webhook URLs: a secret, never echoed.
   */
  ALERT_ROUTES: z.string().min(1).optional(),
  ALERT_ROUTES_FILE: z.string().min(1).optional(),
} satisfies z.ZodRawShape;

/** Reads the file ALERT_ROUTES_FILE names (config.ts passes the file system; tests may pass text). */
export type ReadRoutesFile = (path: string) => string;

export type EmailConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      readonly kind: 'endpoint';
      readonly endpoint: string;
      /** Client id of a user-assigned managed identity for DefaultAzureCredential. */
      readonly managedIdentityClientId: string | undefined;
    };

export interface EmailSettings {
  /** undefined: email goes to the outbox. */
  readonly connection: EmailConnection | undefined;
  /** Also used for outbox files when no connection is set, so local runs show real addresses. */
  readonly sender: string | undefined;
  readonly to: readonly string[];
  readonly maxPerMinute: number;
  readonly maxPerHour: number;
}

export interface DeliverySettings {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryWaitMs: number;
  readonly pendingMaxAgeMs: number;
  readonly ledgerRetentionMs: number;
}

/** A setting combination that starts fine but leaves something off; shown in /health and the run row. */
export interface SettingsWarning {
  readonly code: string;
  readonly message: string;
}

export interface NotifySettings {
  readonly email: EmailSettings;
  /** What is configured but off, e.g. an ACS endpoint without recipients (email off). */
  readonly warnings: readonly SettingsWarning[];
  /** undefined: Teams messages go to the outbox. */
  readonly teams: { readonly webhookUrl: string } | undefined;
  readonly delivery: DeliverySettings;
  /**
   * ALERT_ROUTES: receivers and routes. Absent: one implicit receiver, ALERT_EMAIL_TO and
   * TEAMS_WEBHOOK_URL, whose channels are `email` and `teams` (the behaviour before routing).
   */
  readonly routing?: Routing;
  /**
   * ALERT_REPEAT_HOURS (critical) and ALERT_REPEAT_WARNING_HOURS (warning): how often receivers of
   * routes without a repeat interval of their own are reminded (set by config.ts).
   */
  readonly defaultRepeat?: RepeatIntervals;
}

/** The parsed values of this module's settings (optional ones may be absent), plus the shared managed identity client id. */
type Raw = z.infer<z.ZodObject<typeof notifySettingsShape>> & {
  readonly AZURE_CLIENT_ID?: string | undefined;
};

/**
 * Cross-field problems (each names the setting, never its value). toNotifySettings throws on any;
 * config.ts may also collect them into its own list.
 */
export function notifySettingsProblems(raw: Raw, readFile?: ReadRoutesFile): string[] {
  const problems: string[] = [];
  const routing = routingOf(raw, readFile);
  if (!routing.ok) problems.push(...routing.problems);
  const connection = raw.ALERT_EMAIL_CONNECTION_STRING;
  if (connection && raw.ALERT_EMAIL_ENDPOINT) {
    problems.push('set ALERT_EMAIL_CONNECTION_STRING or ALERT_EMAIL_ENDPOINT, not both');
  }
  if (connection && !parseAcsConnectionString(connection)) {
    problems.push(
      'ALERT_EMAIL_CONNECTION_STRING: must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key> (value not shown)',
    );
  }
  // ALERT_EMAIL_TO missing is not a problem: the deployment always sets the ACS endpoint and sender, and
  // recipients are optional there (email is then off, with a warning: notifySettingsWarnings).
  const routedEmail = routing.ok && routing.routing?.receivers.some((r) => r.email.length > 0);
  if (
    (connection || raw.ALERT_EMAIL_ENDPOINT) &&
    (raw.ALERT_EMAIL_TO || routedEmail) &&
    !raw.ALERT_EMAIL_SENDER
  ) {
    problems.push('ALERT_EMAIL_SENDER is required when email is configured');
  }
  if (raw.TEAMS_WEBHOOK_URL !== undefined && !isHttpsUrl(raw.TEAMS_WEBHOOK_URL)) {
    problems.push('TEAMS_WEBHOOK_URL: must be an https:// URL (value not shown)');
  }
  return problems;
}

/**
 * The routing document, from ALERT_ROUTES or ALERT_ROUTES_FILE (not both); undefined routing: none set.
 */
function routingOf(
  raw: Raw,
  readFile: ReadRoutesFile | undefined,
): { ok: true; routing: Routing | undefined } | { ok: false; problems: readonly string[] } {
  const inline = typeof raw.ALERT_ROUTES === 'string' ? raw.ALERT_ROUTES : undefined;
  const file = typeof raw.ALERT_ROUTES_FILE === 'string' ? raw.ALERT_ROUTES_FILE : undefined;
  if (inline && file) return { ok: false, problems: ['set ALERT_ROUTES or ALERT_ROUTES_FILE, not both'] };
  if (inline) return parseRouting(inline, 'ALERT_ROUTES');
  if (!file) return { ok: true, routing: undefined };
  let text: string;
  try {
    if (!readFile) throw new Error('no file access here');
    text = readFile(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      problems: [
        `ALERT_ROUTES_FILE: cannot read '${file}' (${typeof code === 'string' ? code : String(error)})`,
      ],
    };
  }
  return parseRouting(text, `ALERT_ROUTES_FILE (${file})`);
}

/** Email is configured (ACS) but has nobody to send to (routing names recipients itself). */
function emailWithoutRecipients(raw: Raw): boolean {
  return (
    Boolean(raw.ALERT_EMAIL_CONNECTION_STRING || raw.ALERT_EMAIL_ENDPOINT) &&
    !raw.ALERT_EMAIL_TO &&
    !raw.ALERT_ROUTES &&
    !raw.ALERT_ROUTES_FILE
  );
}

/** Combinations that start but leave a channel off. Never names a secret value. */
export function notifySettingsWarnings(raw: Raw): SettingsWarning[] {
  const warnings: SettingsWarning[] = [];
  if (emailWithoutRecipients(raw)) {
    warnings.push({
      code: 'EmailNoRecipients',
      message:
        'email is OFF: ALERT_EMAIL_TO is empty (the ACS endpoint is configured); set ALERT_EMAIL_TO (azd env set ALERT_EMAIL_TO ops@example.com && azd provision) to receive alert and digest email',
    });
  }
  if ((raw.ALERT_ROUTES || raw.ALERT_ROUTES_FILE) && (raw.ALERT_EMAIL_TO || raw.TEAMS_WEBHOOK_URL)) {
    warnings.push({
      code: 'RoutingReplacesChannels',
      message:
        'ALERT_EMAIL_TO and TEAMS_WEBHOOK_URL are not used: the routing document (ALERT_ROUTES) names every receiver; add them there as a receiver',
    });
  }
  return warnings;
}

export class NotifySettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid notification settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'NotifySettingsError';
  }
}

export function toNotifySettings(
  raw: Raw,
  options: { readonly readFile?: ReadRoutesFile; readonly defaultRepeat?: RepeatIntervals } = {},
): NotifySettings {
  const problems = notifySettingsProblems(raw, options.readFile);
  if (problems.length > 0) throw new NotifySettingsError(problems);
  const routed = routingOf(raw, options.readFile);
  const routing = routed.ok ? routed.routing : undefined;
  const emailOn = !emailWithoutRecipients(raw);
  const connection: EmailConnection | undefined = !emailOn
    ? undefined
    : raw.ALERT_EMAIL_CONNECTION_STRING
      ? { kind: 'connectionString', connectionString: raw.ALERT_EMAIL_CONNECTION_STRING }
      : raw.ALERT_EMAIL_ENDPOINT
        ? {
            kind: 'endpoint',
            endpoint: raw.ALERT_EMAIL_ENDPOINT,
            managedIdentityClientId: raw.AZURE_CLIENT_ID,
          }
        : undefined;
  return {
    email: {
      connection,
      sender: raw.ALERT_EMAIL_SENDER,
      to: raw.ALERT_EMAIL_TO ?? [],
      maxPerMinute: raw.EMAIL_MAX_PER_MINUTE,
      maxPerHour: raw.EMAIL_MAX_PER_HOUR,
    },
    warnings: notifySettingsWarnings(raw),
    teams: raw.TEAMS_WEBHOOK_URL ? { webhookUrl: raw.TEAMS_WEBHOOK_URL } : undefined,
    delivery: {
      timeoutMs: raw.NOTIFY_TIMEOUT_SECONDS * 1000,
      maxAttempts: raw.NOTIFY_MAX_ATTEMPTS,
      maxRetryWaitMs: raw.NOTIFY_MAX_RETRY_WAIT_SECONDS * 1000,
      pendingMaxAgeMs: raw.NOTIFY_PENDING_MAX_HOURS * 3600_000,
      ledgerRetentionMs: raw.NOTIFY_LEDGER_DAYS * 24 * 3600_000,
    },
    ...(routing ? { routing } : {}),
    ...(options.defaultRepeat ? { defaultRepeat: options.defaultRepeat } : {}),
  };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
