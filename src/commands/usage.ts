/**
 * What each command accepts and how it is explained: one table for parsing (so a flag of another
 * command is an error, not silently ignored) and for `cloudsync-monitor <command> --help`.
 * The synopsis lines of demo, run, digest and status are design section 7, word for word.
 */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Shown after the flag in help, e.g. ISO for --now ISO. */
  readonly value?: string;
  readonly help: string;
}

export interface CommandSpec {
  readonly name: CommandName;
  readonly synopsis: string;
  readonly usage: string;
  readonly about: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** How many positional arguments it takes (ack: the alert id). */
  readonly positionals: number;
  /** Exit code for bad arguments: 2, but `status` keeps to Nagios, where 3 (unknown) means that. */
  readonly usageExitCode: number;
  readonly exitCodes: string;
}

export type CommandName =
  'demo' | 'run' | 'digest' | 'status' | 'ack' | 'silence' | 'tenants' | 'remediate' | 'migration';

const DATA_DIR: OptionSpec = {
  type: 'string',
  value: 'DIR',
  help: 'where records, state and outbox live (default: DATA_DIR, else ./.data)',
};
const NOW: OptionSpec = {
  type: 'string',
  value: 'ISO',
  help: 'behave as if it were this instant, e.g. 2026-11-23T07:00:00Z (replay, backfill, tests)',
};

