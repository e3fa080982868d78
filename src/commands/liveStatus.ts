import type { Clock } from '../clock.js';
import { collectAgents } from '../collect/agents.js';
import { discoverConfigurations } from '../collect/discovery.js';
import { collectJobs } from '../collect/jobs.js';
import { UnknownValues } from '../collect/unknownValues.js';
import type { Settings } from '../config.js';
import { readMonitorStatus } from '../health/monitorStatus.js';
import type { Logger } from '../log.js';
import { createCollectDependencies } from '../wiring.js';
import { assessHealth } from './health.js';
import { lastRunView, type StatusReport } from './statusReport.js';

/**
 * `status --live`: jobs, quarantine and agents as Graph reports them now, plus the alerts the runs
 * keep open (a live look cannot see failing objects). Reads only; writes no records.
 */
export async function liveStatus(
  settings: Settings,
  clock: Clock,
  log: Logger,
  now: Date,
): Promise<StatusReport> {
  const deps = await createCollectDependencies(settings, clock, log);
  const unknown = new UnknownValues();
  const discovery = await discoverConfigurations({
    tenantId: deps.tenantId,
    graph: deps.graph,
    state: deps.state,
    clock,
    explicitIds: settings.discovery.servicePrincipalIds,
    refreshMs: settings.discovery.refreshMs,
  });
  const jobs = await collectJobs({
    tenantId: deps.tenantId,
    runId: 'status',
    at: now,
    graph: deps.graph,
    configurations: discovery.configurations,
    unknown,
  });
  const agents = await collectAgents({
    tenantId: deps.tenantId,
    runId: 'status',
    at: now,
    graph: deps.graph,
    previous: { lastSeenActive: {} },
    mode: settings.agentsApi,
    unknown,
  });
  const couldNotRead = [...discovery.issues, ...jobs.issues]
    .filter((i) => i.severity === 'error')
    .map((i) => `could not read ${i.signal}${i.target ? ` of ${i.target}` : ''}: ${i.message}`);
  if (discovery.configurations.length === 0 && couldNotRead.length === 0)
    couldNotRead.push('no Cloud Sync configuration found');
  const monitor = await readMonitorStatus(deps.state, deps.tenantId).catch(() => undefined);
  const openAlerts = monitor?.openAlerts ?? [];
  const verdict = assessHealth({
    openAlerts,
    policy: {
      stalledMs: settings.alerts.syncStalledMs,
      failingMinFailures: settings.alerts.jobFailingMinFailures,
    },
    now,
    jobs: jobs.records,
    agents: agents.records,
    agentsReadable: agents.api === 'available',
    couldNotRead,
  });
  return {
    health: verdict.health,
    source: 'live',
    tenantId: deps.tenantId,
    checkedAt: now.toISOString(),
    findings: verdict.findings,
    openAlerts,
    lastRun: monitor ? lastRunView(monitor) : null,
    jobs: jobs.records,
    agents: agents.records,
    agentsApi: agents.api,
  };
}
