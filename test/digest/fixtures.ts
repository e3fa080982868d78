import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Transition } from '../../src/domain/alertModel.js';
import type { RunIssue } from '../../src/collect/runErrors.js';
import { recordRun } from '../../src/digest/rollup.js';
import type { RunFacts } from '../../src/digest/rollupMerge.js';
import { ProvisioningTally } from '../../src/digest/tally.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import type { StateStore } from '../../src/state/store.js';
import type { AgentRecord, JobStatusRecord, ProvisioningRecord } from '../../src/tables/definitions.js';

/**
 * Hand-made collect runs for the digest tests: a small tenant modelled on the demo day (contoso.com with
 * provisioning and password hash sync and two agents, fabrikam.local with one job and one agent), and a
 * day simulator that records one run every few minutes through the real recordRun.
 */

export const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const CONTOSO = { servicePrincipalId: 'c0a1d2e3-4b5c-4d6e-8f70-8192a3b4c5d6', name: 'contoso.com' };
export const FABRIKAM = {
  servicePrincipalId: 'f4b2c6d8-1a3e-4c5b-9d7f-0e1a2b3c4d5e',
  name: 'fabrikam.local',
};

export const JOBS = {
  contosoProvisioning: {
    config: CONTOSO,
    templateId: 'AD2AADProvisioning',
    jobId: 'AD2AADProvisioning.c0a1d2e34b5c4d6e8f708192a3b4c5d6',
  },
  contosoPasswordHash: {
    config: CONTOSO,
    templateId: 'AD2AADPasswordHash',
    jobId: 'AD2AADPasswordHash.c0a1d2e34b5c4d6e8f708192a3b4c5d6',
  },
  fabrikamProvisioning: {
    config: FABRIKAM,
    templateId: 'AD2AADProvisioning',
    jobId: 'AD2AADProvisioning.f4b2c6d81a3e4c5b9d7f0e1a2b3c4d5e',
  },
} as const;
export type JobName = keyof typeof JOBS;

export const AGENTS = {
  csync01: {
    id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
    machine: 'CSYNC01.contoso.com',
    group: 'contoso.com',
  },
  csync02: {
    id: 'e2f3a4b5-c6d7-4e8f-90a1-b2c3d4e5f6a7',
    machine: 'CSYNC02.contoso.com',
    group: 'contoso.com',
  },
  fabsync01: {
    id: 'f3a4b5c6-d7e8-4f90-a1b2-c3d4e5f6a7b8',
    machine: 'FABSYNC01.fabrikam.local',
    group: 'fabrikam.local',
  },
} as const;
export type AgentName = keyof typeof AGENTS;

export async function tempStore(): Promise<{ store: FileStateStore; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'csm-digest-'));
  return { store: new FileStateStore(path.join(dir, 'state')), dir };
}

export interface JobState {
  readonly status?: string;
  readonly quarantineReason?: string | null;
  readonly quarantineSince?: string | null;
  readonly seriesBegan?: string | null;
  readonly lastExecutionState?: string;
  readonly lastErrorCode?: string | null;
  readonly successiveFailures?: number;
  readonly escrowsPruned?: boolean;
  readonly lastSuccess?: string;
}

export function jobRecord(name: JobName, at: Date, state: JobState = {}): JobStatusRecord {
  const job = JOBS[name];
  return {
    TimeGenerated: at.toISOString(),
    AADTenantId: TENANT,
    RunId: 'run',
    ServicePrincipalId: job.config.servicePrincipalId,
    ConfigurationName: job.config.name,
    JobId: job.jobId,
    TemplateId: job.templateId,
    StatusCode: state.status ?? 'Active',
    ScheduleState: 'Active',
    ScheduleInterval: 'PT2M',
    QuarantineReason: state.quarantineReason ?? null,
    QuarantineSince: state.quarantineSince ?? null,
    QuarantineSeriesBegan: state.seriesBegan ?? null,
    QuarantineNextAttempt: null,
    QuarantineErrorCode: state.quarantineReason ?? null,
    LastExecutionState: state.lastExecutionState ?? 'Succeeded',
    LastExecutionBegan: new Date(at.getTime() - 2 * MINUTE).toISOString(),
    LastExecutionEnded: new Date(at.getTime() - MINUTE).toISOString(),
    LastSuccessfulExecutionEnded: state.lastSuccess ?? new Date(at.getTime() - MINUTE).toISOString(),
    LastErrorCode: state.lastErrorCode ?? null,
    LastErrorMessage: null,
    SuccessiveCompleteFailures: state.successiveFailures ?? 0,
    EscrowsPruned: state.escrowsPruned ?? false,
    CountEscrowed: 0,
    CountExported: 1,
    SteadyStateLastAchieved: null,
    DeleteThreshold: 500,
    TroubleshootingUrl: null,
  };
}

export function agentRecord(name: AgentName, at: Date, status: 'active' | 'inactive'): AgentRecord {
  const agent = AGENTS[name];
  return {
    TimeGenerated: at.toISOString(),
    AADTenantId: TENANT,
    RunId: 'run',
    AgentId: agent.id,
    MachineName: agent.machine,
    ExternalIp: '203.0.113.10',
    Status: status,
    AgentGroups: [{ id: `group-${agent.group}`, displayName: agent.group }],
    Source: 'graph',
    LastSeenActive: at.toISOString(),
    AgentVersion: null,
    ServiceStates: null,
  };
}

export interface EventSpec {
  readonly job: JobName;
  readonly action?: string;
  readonly result?: string;
  readonly code?: string | null;
  readonly category?: string | null;
  readonly objectId?: string;
  readonly name?: string;
  readonly cycle?: string;
}

