import {
  AlertBookConflictError,
  runAlerting,
  writeAlertRows,
  type AlertingResult,
} from '../alerts/alerting.js';
import type { Transition } from '../domain/alertModel.js';
import {
  collectSignals,
  finishRun,
  type CollectDependencies,
  type CollectResult,
  type RunContext,
} from '../collect/collectRun.js';
import { issueFrom, type RunIssue } from '../collect/runErrors.js';
import { recordAgentObservations, recordRun } from '../digest/rollup.js';
import { ProvisioningTally } from '../digest/tally.js';
import { readHeartbeatRecords } from '../heartbeat/heartbeatRecords.js';
import { readMonitorStatus, writeMonitorStatus, type MonitorStatus } from '../health/monitorStatus.js';
import { isStateTrouble, type ChannelReport } from '../notify/delivery.js';
import { retryPending, type NotifyDependencies } from '../notify/dispatch.js';
import { buildObservations, ObjectStatusTracker, provisioningReadFully } from '../rules/index.js';
import { ProvisionedTouches, runCoverageCheck } from '../coverage/coverageCheck.js';
import type { DirectoryCoverage } from '../domain/directoryCoverage.js';
import { runCanary, type CanaryResult } from '../canary/canaryRun.js';
import { isActive as isMigrationActive, readMigration } from '../migration/migrationState.js';
import { watchMigration } from '../migration/migrationWatch.js';
import type { AgentRecord, ProvisioningObservation } from '../tables/definitions.js';
import { deliverOutbox, type OutboxDelivery } from './deliverOutbox.js';
import type { RunGuard } from './runGuard.js';
import type { MonitorSettings } from './settings.js';
import { underRunLease } from './underRunLease.js';
import { readSilences, windowSilences } from '../alerts/silences.js';
import { NOTIFY_STATE_SCOPE } from '../notify/notifyState.js';
import { notifyChannels } from '../notify/channels.js';
import { corruptStateIssue, listSetAside } from '../state/setAside.js';
import {
  deliveryFigures,
  failingChannels,
  type DeliveryHealth,
  type DeliveryOutcome,
} from '../domain/deliveryHealth.js';
import { deliveryOutcomes, readDeliveryHealth, recordDeliveryHealth } from '../notify/deliveryHealthStore.js';

/**
 * One run of the monitor (design section 6, `collect`), as named stages run in this order under the
 * tenant's run lease. Each stage after collection reports trouble as a run issue instead of failing the
 * run: collected data is never lost because a notification failed. Tests run a prefix (`through`); the
 * run always ends with `finish` (its run row and status).
 */
export const STAGES = [
  /** Messages earlier runs could not deliver (digests, webhooks' alerts): due ones are tried again. */
  'deliver-pending',
  /** Configurations, jobs, agents, provisioning events since the checkpoint, into the sink. */
  'collect',
  /** The per-object status the sync-errors rule reads, fed by the events just written. */
  'track-objects',
  /** Directory objects synced from on-premises against what Cloud Sync provisioned (coverage-gap); during a migration every run, and the migration's counts and job health. */
  'check-coverage',
  /** Opt-in: the designated canary objects provisioned on demand (CANARY_OBJECTS), evidence for the rules. */
  'canary',
  /** Rules and lifecycle; transitions, rows and the run's message committed in one write. */
  'evaluate',
  /** The outbox, per channel in commit order. */
  'notify',
  /** The transitions' rows, with the channels that confirmed them. */
  'write-alert-rows',
  /** The hour's rollup for the daily digest (heartbeats included). */
  'roll-up',
] as const;
export type StageName = (typeof STAGES)[number];

export interface MonitorDependencies extends CollectDependencies {
  readonly settings: MonitorSettings;
  readonly notify: NotifyDependencies;
}

export interface MonitorResult {
  readonly collect: CollectResult;
  /** Every alert transition of this run, most severe first (recordOnly ones included). */
  readonly transitions: readonly Transition[];
  readonly alerting: AlertingResult | undefined;
  /** What the notify stage did, per message id (this run's message and any earlier one still waiting). */
  readonly delivery: OutboxDelivery | undefined;
  /** This run's own message id, when its transitions had something to tell. */
  readonly messageId: string | undefined;
}

export interface MonitorOptions {
  readonly trigger: string;
  readonly onProvisioningWritten?: (records: readonly ProvisioningObservation[]) => void;
  /** Run the stages up to and including this one, then finish (tests). Default: all. */
  readonly through?: StageName;
}

