import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { alertSettingsShape, toAlertSettings } from './alerts/settings.js';
import type { MonitorSettings } from './app/settings.js';
import { canarySettingsShape, toCanarySettings, type CanarySettings } from './canary/settings.js';
import type { CollectSettings, TenantSettings } from './collect/settings.js';
import { coverageSettingsShape, toCoverageSettings, type CoverageSettings } from './coverage/settings.js';
import { ncrontabProblem } from './digest/ncrontab.js';
import {
  digestSettingsShape,
  toDigestSettings,
  type DigestSettings,
  type SendDigestSettings,
} from './digest/settings.js';
import type { GraphSettings } from './graph/settings.js';
import { notifySettingsProblems, notifySettingsShape, toNotifySettings } from './notify/settings.js';
import { shortestRouteRepeatMs } from './notify/routing.js';
import type { SinkSettings } from './sinks/settings.js';
import type { StateSettings } from './state/settings.js';
import type { FleetSettings } from './fleet/settings.js';
import { plainIssueMessage, plainProblem, settingProblems } from './settingsMessages.js';
import {
  remediationSettingsShape,
  toRemediationSettings,
  type RemediationSettings,
} from './remediation/settings.js';

/**
 * Every setting of the monitor, parsed once with zod. This is the only module that reads process.env:
 * everything else receives a typed, frozen Settings object. Empty strings count as unset, so an app
 * setting left blank in the portal falls back to its default instead of failing oddly.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const optionalString = z.string().min(1).optional();
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const positive = (max: number, fallback: number) => z.coerce.number().positive().max(max).default(fallback);
const httpsUrl = z
  .url({ protocol: /^https$/, error: 'must be an https:// URL' })
  .transform((u) => u.replace(/\/+$/, ''));
const guidList = z
  .string()
  .transform((v) =>
    v
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(GUID, 'each entry must be a GUID')));

/**
 * The Azure cloud the monitor runs in (AZURE_CLOUD): one setting decides the Microsoft Graph root, the Logs
 * Ingestion token audience and the Entra authority together, so they cannot point at different clouds.
 */
export const azureClouds = {
  public: {
    graphBaseUrl: 'https://graph.microsoft.com',
    logsIngestionAudience: 'https://monitor.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
  },
  usgovernment: {
    graphBaseUrl: 'https://graph.microsoft.us',
    logsIngestionAudience: 'https://monitor.azure.us',
    authorityHost: 'https://login.microsoftonline.us',
  },
  china: {
    graphBaseUrl: 'https://microsoftgraph.chinacloudapi.cn',
    logsIngestionAudience: 'https://monitor.azure.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
  },
} as const;
export type AzureCloudName = keyof typeof azureClouds;

/** Microsoft Graph hosts of each cloud (US Government DoD has its own), for the cross-cloud check. */
const graphHostsOf: Record<AzureCloudName, readonly string[]> = {
  public: ['graph.microsoft.com'],
  usgovernment: ['graph.microsoft.us', 'dod-graph.microsoft.us'],
  china: ['microsoftgraph.chinacloudapi.cn'],
};

