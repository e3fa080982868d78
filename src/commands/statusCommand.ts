import { systemClock } from '../clock.js';
import { collectAgents } from '../collect/agents.js';
import { discoverConfigurations } from '../collect/discovery.js';
import { collectJobs } from '../collect/jobs.js';
import { UnknownValues } from '../collect/unknownValues.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { createCollectDependencies } from '../wiring.js';
import { healthVerdict, readMonitorStatus } from '../health/monitorStatus.js';
import { staleAfterMs } from '../health/staleness.js';
import { assessHealth, EXIT_CODE } from './health.js';
import { describeJob } from './format.js';
import { conditionLabel } from '../domain/jobCondition.js';

/**
 * `cloudsync-monitor status [--json]`: jobs, quarantine and agents as Graph reports them now.
 * Reads only; writes no records. Exit 0 ok, 1 warning, 2 critical, 3 unknown.
 */
export async function statusCommand(
  settings: Settings,
  log: Logger,
  options: { json: boolean; now?: Date; print: (line: string) => void },
): Promise<number> {
  const deps = await createCollectDependencies(settings, systemClock, log);
  const now = options.now ?? systemClock.now();
  const unknown = new UnknownValues();
  const discovery = await discoverConfigurations({
    tenantId: deps.tenantId,
    graph: deps.graph,
    state: deps.state,
    clock: systemClock,
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
  // Alerts the runs keep open (also those a live look cannot see, such as failing objects).
  const monitor = await readMonitorStatus(deps.state, deps.tenantId).catch(() => undefined);
  const openAlerts = monitor?.openAlerts ?? [];
  const staleAfter = staleAfterMs(settings.collectSchedule);
  const verdict = assessHealth({
    openAlerts,
    policy: {
      stalledMs: settings.alerts.syncStalledMs,
      failingMinFailures: settings.alerts.jobFailingMinFailures,
    },
    ...(monitor
      ? {
          monitor: {
            verdict: healthVerdict(monitor, now, staleAfter),
            lastSuccessAt: monitor.lastSuccessAt,
            staleAfterMinutes: Math.round(staleAfter / 60_000),
          },
        }
      : {}),
    now,
    jobs: jobs.records,
    agents: agents.records,
    agentsReadable: agents.api === 'available',
    couldNotRead,
  });

  if (options.json) {
    options.print(
      JSON.stringify({
        tenantId: deps.tenantId,
        checkedAt: now.toISOString(),
        health: verdict.health,
        findings: verdict.findings,
        conditions: verdict.jobs,
        jobs: jobs.records,
        agents: agents.records,
        agentsApi: agents.api,
        openAlerts,
        lastRun: monitor
          ? { at: monitor.lastRunAt, outcome: monitor.lastOutcome, lastSuccessAt: monitor.lastSuccessAt }
          : null,
      }),
    );
  } else {
    options.print(
      `${verdict.health.toUpperCase()}: Cloud Sync in tenant ${deps.tenantId} (${now.toISOString()})`,
    );
    for (const f of verdict.findings) options.print(`  ${f.health}: ${f.subject}: ${f.message}`);
    for (const a of openAlerts)
      options.print(`  open alert ${a.id} [${a.severity}] ${a.kind} since ${a.since}: ${a.summary}`);
    if (monitor) options.print(`  last monitor run ${monitor.lastRunAt}: ${monitor.lastOutcome}`);
    for (const [i, job] of jobs.records.entries()) {
      const condition = verdict.jobs[i];
      const label = condition ? `${conditionLabel(condition.condition)}: ` : '';
      options.print(`  job ${job.ConfigurationName}/${job.TemplateId}: ${label}${describeJob(job)}`);
    }
    if (agents.api === 'available') {
      for (const a of agents.records)
        options.print(`  agent ${a.MachineName ?? a.AgentId}: ${a.Status ?? 'unknown'}`);
    } else {
      options.print(
        `  agents: ${agents.api === 'unavailable' ? 'agent API unavailable in app-only mode' : `not read (${agents.api})`}`,
      );
    }
  }
  return EXIT_CODE[verdict.health];
}