/** What the stages share while one run works. */
interface RunWork {
  readonly deps: MonitorDependencies;
  readonly run: RunContext;
  readonly options: MonitorOptions;
  readonly issues: RunIssue[];
  tracker?: ObjectStatusTracker;
  tally: ProvisioningTally;
  collected?: CollectResult;
  /** The objects this run's provisioning events touched, and what the coverage check found. */
  touches: ProvisionedTouches;
  coverage?: DirectoryCoverage;
  canary?: readonly CanaryResult[];
  heartbeats?: AgentRecord[];
  alerting?: AlertingResult;
  messageId?: string;
  delivery?: OutboxDelivery;
  /** Every channel outcome of this run (deliver-pending and notify), in order. */
  outcomes: DeliveryOutcome[];
  /** Delivery health after the latest delivery step; undefined when it could not be read. */
  deliveryHealth?: DeliveryHealth;
  /** The status the previous run left (read once: the evaluate and finish stages both need it). */
  previousStatus?: MonitorStatus | undefined;
  /** Set-aside copies the rules of this run were told of (`<scope>/<copy>`), for the next run. */
  setAsideSeen?: string[];
}

const STAGE_WORK: Readonly<Record<StageName, (work: RunWork) => Promise<void>>> = {
  'deliver-pending': deliverPending,
  collect,
  'track-objects': trackObjects,
  'check-coverage': checkCoverage,
  canary,
  evaluate,
  notify,
  'write-alert-rows': writeRows,
  'roll-up': rollUp,
};

export async function runMonitor(deps: MonitorDependencies, options: MonitorOptions): Promise<MonitorResult> {
  const limits = deps.settings.run;
  const last = STAGES.indexOf(options.through ?? 'roll-up');
  if (last < STAGES.indexOf('collect')) throw new RangeError('a monitor run goes at least through collect');
  return underRunLease(deps, limits, options.trigger, async (run, guard) => {
    const work: RunWork = {
      deps: fenced(deps, guard),
      run,
      options,
      // What the settings leave off (email without recipients, ...): a warning in every run row, as in /health.
      issues: deps.settings.notify.warnings.map((w) => ({
        signal: 'notify' as const,
        severity: 'warning' as const,
        code: w.code,
        message: w.message,
      })),
      tally: new ProvisioningTally(),
      touches: new ProvisionedTouches(),
      outcomes: [],
    };
    const leaseAside = guard.currentLease.setAside;
    if (leaseAside) {
      deps.log.warn(leaseAside.message);
      work.issues.push(corruptStateIssue(leaseAside));
    }
    for (const stage of STAGES.slice(0, last + 1)) await STAGE_WORK[stage](work);
    const finished = await finish(work);
    return {
      collect: finished,
      transitions: work.alerting?.transitions ?? [],
      alerting: work.alerting,
      delivery: work.delivery,
      messageId: work.messageId,
    };
  });
}

/** Every write of the run goes through the lease's fence; every Graph request stops at the hard limit. */
function fenced(deps: MonitorDependencies, guard: RunGuard): MonitorDependencies {
  const state = guard.fencedState();
  return {
    ...deps,
    state,
    sink: guard.fencedSink(deps.sink),
    graph: deps.graph.withSignal(guard.signal),
    notify: { ...deps.notify, state, deadline: guard.hardLimit },
  };
}

async function attempt<T>(
  work: RunWork,
  signal: RunIssue['signal'],
  step: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    work.issues.push(issueFrom(signal, error));
    return undefined;
  }
}

async function deliverPending(work: RunWork): Promise<void> {
  const retried = await attempt(work, 'notify', () => retryPending(work.deps.notify));
  for (const report of retried?.results ?? []) reportDelivery(work, report);
  await trackDelivery(work, retried?.results ?? []);
}

/**
 * Keeps each channel's outcomes in the delivery health (what `notification-failing`, the run row,
 * /health and `status` read). Read even when nothing was sent: a failing channel stays failing.
 */
async function trackDelivery(work: RunWork, reports: readonly ChannelReport[]): Promise<void> {
  const { deps } = work;
  const outcomes = deliveryOutcomes(reports);
  work.outcomes.push(...outcomes);
  const health = await attempt(work, 'notify', () =>
    outcomes.length > 0
      ? recordDeliveryHealth(deps.notify.state, outcomes, deps.clock.now())
      : readDeliveryHealth(deps.notify.state),
  );
  if (health) work.deliveryHealth = health;
}

