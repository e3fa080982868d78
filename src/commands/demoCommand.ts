import { spawn } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { virtualClock } from '../clock.js';
import { ALERT_KINDS, TRANSITIONS, type Transition } from '../domain/alertModel.js';
import { sendDailyDigest } from '../app/digest.js';
import { runMonitor, type MonitorResult } from '../app/monitorRun.js';
import { NOTIFY_STATE_SCOPE } from '../notify/notifyState.js';
import { environmentWith, extraCaCertsPath, loadSettings } from '../config.js';
import { startDemoTenant } from '../demo/server.js';
import { demoDayScenario } from '../demo/scenario.js';
import { ensureLocalCertificate } from '../demo/tls.js';
import { silentLogger } from '../log.js';
import { createMonitorDependencies } from '../wiring.js';
import { hhmm } from './format.js';
import type { ProvisioningObservation } from '../tables/definitions.js';

const RUN_EVERY_MS = 5 * 60_000;
const DAY_MS = 24 * 3600_000;

/**
 * `cloudsync-monitor demo`: replays a built-in day of a demo tenant through the real collector, Graph
 * client and local sinks, on a virtual clock (a day in seconds), and prints what it collected.
 * The demo tenant speaks HTTPS with a self-signed certificate; Node trusts extra certificates only from
 * NODE_EXTRA_CA_CERTS at start-up, so the command re-runs itself once with that set.
 */
export async function demoCommand(options: {
  dataDir: string;
  day?: Date;
  print: (line: string) => void;
}): Promise<number> {
  const dataDir = path.resolve(options.dataDir);
  const certificate = await ensureLocalCertificate(path.join(dataDir, 'tls'));
  if (extraCaCertsPath() !== certificate.certPath) return rerunTrusting(certificate.certPath);

  const dayStart = options.day ?? startOfYesterdayUtc(new Date());
  const clock = virtualClock(dayStart);
  const scenario = demoDayScenario({ dayStart });
  const tenant = await startDemoTenant({ clock, tls: certificate, scenario });
  const print = options.print;
  try {
    await clearDemoOutputs(dataDir, tenant.tenantId);
    // Settings from scratch, not the environment: the demo never touches a real tenant or workspace.
    const settings = loadSettings(
      {},
      {
        GRAPH_BASE_URL: tenant.baseUrl,
        GRAPH_ACCESS_TOKEN: 'demo-token',
        TENANT_ID: tenant.tenantId,
        DATA_DIR: dataDir,
      },
    );
    const deps = await createMonitorDependencies(settings, clock, silentLogger);
    print(
      `Replaying ${dayStart.toISOString().slice(0, 10)} of demo tenant ${tenant.tenantId}: a monitor run every 5 minutes`,
    );
    print('Alert timeline (UTC):');
    const timeline = new Timeline(print);
    const totals = { runs: 0, events: 0, failedRuns: 0, partialRuns: 0 };
    const tally = new EventTally();
    for (let at = dayStart.getTime() + RUN_EVERY_MS; at <= dayStart.getTime() + DAY_MS; at += RUN_EVERY_MS) {
      clock.set(new Date(Math.max(at, clock.now().getTime())));
      const monitored = await runMonitor(deps, {
        trigger: 'demo',
        onProvisioningWritten: (rows) => tally.add(rows),
      });
      const result = monitored.collect;
      totals.runs += 1;
      totals.events += result.provisioning.written;
      if (result.outcome === 'failed') totals.failedRuns += 1;
      if (result.outcome === 'partial') totals.partialRuns += 1;
      timeline.observe(monitored);
    }
    print('');
    print(
      `Collected ${totals.events} provisioning events in ${totals.runs} runs ` +
        `(${totals.partialRuns} partial, ${totals.failedRuns} failed); Graph answered ${tenant.stats.requests} requests, throttled ${tenant.stats.throttled}.`,
    );
    for (const line of tally.lines()) print(line);
    print(`Records (NDJSON, one row per line, exactly the Log Analytics columns):`);
    for (const file of await readdir(path.join(dataDir, 'tables')))
      print(`  ${path.join(dataDir, 'tables', file)}`);
    print(
      `Notifications (the exact email and Teams payloads, one file each): ${path.join(dataDir, 'outbox')} (${timeline.notifications} messages for ${timeline.incidents.size} incidents)`,
    );
    print(`State: ${path.join(dataDir, 'state')}`);

    const sent = await sendDailyDigest({ ...deps, now: clock.now(), settings });
    print(`Daily digest: ${sent.digest.message.email.subject}`);
    print(`  ${sent.htmlPath}`);
    return 0;
  } finally {
    await tenant.close();
  }
}

