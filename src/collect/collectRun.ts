import type { Clock } from '../clock.js';
import type { GraphReader } from '../graph/graphReader.js';
import type { Logger } from '../log.js';
import type { RecordSink } from '../sinks/sink.js';
import { readValidated, type StateStore } from '../state/store.js';
import type {
  AgentRecord,
  JobStatusRecord,
  MonitorRunRecord,
  ProvisioningObservation,
  TableName,
  TableRecords,
} from '../tables/definitions.js';
import { agentState, collectAgents, type AgentsResult } from './agents.js';
import { discoverConfigurations, type Configuration } from './discovery.js';
import { collectJobs } from './jobs.js';
import { collectProvisioning, type ProvisioningResult } from './provisioning.js';
import { WATERMARK_KEY } from './provisioningCheckpoint.js';
import { issueFrom, type RunIssue } from './runErrors.js';
import type { CollectSettings } from './settings.js';
import { UnknownValues } from './unknownValues.js';
import type { RunDeliveryFigures } from '../domain/deliveryHealth.js';

export interface CollectDependencies {
  readonly settings: CollectSettings;
  readonly tenantId: string;
  readonly graph: GraphReader;
  readonly sink: RecordSink;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
}

/** `degraded`: every signal was read, but a notification channel fails (see RunDeliveryFigures). */
export type RunOutcome = 'success' | 'degraded' | 'partial' | 'failed';

export interface CollectResult {
  readonly runId: string;
  readonly tenantId: string;
  readonly startedAt: Date;
  readonly outcome: RunOutcome;
  readonly configurations: readonly Configuration[];
  readonly jobs: readonly JobStatusRecord[];
  readonly agents: readonly AgentRecord[];
  readonly agentsApi: AgentsResult['api'];
  readonly provisioning: Omit<ProvisioningResult, 'issues'>;
  readonly issues: readonly RunIssue[];
  readonly run: MonitorRunRecord;
}

const AGENTS_KEY = 'collect-agents';

/** Identity and limits of one run, fixed when it starts. */
export interface RunContext {
  readonly runId: string;
  readonly startedAt: Date;
  /** Clock time (ms) after which no further page of provisioning logs is requested. */
  readonly deadline: number;
  readonly trigger: string;
}

/**
 * Adds what later steps of the run (alerts, notifications) reported, settles the outcome, and writes
 * the run's CloudSyncMonitorRun_CL row.
 */
export async function finishRun(
  deps: Pick<CollectDependencies, 'sink' | 'clock' | 'log'>,
  result: CollectResult,
  laterIssues: readonly RunIssue[],
  delivery?: RunDeliveryFigures,
): Promise<CollectResult> {
  const issues = [...result.issues, ...laterIssues];
  const collected = outcomeOf(issues);
  // A run that read everything but cannot tell anyone is not a success: it says so (the watcher's
  // "delivery failing for 30 minutes" rule and /health read it). Worse collection outcomes win.
  const outcome: RunOutcome =
    collected === 'success' && (delivery?.channelsFailing.length ?? 0) > 0 ? 'degraded' : collected;
  const run: MonitorRunRecord = {
    ...result.run,
    Outcome: outcome,
    DurationMs: deps.clock.now().getTime() - result.startedAt.getTime(),
    Errors: issues,
    NotificationsDelivered: delivery?.delivered ?? 0,
    NotificationsFailed: delivery?.failed ?? 0,
    NotificationsPending: delivery?.pending ?? 0,
    ChannelsFailing: [...(delivery?.channelsFailing ?? [])],
  };
  try {
    await deps.sink.write('CloudSyncMonitorRun_CL', [run]);
  } catch (error) {
    issues.push(issueFrom('sink', error, 'CloudSyncMonitorRun_CL'));
  }
  deps.log.info('run finished', {
    runId: result.runId,
    outcome,
    jobs: result.jobs.length,
    agents: result.agents.length,
    events: result.provisioning.written,
    issues: issues.length,
  });
  return { ...result, outcome, issues, run };
}

/**
 * Collects every signal of the run (call it under the run lease). Its run row is built, not yet
 * written: see finishRun.
 */