async function collect(work: RunWork): Promise<void> {
  const { deps, run, options } = work;
  work.tracker = await ObjectStatusTracker.load(
    deps.state,
    deps.tenantId,
    deps.settings.alerts.syncErrors,
    deps.clock.now(),
  );
  const tracker = work.tracker;
  // The coverage check is the touches' only reader, and it does nothing while COVERAGE_CHECK is off.
  const touching = deps.settings.coverage.enabled;
  work.collected = await collectSignals(deps, run, (rows) => {
    tracker.record(rows);
    work.tally.add(rows);
    if (touching) work.touches.add(rows);
    options.onProvisioningWritten?.(rows);
  });
}

async function trackObjects(work: RunWork): Promise<void> {
  if (!work.tracker || !work.collected) return;
  const { deps } = work;
  work.issues.push(
    ...(await work.tracker.save(deps.state, {
      now: deps.clock.now(),
      provisioningRead: provisioningReadFully(work.collected),
    })),
  );
}

async function checkCoverage(work: RunWork): Promise<void> {
  const { deps, run, collected } = work;
  if (!collected) return;
  // Migration mode (issue 15): while a migration is validated, every run checks coverage.
  const migration = await attempt(work, 'state', () =>
    readMigration(deps.state, deps.tenantId, deps.clock.now()),
  );
  if (migration?.kind === 'none' && migration.setAside)
    work.issues.push(corruptStateIssue(migration.setAside));
  const migrating = migration?.kind === 'found' && isMigrationActive(migration.migration, deps.clock.now());
  const checked = await attempt(work, 'coverage', () =>
    runCoverageCheck(
      {
        graph: deps.graph,
        state: deps.state,
        sink: deps.sink,
        clock: deps.clock,
        tenantId: deps.tenantId,
        settings: migrating ? { ...deps.settings.coverage, intervalMs: 0 } : deps.settings.coverage,
      },
      {
        runId: run.runId,
        configurations: collected.configurations,
        jobs: collected.jobs,
        touches: work.touches,
        deadline: run.deadline,
      },
    ),
  );
  if (checked) {
    work.issues.push(...checked.issues);
    if (checked.coverage) work.coverage = checked.coverage;
  }
  if (!migrating) return;
  await attempt(work, 'state', () =>
    watchMigration({ state: deps.state, tenantId: deps.tenantId }, deps.clock.now(), {
      jobs: collected.jobs,
      coverage: checked?.coverage,
      index: checked?.index,
      policy: {
        stalledMs: deps.settings.alerts.syncStalledMs,
        failingMinFailures: deps.settings.alerts.jobFailingMinFailures,
      },
    }),
  );
}

async function canary(work: RunWork): Promise<void> {
  const { deps, run, collected } = work;
  if (!collected || deps.settings.canary.objects.length === 0) return;
  const done = await attempt(work, 'jobs', () =>
    runCanary(
      {
        graph: deps.graph,
        state: deps.state,
        sink: deps.sink,
        clock: deps.clock,
        tenantId: deps.tenantId,
        settings: deps.settings.canary,
      },
      { runId: run.runId, configurations: collected.configurations },
    ),
  );
  if (!done) return;
  work.issues.push(...done.issues);
  work.canary = done.results;
}

async function previousStatus(work: RunWork): Promise<MonitorStatus | undefined> {
  if (!('previousStatus' in work)) {
    work.previousStatus = await readMonitorStatus(work.deps.state, work.deps.tenantId).catch(() => undefined);
  }
  return work.previousStatus;
}

