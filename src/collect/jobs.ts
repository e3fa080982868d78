import type { GraphReader } from '../graph/graphReader.js';
import { synchronizationJob, type SynchronizationJob } from '../graph/schemas/synchronizationJob.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import { isCloudSyncTemplate } from './cloudSync.js';
import type { Configuration } from './discovery.js';
import { issueFrom, type RunIssue } from './runErrors.js';
import { canonical, spellings, type UnknownValues } from './unknownValues.js';

const STATUS_CODES = spellings('NotConfigured', 'NotRun', 'Active', 'Paused', 'Quarantine');
const EXECUTION_STATES = spellings('Succeeded', 'Failed', 'EntryLevelErrors');
const SCHEDULE_STATES = spellings('Active', 'Disabled', 'Paused');
const QUARANTINE_REASONS = spellings(
  'EncounteredBaseEscrowThreshold',
  'EncounteredTotalEscrowThreshold',
  'EncounteredEscrowProportionThreshold',
  'EncounteredQuarantineException',
  'Unknown',
  'QuarantinedOnDemand',
  'TooManyDeletes',
  'IngestionInterrupted',
);

export interface JobsResult {
  readonly records: JobStatusRecord[];
  readonly issues: RunIssue[];
}

/** Status and quarantine of every job of every configuration, every run: one request per configuration. */
export async function collectJobs(input: {
  tenantId: string;
  runId: string;
  at: Date;
  graph: GraphReader;
  configurations: readonly Configuration[];
  unknown: UnknownValues;
}): Promise<JobsResult> {
  const records: JobStatusRecord[] = [];
  const issues: RunIssue[] = [];
  for (const configuration of input.configurations) {
    const path = `/servicePrincipals/${encodeURIComponent(configuration.servicePrincipalId)}/synchronization/jobs`;
    let items: readonly unknown[] = [];
    try {
      for await (const page of input.graph.pages(path)) items = [...items, ...page.value];
    } catch (error) {
      issues.push(issueFrom('jobs', error, configuration.name));
      continue;
    }
    for (const item of items) {
      const job = synchronizationJob.safeParse(item);
      if (!job.success) {
        issues.push({
          signal: 'jobs',
          severity: 'warning',
          code: 'MalformedJob',
          message: `a job of ${configuration.name} was skipped: ${job.error.issues[0]?.path.join('.')} ${job.error.issues[0]?.message}`,
          target: configuration.name,
        });
        continue;
      }
      // Every job of a configuration is kept: one of a template family this version does not know is
      // monitored like any other (status, quarantine, stalls) and reported once per run as an unknown value.
      const template = job.data.templateId ?? job.data.id.split('.')[0] ?? '';
      if (!isCloudSyncTemplate(template)) input.unknown.record('job.templateId', template);
      records.push(toJobStatusRecord(input, configuration, job.data));
    }
  }
  return { records, issues };
}

function deleteThreshold(job: SynchronizationJob): number | null {
  const setting = job.synchronizationJobSettings?.find(
    (s) => s.name.toLowerCase() === 'quarantinetoomanydeletesthreshold',
  );
  const value = Number(setting?.value);
  return setting?.value != null && Number.isFinite(value) ? value : null;
}

export function toJobStatusRecord(
  input: { tenantId: string; runId: string; at: Date; unknown: UnknownValues },
  configuration: Configuration,
  job: SynchronizationJob,
): JobStatusRecord {
  const status = job.status;
  const last = status?.lastExecution;
  const quarantine = status?.quarantine;
  const u = input.unknown;
  return {
    TimeGenerated: input.at.toISOString(),
    AADTenantId: input.tenantId,
    RunId: input.runId,
    ServicePrincipalId: configuration.servicePrincipalId,
    ConfigurationName: configuration.name,
    JobId: job.id,
    TemplateId: job.templateId ?? null,
    StatusCode: canonical(STATUS_CODES, 'status.code', status?.code, u),
    ScheduleState: canonical(SCHEDULE_STATES, 'schedule.state', job.schedule?.state, u),
    ScheduleInterval: job.schedule?.interval ?? null,
    QuarantineReason: canonical(QUARANTINE_REASONS, 'quarantine.reason', quarantine?.reason, u),
    QuarantineSince: quarantine?.currentBegan ?? null,
    QuarantineSeriesBegan: quarantine?.seriesBegan ?? null,
    QuarantineNextAttempt: quarantine?.nextAttempt ?? null,
    QuarantineErrorCode: quarantine?.error?.code ?? null,
    LastExecutionState: canonical(EXECUTION_STATES, 'lastExecution.state', last?.state, u),
    LastExecutionBegan: last?.timeBegan ?? null,
    LastExecutionEnded: last?.timeEnded ?? null,
    LastSuccessfulExecutionEnded: status?.lastSuccessfulExecution?.timeEnded ?? null,
    LastErrorCode: last?.error?.code ?? null,
    LastErrorMessage: last?.error?.message ?? null,
    SuccessiveCompleteFailures: status?.countSuccessiveCompleteFailures ?? null,
    EscrowsPruned: status?.escrowsPruned ?? null,
    CountEscrowed: last?.countEscrowed ?? null,
    CountExported: last?.countExported ?? null,
    SteadyStateLastAchieved: status?.steadyStateLastAchievedTime ?? null,
    DeleteThreshold: deleteThreshold(job),
    TroubleshootingUrl: status?.troubleshootingUrl ?? null,
  };
}