const CREDENTIALS = [
  'Graph credentials: GRAPH_ACCESS_TOKEN (e.g. az account get-access-token --resource-type ms-graph),',
  'or Azure Identity: AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; the managed identity in Azure.',
];

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  demo: {
    name: 'demo',
    synopsis:
      'cloudsync-monitor demo   [--data-dir DIR]               replay a built-in day of a demo tenant, fast; write everything locally; print a summary',
    usage: 'cloudsync-monitor demo [--data-dir DIR] [--day DATE]',
    about: [
      'Starts a built-in demo tenant (a Graph-compatible HTTPS server) and replays a whole day of it',
      'through the real collector, one monitor run every 5 minutes on a virtual clock, in seconds.',
      'Writes tables, state, outbox and the daily digest under the data dir. Needs no account or network.',
      'Afterwards `cloudsync-monitor status` (same data dir) shows the health the last run left.',
    ],
    options: {
      'data-dir': DATA_DIR,
      day: {
        type: 'string',
        value: 'DATE',
        help: 'the day to replay, e.g. 2026-11-22 (default: yesterday, UTC)',
      },
    },
    positionals: 0,
    usageExitCode: 2,
    exitCodes: '0 done, 1 failed, 2 bad arguments',
  },
  run: {
    name: 'run',
    synopsis:
      'cloudsync-monitor run    [--now ISO] [--data-dir DIR]   one collect run against the configured tenant',
    usage: 'cloudsync-monitor run [--now ISO] [--data-dir DIR]',
    about: [
      'One whole monitor run against the configured tenant: collect jobs, agents and provisioning logs',
      'from Graph, evaluate the alert rules, advance the alert lifecycle, notify, keep the digest rollup.',
      'Records go to Log Analytics or DATA_DIR/tables, notifications to the channels or DATA_DIR/outbox.',
      ...CREDENTIALS,
    ],
    options: { now: NOW, 'data-dir': DATA_DIR },
    positionals: 0,
    usageExitCode: 2,
    exitCodes:
      '0 the run completed (also when a signal could not be read: the run record says which), ' +
      '1 it failed or another run holds the lease, 2 bad arguments, settings or credentials',
  },
  digest: {
    name: 'digest',
    synopsis:
      'cloudsync-monitor digest [--now ISO] [--data-dir DIR]   build (and send, if channels are configured) the digest for the 24 h before now',
    usage: 'cloudsync-monitor digest [--now ISO] [--data-dir DIR]',
    about: [
      'Builds the sync-health digest of the 24 hours before now from the hourly rollups the runs keep',
      '(no Graph calls) and sends it once per day: to email and Teams if configured, else DATA_DIR/outbox.',
      'The HTML is also written to DATA_DIR/digest/.',
    ],
    options: { now: NOW, 'data-dir': DATA_DIR },
    positionals: 0,
    usageExitCode: 2,
    exitCodes: '0 built (and sent, or already sent today), 1 failed, 2 bad arguments or settings',
  },
  status: {
    name: 'status',
    synopsis:
      'cloudsync-monitor status [--json] [--live]               health from the last local run (--live: ask Graph now); exit 0 ok, 1 warning, 2 critical, 3 unknown (Nagios-style); --json always prints one JSON document',
    usage: 'cloudsync-monitor status [--json] [--live] [--now ISO] [--data-dir DIR]',
    about: [
      'Without --live: the health the last local run left in the state store (DATA_DIR/state, or the',
      'state table): its open alerts, whether it could read every signal, whether it is recent.',
      'No network and no credentials needed; works on the data dir of `demo` too.',
      'With --live: asks Graph now for jobs, quarantine and agents (needs credentials), plus the open alerts.',
      'When it cannot decide (no local run yet, no credentials, Graph unreachable) it says why: unknown.',
      ...CREDENTIALS,
    ],
    options: {
      json: {
        type: 'boolean',
        help: 'print exactly one JSON document on stdout: {"health": ..., "findings": [...], ...}, or {"health":"unknown","reason":...}',
      },
      live: { type: 'boolean', help: 'ask Microsoft Graph now instead of reading the last local run' },
      now: NOW,
      'data-dir': DATA_DIR,
    },
    positionals: 0,
    usageExitCode: 3,
    exitCodes:
      '0 ok, 1 warning, 2 critical, 3 unknown (Nagios plugin convention; bad arguments are unknown too)',
  },
  ack: {
    name: 'ack',
    synopsis:
      'cloudsync-monitor ack ALERT_ID [--until resolve|ISO] [--by NAME]   acknowledge (silence) an open alert',
    usage:
      'cloudsync-monitor ack ALERT_ID [--until resolve|ISO] [--by NAME] [--data-dir DIR]\n       cloudsync-monitor ack --list [--data-dir DIR]',
    about: [
      'Acknowledges an open alert as the signed link in a notification does: no repeat or update is sent',
      'until it resolves (or until the given time); escalation and resolution still notify.',
      'Alert ids: `ack --list`, `status`, or the AlertId column. Acknowledging an alert that is already',
      'acknowledged changes nothing. Reads and writes the state store only: no Graph call.',
    ],
    options: {
      until: {
        type: 'string',
        value: 'resolve|ISO',
        help: 'silence until the alert resolves (default) or until this future instant',
      },
      by: { type: 'string', value: 'NAME', help: 'who acknowledges (default: cli:<user name>)' },
      list: { type: 'boolean', help: 'list the open alerts: what is acknowledged, by whom and until when' },
      'data-dir': DATA_DIR,
    },
    positionals: 1,
    usageExitCode: 2,
    exitCodes: '0 acknowledged (or already acknowledged), 1 no such open alert, 2 bad arguments or settings',
  },
  silence: {
    name: 'silence',
    synopsis:
      'cloudsync-monitor silence add|list|expire                          mute alerts by matchers for a time (maintenance)',
    usage:
      'cloudsync-monitor silence add --match LABEL=VALUE[,...] (--for 2h|--until ISO) --comment WHY [--by NAME] [--data-dir DIR]\n       cloudsync-monitor silence list [--json] [--data-dir DIR]\n       cloudsync-monitor silence expire SILENCE_ID [--data-dir DIR]',
    about: [
      'A silence mutes every alert whose labels match (kind, severity, configuration, jobFamily, tenant,',
      'alertId; exact, any case) for a time window: transitions are still recorded and shown in `status`',
      'and the digest, but nobody is notified. An alert still firing when the silence ends is told then.',
      'Recurring windows: MAINTENANCE_WINDOWS. Reads and writes the state store only: no Graph call.',
    ],
    options: {
      match: {
        type: 'string',
        value: 'LABEL=VALUE,...',
        help: 'which alerts, e.g. kind=agent-offline,configuration=contoso.com',
      },
      for: { type: 'string', value: 'DURATION', help: 'how long from now: 30m, 2h, 3d' },
      until: { type: 'string', value: 'ISO', help: 'or until this future instant' },
      comment: { type: 'string', value: 'TEXT', help: 'why (required for add)' },
      by: { type: 'string', value: 'NAME', help: 'who (default: cli:<user name>)' },
      json: { type: 'boolean', help: 'list as one JSON document' },
      now: NOW,
      'data-dir': DATA_DIR,
    },
    positionals: 2,
    usageExitCode: 2,
    exitCodes: '0 done, 1 no such silence, 2 bad arguments or settings',
  },
  remediate: {
    name: 'remediate',
    synopsis:
      'cloudsync-monitor remediate allow-deletes|restart|provision ALERT_ID  opt-in fix for an alert (REMEDIATION)',
    usage:
      'cloudsync-monitor remediate allow-deletes|restart ALERT_ID [--alert-version V] [--actor NAME] [--confirm] [--data-dir DIR]\n       cloudsync-monitor remediate provision ALERT_ID --object SOURCE_ID --dn DN [--alert-version V] [--actor NAME] [--confirm] [--data-dir DIR]',
    about: [
      'Opt-in remediation, off unless REMEDIATION allows the action (needs Synchronization.ReadWrite.All):',
      'allow-deletes (deletion-threshold: restart with resetScope ForceDeletes), restart (job-quarantined,',
      'sync-stalled, deletion-threshold: restart as the admin center does), provision (sync-errors: one',
      'failing object provisioned on demand). Without --confirm it prints the exact Graph request and sends',
      'nothing; with it, the request is sent and the attempt recorded (CloudSyncRemediation_CL, the alert).',
    ],
    options: {
      object: {
        type: 'string',
        value: 'SOURCE_ID',
        help: 'provision: the failing object (its source id in the alert)',
      },
      dn: { type: 'string', value: 'DN', help: "provision: that object's distinguished name in AD" },
      actor: { type: 'string', value: 'NAME', help: 'who does it (default: cli:<user name>)' },
      'alert-version': {
        type: 'string',
        value: 'V',
        help: 'refuse if the alert changed since the plan printed this version',
      },
      confirm: { type: 'boolean', help: 'send the request (without it: print it, send nothing)' },
      'data-dir': DATA_DIR,
    },
    positionals: 2,
    usageExitCode: 2,
    exitCodes: '0 performed (or the plan printed), 1 refused or failed, 2 bad arguments or settings',
  },
  tenants: {
    name: 'tenants',
    synopsis:
      'cloudsync-monitor tenants add|list|remove|test                     the customer tenants of a fleet (MSP) deployment',
    usage:
      'cloudsync-monitor tenants add TENANT_ID --name NAME --auth certificate|federated|keyVaultSecret --client-id APP_ID [--secret-uri URL] [--configurations SP_ID,...] [--routing-tenant LABEL] [--data-dir DIR]\n       cloudsync-monitor tenants list [--json] [--data-dir DIR]\n       cloudsync-monitor tenants remove TENANT_ID [--data-dir DIR]\n       cloudsync-monitor tenants test TENANT_ID [--json] [--data-dir DIR]',
    about: [
      'The tenant registry of fleet mode (FLEET_MODE=on: one deployment watching many customer tenants):',
      'the state table when one is configured, else DATA_DIR/state/_fleet. Each tenant signs in with the',
      "MSP's multi-tenant app, consented in that tenant: by certificate (FLEET_CERTIFICATE_PATH), by a",
      "federated credential trusting the Function App's managed identity, or by a secret in Key Vault.",
      '`test` reads jobs, provisioning logs and agents there once and prints what is missing (admin',
      'consent, a permission) with the admin-consent URL; locally GRAPH_ACCESS_TOKEN may stand in for the',
      "app's credential. Nothing is written to the tenant.",
    ],
    options: {
      name: { type: 'string', value: 'NAME', help: 'display name (add)' },
      auth: {
        type: 'string',
        value: 'KIND',
        help: 'certificate, federated or keyVaultSecret: how the app signs in to this tenant (add)',
      },
      'client-id': { type: 'string', value: 'APP_ID', help: "the multi-tenant app's client id (add)" },
      'secret-uri': {
        type: 'string',
        value: 'URL',
        help: 'Key Vault secret URL for keyVaultSecret: https://<vault>.vault.azure.net/secrets/<name> (add)',
      },
      configurations: {
        type: 'string',
        value: 'SP_ID,...',
        help: 'watch only these configurations (service principal ids); default: all (add)',
      },
      'routing-tenant': {
        type: 'string',
        value: 'LABEL',
        help: 'the tenant label routes match on; default: the display name (add)',
      },
      json: { type: 'boolean', help: 'list or test as one JSON document' },
      'data-dir': DATA_DIR,
    },
    positionals: 2,
    usageExitCode: 2,
    exitCodes:
      '0 done (test: the tenant is ready), 1 no such tenant or test found something missing, 2 bad arguments or settings',
  },
  migration: {
    name: 'migration',
    synopsis:
      'cloudsync-monitor migration start|status|report                   validate a Connect Sync to Cloud Sync migration (two weeks)',
    usage:
      'cloudsync-monitor migration start [--by NAME] [--now ISO] [--data-dir DIR]\n       cloudsync-monitor migration status [--json] [--now ISO] [--data-dir DIR]\n       cloudsync-monitor migration report [--out FILE] [--now ISO] [--data-dir DIR]',
    about: [
      "Microsoft's migration tool validates an aggregate object count and job health only. `start` records",
      'the migration and its two-week validation window with a baseline: objects synced from on-premises per',
      'domain (users, groups, contacts) from the coverage check, and the configurations and jobs, writeback',
      'ones included. While it is active every run checks coverage, counts again and watches the writeback',
      'jobs. `status` says where the validation stands; `report` writes an HTML report for the change ticket',
      '(default DATA_DIR/migration/report-<date>.html, with every object that needs attention in a .csv',
      'beside it). Reads and writes the state store only: no Graph call.',
    ],
    options: {
      by: { type: 'string', value: 'NAME', help: 'who started it (start; default: cli:<user name>)' },
      json: { type: 'boolean', help: 'status as one JSON document' },
      out: { type: 'string', value: 'FILE', help: 'where the report goes (report)' },
      now: NOW,
      'data-dir': DATA_DIR,
    },
    positionals: 1,
    usageExitCode: 2,
    exitCodes: '0 done, 1 no migration recorded (status, report), 2 bad arguments or settings',
  },
};

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