async function evaluate(work: RunWork): Promise<void> {
  const { deps, run, collected, tracker } = work;
  if (!collected || !tracker) return;
  const heartbeats = await attempt(work, 'agents', () =>
    readHeartbeatRecords(deps.state, deps.tenantId, deps.clock.now()),
  );
  // What paths without a run row (webhooks, acks) set aside since the previous run: said here, loudly.
  // Copies the previous run's rules were told of are left out (it looked for copies since it began, so
  // it saw its own); one it made after its rules ran (the alert book's) is said here.
  const previous = await previousStatus(work);
  const since = previous ? new Date(previous.lastRunAt) : new Date(run.startedAt.getTime() - 15 * 60_000);
  const toldBefore = new Set(previous?.setAsideSeen ?? []);
  work.setAsideSeen = [];
  for (const scope of [deps.tenantId, NOTIFY_STATE_SCOPE]) {
    const listed = await attempt(work, 'state', () => listSetAside(deps.state, scope, since));
    const copies = (listed ?? []).filter((c) => !toldBefore.has(`${scope}/${c.copy}`));
    work.setAsideSeen.push(...copies.map((c) => `${scope}/${c.copy}`));
    const said = new Set(work.issues.filter((i) => i.code === 'CorruptState').map((i) => i.target));
    for (const copy of copies.filter((c) => !said.has(c.name))) {
      work.issues.push(
        corruptStateIssue({
          key: { tenantId: scope, name: copy.name },
          message: `${copy.reason}; set aside as ${copy.copy}`,
        }),
      );
    }
  }
  if (heartbeats) work.heartbeats = heartbeats;
  const messageId = `alerts-${deps.tenantId}-${run.runId}`;
  const stored = await attempt(work, 'state', () => readSilences(deps.state, deps.tenantId));
  const silences = [
    ...(stored ?? []),
    ...windowSilences(deps.settings.alerts.maintenanceWindows, deps.clock.now()),
  ];
  try {
    work.alerting = await runAlerting(
      {
        state: deps.state,
        sink: deps.sink,
        clock: deps.clock,
        tenantId: deps.tenantId,
        settings: deps.settings.alerts,
        channels: notifyChannels(deps.settings.notify).map((c) => c.id),
        silences,
      },
      buildObservations({
        collect: collected,
        objectStatus: tracker.snapshot(),
        ...(heartbeats ? { heartbeats } : {}),
        extraIssues: [...work.issues],
        ...(work.deliveryHealth ? { deliveryHealth: work.deliveryHealth } : {}),
        ...(work.coverage ? { directoryCoverage: work.coverage } : {}),
        ...(work.canary ? { canary: work.canary } : {}),
      }),
      { id: messageId, createdAt: run.startedAt.toISOString() },
    );
    if (work.alerting.outbox.some((entry) => entry.id === messageId)) work.messageId = messageId;
    work.issues.push(...work.alerting.issues);
  } catch (error) {
    // A conflict means another run committed (and notifies) these transitions; this one stays quiet.
    work.issues.push({
      ...issueFrom('alerts', error),
      severity: error instanceof AlertBookConflictError ? 'warning' : 'error',
    });
  }
}

async function notify(work: RunWork): Promise<void> {
  const outbox = work.alerting?.outbox ?? [];
  if (outbox.length === 0) return;
  const { deps } = work;
  const delivered = await attempt(work, 'notify', () =>
    deliverOutbox(
      {
        tenantId: deps.tenantId,
        notify: deps.notify,
        ack: deps.settings.alerts.ack,
        workbookUrl: deps.settings.digest?.workbookUrl,
      },
      outbox,
    ),
  );
  if (!delivered) return;
  work.delivery = delivered;
  const all = [...delivered.reports.values()].flat();
  for (const report of all) reportDelivery(work, report);
  await trackDelivery(work, all);
}

async function writeRows(work: RunWork): Promise<void> {
  if (!work.alerting) return;
  const { deps } = work;
  const issues = await attempt(work, 'sink', () =>
    writeAlertRows(deps, work.delivery?.rowDelivery ?? new Map()),
  );
  work.issues.push(...(issues ?? []));
}

async function rollUp(work: RunWork): Promise<void> {
  const { deps, run } = work;
  if (!work.collected) return;
  const collected = work.collected;
  // The digest forgets a failing object when the sync-errors rule does (SYNC_ERRORS_STALE_HOURS).
  const failingMemory = { failingForgetMs: deps.settings.alerts.syncErrors.staleMs };
  await attempt(work, 'state', () =>
    recordRun(
      deps.state,
      deps.tenantId,
      {
        result: collected,
        provisioning: work.tally,
        transitions: work.alerting?.transitions ?? [],
      },
      failingMemory,
    ),
  );
  // Heartbeats reach the digest too (in app-only mode they are the only word on the agents): those
  // posted since about the previous run, each in the rollup of its own hour.
  const since = run.startedAt.getTime() - 15 * 60_000;
  const byHour = new Map<number, AgentRecord[]>();
  for (const record of work.heartbeats ?? []) {
    const at = Date.parse(record.TimeGenerated);
    if (!(at > since)) continue;
    const hour = Math.floor(at / 3600_000);
    byHour.set(hour, [...(byHour.get(hour) ?? []), record]);
  }
  for (const [hour, records] of byHour) {
    await attempt(work, 'state', () =>
      recordAgentObservations(deps.state, deps.tenantId, new Date(hour * 3600_000), records, failingMemory),
    );
  }
}