let eventCounter = 0;
export function event(at: Date, spec: EventSpec): ProvisioningRecord {
  const job = JOBS[spec.job];
  eventCounter += 1;
  return {
    TimeGenerated: at.toISOString(),
    AADTenantId: TENANT,
    EventId: `evt-${eventCounter}`,
    // Events carry the 3-part job id; the jobs API lists its prefix.
    JobId: `${job.jobId}.${TENANT}`,
    CycleId: spec.cycle ?? `cycle-${spec.job}-${Math.floor(at.getTime() / (2 * MINUTE))}`,
    ChangeId: `chg-${eventCounter}`,
    ServicePrincipalId: job.config.servicePrincipalId,
    ConfigurationName: job.config.name,
    ProvisioningAction: spec.action ?? 'Update',
    ResultType: spec.result ?? 'Success',
    ResultSignature: spec.code ?? null,
    ResultDescription: null,
    ErrorCategory: spec.category ?? (spec.code ? 'Other' : null),
    RecommendedAction: null,
    SourceId: spec.objectId ?? `obj-${eventCounter}`,
    SourceDisplayName: spec.name ?? `User ${eventCounter}`,
    SourceType: 'User',
    TargetId: null,
    TargetDisplayName: null,
    TargetType: 'User',
    InitiatedBy: null,
    DurationMs: 100,
    ModifiedProperties: [],
    ProvisioningSteps: [],
  };
}

export interface RunSpec {
  readonly outcome?: 'success' | 'partial' | 'failed';
  readonly failedSignals?: readonly RunIssue['signal'][];
  readonly errorCode?: string;
  readonly jobs?: readonly JobStatusRecord[];
  readonly agents?: readonly AgentRecord[];
  readonly agentsApi?: RunFacts['agentsApi'];
  readonly events?: readonly ProvisioningRecord[];
  readonly transitions?: readonly Transition[];
  readonly backlogRemaining?: boolean;
}

let runCounter = 0;
export function runFacts(at: Date, spec: RunSpec): RunFacts {
  runCounter += 1;
  const outcome = spec.outcome ?? 'success';
  const signals =
    spec.failedSignals ??
    (outcome === 'failed' ? ['jobs', 'provisioning'] : outcome === 'partial' ? ['provisioning'] : []);
  return {
    runId: `run-${runCounter}-${at.toISOString()}`,
    startedAt: at,
    outcome,
    configurations: outcome === 'failed' ? [] : [CONTOSO, FABRIKAM],
    jobs: spec.jobs ?? [],
    agents: spec.agents ?? [],
    agentsApi: spec.agentsApi ?? (outcome === 'failed' ? 'failed' : 'available'),
    issues: signals.map((signal) => ({
      signal,
      severity: 'error',
      code: spec.errorCode ?? 'ServiceUnavailable',
      message: 'failed',
    })),
    provisioning: { written: spec.events?.length ?? 0, backlogRemaining: spec.backlogRemaining ?? false },
    run: { Trigger: 'test' },
  };
}

/** Records one run through the real recordRun, with a tally fed like the collect stage's onProvisioningWritten. */
/** The default of SYNC_ERRORS_STALE_HOURS (7 days), which the digest's failing objects follow. */
export const FAILING_MEMORY = { failingForgetMs: 7 * 24 * 3600_000 };

export async function recordSpec(
  store: StateStore,
  at: Date,
  spec: RunSpec,
  memory: { readonly failingForgetMs: number } = FAILING_MEMORY,
) {
  const tally = new ProvisioningTally();
  const events = spec.events ?? [];
  // Batches, as the collector writes them page by page.
  for (let i = 0; i < events.length; i += 50) tally.add(events.slice(i, i + 50));
  return recordRun(
    store,
    TENANT,
    { result: runFacts(at, spec), provisioning: tally, transitions: spec.transitions ?? [] },
    memory,
  );
}

/** A healthy run at `at`: every job Active and Succeeded, every agent active, a couple of updates. */
export function healthyRun(
  at: Date,
  overrides: Partial<Record<JobName, JobState>> = {},
  agents: Partial<Record<AgentName, 'active' | 'inactive'>> = {},
): RunSpec {
  return {
    jobs: (Object.keys(JOBS) as JobName[]).map((name) => jobRecord(name, at, overrides[name] ?? {})),
    agents: (Object.keys(AGENTS) as AgentName[]).map((name) =>
      agentRecord(name, at, agents[name] ?? 'active'),
    ),
    events: [
      event(at, { job: 'contosoProvisioning' }),
      event(at, { job: 'fabrikamProvisioning', action: 'Create' }),
    ],
  };
}

/**
 * Records a day of runs every `intervalMs` from `dayStart` (exclusive) to `dayStart + 24 h` (exclusive of
 * the next day): `spec(at)` returns the run, or null for a run that did not happen.
 */
export async function recordDay(
  store: StateStore,
  dayStart: Date,
  spec: (at: Date, offsetMs: number) => RunSpec | null,
  intervalMs = 10 * MINUTE,
): Promise<void> {
  for (let offset = intervalMs / 2; offset < DAY; offset += intervalMs) {
    const at = new Date(dayStart.getTime() + offset);
    const run = spec(at, offset);
    if (run) await recordSpec(store, at, run);
  }
}

export const iso = (dayStart: Date, hours: number, minutes = 0): string =>
  new Date(dayStart.getTime() + hours * HOUR + minutes * MINUTE).toISOString();