export const USAGE = `Cloud Sync Monitor: health of Microsoft Entra Connect Cloud Sync from Microsoft Graph

usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.synopsis}`)
  .join('\n')}
  cloudsync-monitor ack --list                                       what is acknowledged, by whom, until when

\`cloudsync-monitor <command> --help\` explains a command and its options.
Settings come from environment variables (README, Settings): GRAPH_ACCESS_TOKEN or Azure Identity
(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET; managed identity in Azure), TENANT_ID,
GRAPH_BASE_URL, DATA_DIR, LOGS_INGESTION_*, STATE_TABLE_*, TEAMS_WEBHOOK_URL, ALERT_EMAIL_*, ...`;

/** `cloudsync-monitor <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  const flags = Object.entries(spec.options).map(([name, o]) => [
    `--${name}${o.value ? ` ${o.value}` : ''}`,
    o.help,
  ]);
  flags.push(['-h, --help', 'show this help']);
  const width = Math.max(...flags.map(([flag = '']) => flag.length));
  return [
    `usage: ${spec.usage}`,
    '',
    ...spec.about,
    '',
    'options:',
    ...flags.map(([flag = '', help]) => `  ${flag.padEnd(width)}  ${help}`),
    '',
    `exit codes: ${spec.exitCodes}`,
  ].join('\n');
}