/** Prints the alert transitions of each run as they happen, and counts the notifications sent. */
class Timeline {
  notifications = 0;
  readonly incidents = new Set<string>();

  constructor(private readonly print: (line: string) => void) {}

  observe(run: MonitorResult): void {
    for (const t of run.transitions) this.print(line(t));
    this.notifications += run.delivery?.reports.size ?? 0;
    // An incident is one opened alert: what people would count as "a problem we had".
    for (const t of run.transitions) if (t.transition === 'new') this.incidents.add(`${t.alert.id}@${t.at}`);
  }
}

// The timeline's columns fit the longest kind and transition there are (initial-sync-paused is 19).
const KIND_WIDTH = Math.max(...ALERT_KINDS.map((k) => k.length));
const TRANSITION_WIDTH = Math.max(...TRANSITIONS.map((t) => t.length));

function line(t: Transition): string {
  const muted = t.recordOnly ? ' (recorded, not sent)' : '';
  // A resolution says what ended it (deletes allowed: how many), as the RESOLVED message does.
  const summary =
    t.transition === 'resolved' && t.alert.resolution ? t.alert.resolution.summary : t.alert.summary;
  return `  ${hhmm(t.at)}  ${t.alert.kind.padEnd(KIND_WIDTH)} ${t.transition.padEnd(TRANSITION_WIDTH)} ${t.alert.severity.padEnd(8)} ${summary}${muted}`;
}

/** Provisioning events of the day by action and result, and the most frequent error codes. */
class EventTally {
  private readonly byAction = new Map<string, Map<string, number>>();
  private readonly byError = new Map<string, { category: string; count: number; objects: Set<string> }>();

  add(rows: readonly ProvisioningObservation[]): void {
    for (const row of rows) {
      const action = row.ProvisioningAction ?? 'unknown';
      const results = this.byAction.get(action) ?? new Map<string, number>();
      results.set(row.ResultType ?? 'unknown', (results.get(row.ResultType ?? 'unknown') ?? 0) + 1);
      this.byAction.set(action, results);
      if (row.ResultType === 'Failure' && row.ResultSignature) {
        const entry = this.byError.get(row.ResultSignature) ?? {
          category: row.ErrorCategory ?? 'Other',
          count: 0,
          objects: new Set(),
        };
        entry.count += 1;
        entry.objects.add(row.SourceDisplayName ?? row.SourceId ?? '?');
        this.byError.set(row.ResultSignature, entry);
      }
    }
  }

  lines(): string[] {
    const lines = ['Provisioning events by action and result:'];
    for (const [action, results] of [...this.byAction].sort()) {
      lines.push(`  ${action.padEnd(13)} ${[...results].map(([result, n]) => `${result} ${n}`).join(', ')}`);
    }
    const errors = [...this.byError].sort((a, b) => b[1].count - a[1].count).slice(0, 6);
    if (errors.length > 0) lines.push('Top error codes (failures, distinct objects, category):');
    for (const [code, e] of errors)
      lines.push(
        `  ${code}: ${e.count} failures, ${e.objects.size} ${e.objects.size === 1 ? 'object' : 'objects'}, ${e.category}`,
      );
    return lines;
  }
}

function startOfYesterdayUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
}

/** The demo owns its outputs in DATA_DIR; it refuses to wipe a data dir holding another tenant's state. */
async function clearDemoOutputs(dataDir: string, demoTenantId: string): Promise<void> {
  const stateDir = path.join(dataDir, 'state');
  const tenants = await readdir(stateDir).catch(() => [] as string[]);
  // `_notify` holds the deployment's delivery state (queue, ledger, quota), not a tenant's.
  const others = tenants.filter((t) => t !== demoTenantId && t !== NOTIFY_STATE_SCOPE);
  if (others.length > 0) {
    throw new Error(
      `${dataDir} holds state of other tenants (${others.join(', ')}); run the demo with --data-dir pointing elsewhere`,
    );
  }
  await Promise.all(
    [path.join(dataDir, 'tables'), path.join(dataDir, 'outbox'), path.join(stateDir, demoTenantId)].map(
      (dir) => rm(dir, { recursive: true, force: true }),
    ),
  );
}

function rerunTrusting(certPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: environmentWith({ NODE_EXTRA_CA_CERTS: certPath }),
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