export async function collectSignals(
  deps: CollectDependencies,
  run: RunContext,
  onWritten?: (records: readonly ProvisioningObservation[]) => void,
): Promise<CollectResult> {
  const { settings, tenantId, graph, sink, state, clock } = deps;
  const { runId, startedAt } = run;
  const unknown = new UnknownValues();
  const issues: RunIssue[] = [];

  const writeRecords = async <N extends TableName>(
    table: N,
    rows: readonly TableRecords[N][],
  ): Promise<boolean> => {
    if (rows.length === 0) return true;
    try {
      await sink.write(table, rows);
      return true;
    } catch (error) {
      issues.push(issueFrom('sink', error, table));
      return false;
    }
  };

  const discovery = await discoverConfigurations({
    tenantId,
    graph,
    state,
    clock,
    explicitIds: settings.discovery.servicePrincipalIds,
    refreshMs: settings.discovery.refreshMs,
  });
  issues.push(...discovery.issues);
  const configurations = discovery.configurations;

  const jobs = await collectJobs({ tenantId, runId, at: startedAt, graph, configurations, unknown });
  issues.push(...jobs.issues);
  await writeRecords('CloudSyncJobStatus_CL', jobs.records);

  const agentsKey = { tenantId, name: AGENTS_KEY };
  const previousAgents = await readOrIssue(
    () => readValidated(state, agentsKey, agentState),
    issues,
    AGENTS_KEY,
  );
  const agents = await collectAgents({
    tenantId,
    runId,
    at: startedAt,
    graph,
    previous: previousAgents?.value ?? { lastSeenActive: {} },
    mode: settings.agentsApi,
    unknown,
  });
  issues.push(...agents.issues);
  await writeRecords('CloudSyncAgent_CL', agents.records);
  if (agents.state !== previousAgents?.value)
    await saveState(state, agentsKey, agents.state, etagOf(previousAgents), issues);

  const names = new Map(configurations.map((c) => [c.servicePrincipalId.toLowerCase(), c.name]));
  let provisioning: ProvisioningResult;
  try {
    provisioning = await collectProvisioning({
      tenantId,
      graph,
      sink,
      state,
      clock,
      settings: settings.provisioning,
      pageContext: { tenantId, names, cloudSyncServicePrincipalIds: new Set(names.keys()) },
      unknown,
      deadline: run.deadline,
      ...(onWritten ? { onWritten } : {}),
    });
  } catch (error) {
    // The checkpoint could not be read (state store down): nothing was read, nothing is claimed.
    provisioning = {
      written: 0,
      duplicates: 0,
      invalid: 0,
      ignored: 0,
      pages: 0,
      late: 0,
      complete: false,
      backlogRemaining: false,
      watermark: '',
      issues: [issueFrom('provisioning', error, WATERMARK_KEY)],
    };
  }
  issues.push(...provisioning.issues);

  for (const { field, value, count } of unknown.entries()) {
    issues.push({
      signal: field.startsWith('agent')
        ? 'agents'
        : field.startsWith('provisioning')
          ? 'provisioning'
          : 'jobs',
      severity: 'info',
      code: 'UnknownValue',
      message: `Graph sent ${field} "${value}", which this version does not know (${count}x); kept as is`,
    });
  }

  const outcome = outcomeOf(issues);
  const endedAt = clock.now();
  const record: MonitorRunRecord = {
    TimeGenerated: startedAt.toISOString(),
    AADTenantId: tenantId,
    RunId: runId,
    Trigger: run.trigger,
    Outcome: outcome,
    DurationMs: endedAt.getTime() - startedAt.getTime(),
    EventsCollected: provisioning.written,
    EventsDuplicate: provisioning.duplicates,
    EventsInvalid: provisioning.invalid,
    JobsSeen: jobs.records.length,
    AgentsSeen: agents.records.length,
    Watermark: provisioning.watermark,
    BacklogRemaining: provisioning.backlogRemaining,
    Errors: issues,
    NotificationsDelivered: 0,
    NotificationsFailed: 0,
    NotificationsPending: 0,
    ChannelsFailing: [],
  };

  const { issues: _issues, ...provisioningSummary } = provisioning;
  return {
    runId,
    tenantId,
    startedAt,
    outcome,
    configurations,
    jobs: jobs.records,
    agents: agents.records,
    agentsApi: agents.api,
    provisioning: provisioningSummary,
    issues,
    run: record,
  };
}

/** A run is failed when no signal could be read, partial when some could not. */
function outcomeOf(issues: readonly RunIssue[]): RunOutcome {
  const failed = new Set(issues.filter((i) => i.severity === 'error').map((i) => i.signal));
  if (failed.size === 0) return 'success';
  const jobsFailed = failed.has('discovery') || failed.has('jobs');
  const provisioningFailed = failed.has('provisioning') || failed.has('sink');
  return jobsFailed && provisioningFailed ? 'failed' : 'partial';
}

/** Reads state; a corrupt value is reported and comes back as `null` so it can be replaced. */
async function readOrIssue<T>(
  read: () => Promise<T>,
  issues: RunIssue[],
  name: string,
): Promise<T | undefined | null> {
  try {
    return await read();
  } catch (error) {
    issues.push({ ...issueFrom('state', error, name), severity: 'warning' });
    return null;
  }
}

const etagOf = (found: { etag: string } | undefined | null): string | undefined | null =>
  found === null ? null : found?.etag;

/**
 * Saves state under the run lease. `etag` undefined: nothing was stored; null: what was stored could not
 * be read (corrupt), so it is replaced.
 */
async function saveState(
  state: StateStore,
  key: { tenantId: string; name: string },
  value: unknown,
  etag: string | undefined | null,
  issues: RunIssue[],
): Promise<void> {
  try {
    await state.write(
      key,
      value,
      etag ? { ifMatch: etag } : etag === null ? { unconditional: true } : { ifNoneMatch: '*' },
    );
  } catch (error) {
    issues.push(issueFrom('state', error, key.name));
  }
}