async function finish(work: RunWork): Promise<CollectResult> {
  const { deps, run } = work;
  const collected = work.collected;
  if (!collected) throw new Error('the run collected nothing and could not finish');
  const failing = failingChannels(work.deliveryHealth);
  for (const { channel, health } of failing) {
    if (work.issues.some((i) => i.code === 'ChannelFailing' && i.target === channel)) continue;
    work.issues.push({
      signal: 'notify',
      severity: 'warning',
      code: 'ChannelFailing',
      message: `${channel} has failed to deliver since ${health.failingSince ?? 'this run'}${health.lastError ? `: ${health.lastError}` : ''}`,
      target: channel,
    });
  }
  const finished = await finishRun(
    deps,
    collected,
    work.issues,
    deliveryFigures(work.outcomes, work.deliveryHealth),
  );
  const previous = await previousStatus(work);
  await attempt(work, 'state', () =>
    writeMonitorStatus(deps.state, deps.tenantId, {
      lastRunId: finished.runId,
      lastRunAt: finished.startedAt.toISOString(),
      lastOutcome: finished.outcome,
      // A degraded run read every signal: the monitor works, it just cannot tell everyone.
      lastSuccessAt:
        finished.outcome === 'success' || finished.outcome === 'degraded'
          ? finished.startedAt.toISOString()
          : (previous?.lastSuccessAt ?? null),
      ...(work.deliveryHealth
        ? {
            delivery: Object.entries(work.deliveryHealth.channels).map(([channel, h]) => ({
              channel,
              status: h.status,
              ...(h.failingSince ? { failingSince: h.failingSince } : {}),
              ...(h.lastError ? { lastError: h.lastError } : {}),
              ...(h.lastDeliveredAt ? { lastDeliveredAt: h.lastDeliveredAt } : {}),
              ...(h.recent.at(-1) ? { lastOutcome: h.recent.at(-1)!.outcome } : {}),
            })),
          }
        : {}),
      ...(work.setAsideSeen ? { setAsideSeen: work.setAsideSeen } : {}),
      openAlerts: (work.alerting?.active ?? []).map((a) => ({
        id: a.id,
        kind: a.kind,
        severity: a.severity,
        summary: a.summary,
        since: a.since,
        ...(a.silencedBy ? { silencedBy: a.silencedBy } : {}),
      })),
    }),
  );
  deps.log.debug('monitor run done', {
    runId: run.runId,
    transitions: work.alerting?.transitions.length ?? 0,
  });
  return finished;
}

/** A message not settled on a channel is a run issue: the run row and `monitor-degraded` see it. */
function reportDelivery(work: RunWork, report: ChannelReport): void {
  // Warnings, not errors: a channel that fails is `notification-failing` (and the run `degraded`),
  // not a signal the monitor could not read (`monitor-degraded`), which would alert twice.
  const issue = (code: string, message: string) =>
    work.issues.push({ signal: 'notify', severity: 'warning', code, message, target: report.channel });
  if (report.warning) {
    issue(
      'DeliveryNotRecorded',
      `${report.channel} ${report.outcome} ${report.messageId}, but ${report.warning}`,
    );
  }
  if (report.outcome === 'deferred' || isStateTrouble(report)) {
    issue(
      'DeliveryDeferred',
      `${report.channel} delivery of ${report.messageId}: not sent, the state store failed; kept for the next run${report.error ? ` (${report.error})` : ''}`,
    );
    return;
  }
  if (report.outcome !== 'pending' && report.outcome !== 'failed' && report.outcome !== 'unconfirmed') return;
  const failed = report.outcome === 'failed' || report.channelDown === true;
  issue(
    failed ? 'DeliveryFailed' : report.outcome === 'pending' ? 'DeliveryPending' : 'DeliveryUnconfirmed',
    `${report.channel} delivery of ${report.messageId}: ${report.outcome}${report.error ? ` (${report.error})` : ''}`,
  );
}