/** Env var name -> schema. The names are the contract (README settings table, local.settings.sample.json). */
export const settingsSchema = z.object({
  TENANT_ID: z.string().regex(GUID, 'must be a GUID').optional(),
  AZURE_CLOUD: z.enum(['public', 'usgovernment', 'china']).default('public'),
  /** Default: the AZURE_CLOUD's Graph root; set it for US Government DoD or a Graph stand-in. */
  GRAPH_BASE_URL: httpsUrl.optional(),
  GRAPH_ACCESS_TOKEN: optionalString,
  AZURE_CLIENT_ID: z.string().regex(GUID, 'must be a GUID').optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  /** Days the NDJSON sink keeps rotated daily files and the local outbox keeps its files. */
  LOCAL_RETENTION_DAYS: int(1, 3_650, 14),

  SYNC_SERVICE_PRINCIPAL_IDS: guidList.optional(),
  DISCOVERY_REFRESH_MINUTES: int(5, 7 * 24 * 60, 360),
  AGENTS_API: z.enum(['auto', 'off']).default('auto'),

  PROVISIONING_LOOKBACK_HOURS: int(1, 30 * 24, 24),
  PROVISIONING_OVERLAP_MINUTES: int(0, 24 * 60, 15),
  // Graph's largest page: half the requests of 500, so a paced run collects twice the events.
  PROVISIONING_PAGE_SIZE: int(1, 999, 999),
  PROVISIONING_LATENESS_MINUTES: int(0, 7 * 24 * 60, 120),
  PROVISIONING_LATE_SWEEP_MINUTES: int(5, 24 * 60, 30),
  // A worker thread reads pages for each core beyond the main thread's, two at most (README,
  // "Performance"): on two cores a second worker ran no faster and held 40-46 MB more. The process's,
  // shared by every run at once (collect/provisioningPageParsers, PageWorkerPool).
  PROVISIONING_PARSE_WORKERS: int(0, 4, Math.min(2, availableParallelism() - 1)),
  RUN_TIME_BUDGET_SECONDS: int(10, 3_600, 240),
  RUN_LEASE_SECONDS: int(30, 7_200, 600),
  RUN_MAX_SECONDS: int(30, 7_200, 540),

  GRAPH_REPORTS_REQUESTS_PER_WINDOW: int(1, 1_000, 5),
  GRAPH_REPORTS_WINDOW_SECONDS: positive(600, 10),
  GRAPH_REQUEST_TIMEOUT_SECONDS: positive(600, 60),
  GRAPH_MAX_RETRIES: int(0, 10, 3),

  LOGS_INGESTION_ENDPOINT: httpsUrl.optional(),
  LOGS_INGESTION_DCR_IMMUTABLE_ID: z
    .string()
    .regex(/^dcr-[0-9a-f]{32}$/i, 'must look like dcr-<32 hex digits>')
    .optional(),

  STATE_TABLE_CONNECTION_STRING: optionalString,
  STATE_TABLE_ACCOUNT_URL: httpsUrl.optional(),
  STATE_TABLE_NAME: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be 3-63 letters or digits, starting with a letter')
    .default('CloudSyncMonitorState'),

  // Checked like the Functions host would, so a bad schedule fails start-up instead of the timer.
  COLLECT_SCHEDULE: z
    .string()
    .superRefine((value, ctx) => {
      const problem = ncrontabProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('0 */5 * * * *'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),

  // Fleet mode (many tenants, one deployment; src/fleet): off unless FLEET_MODE=on.
  FLEET_MODE: z.enum(['off', 'on']).default('off'),
  FLEET_QUEUE_NAME: z
    .string()
    .regex(
      /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,55}$/,
      'must be 3-56 lower-case letters, digits or single hyphens',
    )
    .default('cloudsync-tenants'),
  /** The queue trigger's connection (setting name FLEET_QUEUE): a connection string... */
  FLEET_QUEUE: optionalString,
  /** ...or the queue service URL, with the managed identity (identity-based connection). */
  FLEET_QUEUE__queueServiceUri: httpsUrl.optional(),
  FLEET_MAX_DEQUEUE_COUNT: int(1, 100, 5),
  FLEET_CERTIFICATE_PATH: optionalString,

  ...alertSettingsShape,
  ...notifySettingsShape,
  ...digestSettingsShape,
  // Coverage check (issue 15): src/coverage/settings.ts.
  ...coverageSettingsShape,
  // End-to-end canary (issue 15): src/canary/settings.ts.
  ...canarySettingsShape,
  // Opt-in remediation (issue 15 item 4), off by default: src/remediation/settings.ts.
  ...remediationSettingsShape,
});

export type RawSettings = z.infer<typeof settingsSchema>;

/**
 * Every setting, as the composition of the slices each adapter and use case declares beside itself (what
 * it needs and nothing more): the core imports its slice, never this module, so only the edges (function
 * files, the CLI) and the composition root (src/wiring.ts) know Settings. What no slice holds is the
 * edges' own: the cloud, the log level.
 */
export interface Settings
  extends TenantSettings, CollectSettings, MonitorSettings, StateSettings, SinkSettings, SendDigestSettings {
  readonly tenantId: string | undefined;
  /** AZURE_CLOUD and what it decides; graph.baseUrl and logsIngestion.audience follow it. */
  readonly cloud: {
    readonly name: AzureCloudName;
    readonly authorityHost: string;
    readonly logsIngestionAudience: string;
  };
  readonly graph: GraphSettings;
  readonly dataDir: string;
  /** LOCAL_RETENTION_DAYS: dated NDJSON files and outbox files older than this are deleted. */
  readonly localRetentionDays: number;
  readonly collectSchedule: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly fleet: FleetSettings;
  readonly digest: DigestSettings;
  readonly coverage: CoverageSettings;
  readonly canary: CanarySettings;
  /** REMEDIATION (off by default) and REMEDIATION_RULE_IDS: what the ack page and CLI may send. */
  readonly remediation: RemediationSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses settings from an environment (process.env by default). Reports every bad setting at once. */
export function loadSettings(
  env: Env = process.env,
  overrides: Partial<Record<keyof RawSettings, string>> = {},
): Settings {
  const input: Record<string, string> = {};
  for (const name of Object.keys(settingsSchema.shape)) {
    const value = overrides[name as keyof RawSettings] ?? env[name];
    if (value !== undefined && value.trim() !== '') input[name] = value.trim();
  }
  const parsed = settingsSchema.safeParse(input, { error: plainIssueMessage });
  const problems = parsed.success ? [] : settingProblems(parsed.error.issues, input, settingsSchema.shape);
  // The cross-field checks run even when some field failed, so one start-up names every problem.
  const raw = parsed.success ? parsed.data : bestEffort(input);
  if (Boolean(raw.LOGS_INGESTION_ENDPOINT) !== Boolean(raw.LOGS_INGESTION_DCR_IMMUTABLE_ID)) {
    problems.push('LOGS_INGESTION_ENDPOINT and LOGS_INGESTION_DCR_IMMUTABLE_ID must be set together');
  }
  if (raw.STATE_TABLE_CONNECTION_STRING && raw.STATE_TABLE_ACCOUNT_URL) {
    problems.push('set STATE_TABLE_CONNECTION_STRING or STATE_TABLE_ACCOUNT_URL, not both');
  }
  const { RUN_TIME_BUDGET_SECONDS: budget, RUN_MAX_SECONDS: max } = raw;
  if (typeof budget === 'number' && typeof max === 'number' && budget >= max) {
    problems.push(
      `RUN_TIME_BUDGET_SECONDS (${raw.RUN_TIME_BUDGET_SECONDS}) must be less than RUN_MAX_SECONDS (${raw.RUN_MAX_SECONDS}): the run needs time after collecting to alert and notify`,
    );
  }
  const otherCloud =
    typeof raw.GRAPH_BASE_URL === 'string' && /^https:\/\//.test(raw.GRAPH_BASE_URL)
      ? graphCloudMismatch(raw.AZURE_CLOUD, raw.GRAPH_BASE_URL)
      : undefined;
  if (otherCloud) {
    problems.push(
      `GRAPH_BASE_URL is Microsoft Graph of the ${otherCloud} cloud but AZURE_CLOUD is ${raw.AZURE_CLOUD}; set AZURE_CLOUD=${otherCloud} (or leave GRAPH_BASE_URL blank)`,
    );
  }
  if (raw.FLEET_QUEUE && raw.FLEET_QUEUE__queueServiceUri) {
    problems.push('set FLEET_QUEUE or FLEET_QUEUE__queueServiceUri, not both');
  }
  if (raw.FLEET_MODE === 'on' && !raw.FLEET_QUEUE && !raw.FLEET_QUEUE__queueServiceUri) {
    problems.push(
      'FLEET_MODE=on needs the work queue: FLEET_QUEUE (a storage connection string) or FLEET_QUEUE__queueServiceUri (https://<account>.queue.core.windows.net, with the managed identity)',
    );
  }
  problems.push(...notifySettingsProblems(raw, readRoutesFile).map(plainProblem));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return toSettings(parsed.data);
}

/**
 * The settings as far as they parse, each bad one kept as its raw text: enough for the cross-field
 * checks, which only ask whether a setting is present and read secret-bearing values as strings.
 */
function bestEffort(input: Readonly<Record<string, string>>): RawSettings {
  const shape = settingsSchema.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(shape)) {
    const result = schema.safeParse(input[name]);
    out[name] = result.success ? result.data : input[name];
  }
  return out as RawSettings;
}

/** The cloud a known Microsoft Graph URL belongs to, when it is not `cloud`; stand-ins are anyone's. */
function graphCloudMismatch(
  cloud: AzureCloudName,
  graphBaseUrl: string | undefined,
): AzureCloudName | undefined {
  if (!graphBaseUrl) return undefined;
  const host = new URL(graphBaseUrl).hostname.toLowerCase();
  const owner = (Object.keys(graphHostsOf) as AzureCloudName[]).find((name) =>
    graphHostsOf[name].includes(host),
  );
  return owner && owner !== cloud ? owner : undefined;
}

/** ALERT_ROUTES_FILE is read at start-up, like the settings themselves. */
const readRoutesFile = (file: string): string => readFileSync(file, 'utf8');

function toSettings(raw: RawSettings): Settings {
  const minutes = 60_000;
  const cloud = azureClouds[raw.AZURE_CLOUD];
  // Routing: the lifecycle reminds as often as the most eager route asks; each receiver channel then
  // gets reminders at its own route's interval (src/notify/routing.ts).
  const alerts = toAlertSettings(raw);
  const notify = toNotifySettings(raw, {
    readFile: readRoutesFile,
    defaultRepeat: { critical: alerts.repeatMs, warning: alerts.repeatWarningMs },
  });
  const routeRepeatMs = shortestRouteRepeatMs(notify.routing);
  return Object.freeze({
    tenantId: raw.TENANT_ID?.toLowerCase(),
    cloud: {
      name: raw.AZURE_CLOUD,
      authorityHost: cloud.authorityHost,
      logsIngestionAudience: cloud.logsIngestionAudience,
    },
    graph: {
      baseUrl: raw.GRAPH_BASE_URL ?? cloud.graphBaseUrl,
      accessToken: raw.GRAPH_ACCESS_TOKEN,
      managedIdentityClientId: raw.AZURE_CLIENT_ID,
      reportsRequestsPerWindow: raw.GRAPH_REPORTS_REQUESTS_PER_WINDOW,
      reportsWindowMs: raw.GRAPH_REPORTS_WINDOW_SECONDS * 1000,
      requestTimeoutMs: raw.GRAPH_REQUEST_TIMEOUT_SECONDS * 1000,
      maxRetries: raw.GRAPH_MAX_RETRIES,
    },
    dataDir: raw.DATA_DIR,
    localRetentionDays: raw.LOCAL_RETENTION_DAYS,
    discovery: {
      servicePrincipalIds: raw.SYNC_SERVICE_PRINCIPAL_IDS?.map((id) => id.toLowerCase()),
      refreshMs: raw.DISCOVERY_REFRESH_MINUTES * minutes,
    },
    agentsApi: raw.AGENTS_API,
    provisioning: {
      lookbackMs: raw.PROVISIONING_LOOKBACK_HOURS * 60 * minutes,
      overlapMs: raw.PROVISIONING_OVERLAP_MINUTES * minutes,
      pageSize: raw.PROVISIONING_PAGE_SIZE,
      latenessMs: raw.PROVISIONING_LATENESS_MINUTES * minutes,
      lateSweepMs: raw.PROVISIONING_LATE_SWEEP_MINUTES * minutes,
      parseWorkers: raw.PROVISIONING_PARSE_WORKERS,
    },
    run: {
      timeBudgetMs: raw.RUN_TIME_BUDGET_SECONDS * 1000,
      leaseMs: raw.RUN_LEASE_SECONDS * 1000,
      maxMs: raw.RUN_MAX_SECONDS * 1000,
    },
    logsIngestion:
      raw.LOGS_INGESTION_ENDPOINT && raw.LOGS_INGESTION_DCR_IMMUTABLE_ID
        ? {
            endpoint: raw.LOGS_INGESTION_ENDPOINT,
            dcrImmutableId: raw.LOGS_INGESTION_DCR_IMMUTABLE_ID,
            audience: cloud.logsIngestionAudience,
            managedIdentityClientId: raw.AZURE_CLIENT_ID,
          }
        : undefined,
    stateTable: raw.STATE_TABLE_CONNECTION_STRING
      ? {
          kind: 'connectionString' as const,
          connectionString: raw.STATE_TABLE_CONNECTION_STRING,
          tableName: raw.STATE_TABLE_NAME,
        }
      : raw.STATE_TABLE_ACCOUNT_URL
        ? {
            kind: 'accountUrl' as const,
            accountUrl: raw.STATE_TABLE_ACCOUNT_URL,
            tableName: raw.STATE_TABLE_NAME,
            managedIdentityClientId: raw.AZURE_CLIENT_ID,
          }
        : undefined,
    collectSchedule: raw.COLLECT_SCHEDULE,
    logLevel: raw.LOG_LEVEL,
    fleet: {
      enabled: raw.FLEET_MODE === 'on',
      queueName: raw.FLEET_QUEUE_NAME,
      queue: raw.FLEET_QUEUE
        ? { kind: 'connectionString' as const, connectionString: raw.FLEET_QUEUE }
        : raw.FLEET_QUEUE__queueServiceUri
          ? { kind: 'serviceUrl' as const, serviceUrl: raw.FLEET_QUEUE__queueServiceUri }
          : undefined,
      maxDequeueCount: raw.FLEET_MAX_DEQUEUE_COUNT,
      certificatePath: raw.FLEET_CERTIFICATE_PATH,
    },
    alerts:
      routeRepeatMs !== undefined
        ? {
            ...alerts,
            repeatMs: Math.min(alerts.repeatMs, routeRepeatMs),
            repeatWarningMs: Math.min(alerts.repeatWarningMs, routeRepeatMs),
          }
        : alerts,
    notify,
    digest: toDigestSettings(raw),
    coverage: toCoverageSettings(raw),
    canary: toCanarySettings(raw),
    remediation: toRemediationSettings(raw),
  });
}

/**
 * Node reads NODE_EXTRA_CA_CERTS once at start-up: the demo re-runs itself with it set so the demo
 * tenant's self-signed certificate is trusted like any Graph stand-in's would be.
 */
export function extraCaCertsPath(env: Env = process.env): string | undefined {
  return env.NODE_EXTRA_CA_CERTS;
}

/**
 * Whether fleet mode is on, read when the function files load: the queue-triggered functions exist only
 * then (their trigger needs the FLEET_QUEUE connection, which a single-tenant deployment does not have).
 */
export function fleetModeEnabled(env: Env = process.env): boolean {
  return env.FLEET_MODE?.trim() === 'on';
}

/** The current environment plus `extra`, for a child process. */
export function environmentWith(
  extra: Readonly<Record<string, string>>,
  env: Env = process.env,
): Record<string, string | undefined> {
  return { ...env, ...extra };
}
