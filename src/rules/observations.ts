import type { CollectResult } from '../collect/collectRun.js';
import type { Configuration } from '../collect/discovery.js';
import type { RunIssue } from '../collect/runErrors.js';
import type { AgentRecord, JobStatusRecord } from '../tables/definitions.js';
import type { ObjectStatusSnapshot } from './objectStatus.js';
import type { DeliveryHealth } from '../domain/deliveryHealth.js';
import type { CanaryEvidence, DirectoryCoverage } from '../domain/directoryCoverage.js';

/**
 * Everything the rules look at for one run of one tenant: what the collector saw (jobs, agents, what
 * failed), the per-object provisioning status, and heartbeats. Plain data; the rules are pure over it.
 */
export interface Observations {
  readonly tenantId: string;
  readonly runId: string;
  /** When the collection run started (its records carry this time). */
  readonly collectedAt: string;
  readonly configurations: readonly Configuration[];
  readonly jobs: readonly JobStatusRecord[];
  /** Agents from the agents API (Source 'graph'). */
  readonly agents: readonly AgentRecord[];
  readonly agentsApi: CollectResult['agentsApi'];
  /**
   * The latest heartbeat per agent (Source 'heartbeat'), when heartbeats were read this run; undefined
   * when there is no heartbeat source or it could not be read (then heartbeat agents are not checked).
   */
  readonly heartbeats: readonly AgentRecord[] | undefined;
  /** The collector's issues plus those of the object status and anything else the run adds. */
  readonly issues: readonly RunIssue[];
  /** The provisioning log was read up to now without error this run. */
  readonly provisioningComplete: boolean;
  readonly objectStatus: ObjectStatusSnapshot;
  /** Per channel, whether it delivers (notification-failing); undefined when it could not be read. */
  readonly deliveryHealth?: DeliveryHealth | undefined;
  /** The coverage check (coverage-gap); undefined when it is off or did not run. */
  readonly directoryCoverage?: DirectoryCoverage | undefined;
  /** This run's canary attempts (on-demand provisioning of designated objects); empty when off or not due. */
  readonly canary?: readonly CanaryEvidence[] | undefined;
}

export function buildObservations(input: {
  readonly collect: CollectResult;
  readonly objectStatus: ObjectStatusSnapshot;
  readonly heartbeats?: readonly AgentRecord[];
  /** e.g. the issues ObjectStatusTracker.save returned. */
  readonly extraIssues?: readonly RunIssue[];
  readonly deliveryHealth?: DeliveryHealth;
  readonly directoryCoverage?: DirectoryCoverage;
  readonly canary?: readonly CanaryEvidence[];
}): Observations {
  const { collect } = input;
  const issues = [...collect.issues, ...(input.extraIssues ?? [])];
  return {
    tenantId: collect.tenantId,
    runId: collect.runId,
    collectedAt: collect.startedAt.toISOString(),
    configurations: collect.configurations,
    jobs: collect.jobs,
    agents: collect.agents.filter((a) => a.Source !== 'heartbeat'),
    agentsApi: collect.agentsApi,
    heartbeats: input.heartbeats ? latestPerAgent(input.heartbeats) : undefined,
    issues,
    provisioningComplete: provisioningReadFully(collect),
    objectStatus: input.objectStatus,
    ...(input.deliveryHealth ? { deliveryHealth: input.deliveryHealth } : {}),
    ...(input.directoryCoverage ? { directoryCoverage: input.directoryCoverage } : {}),
    ...(input.canary && input.canary.length > 0 ? { canary: input.canary } : {}),
  };
}

/**
 * The run read the provisioning log up to now and wrote every event: only then may silence about a
 * failing object count as time passing (ObjectStatusTracker.save's `provisioningRead`).
 */
export function provisioningReadFully(collect: Pick<CollectResult, 'provisioning' | 'issues'>): boolean {
  return (
    collect.provisioning.complete &&
    !collect.issues.some(
      (i) => (i.signal === 'provisioning' || i.signal === 'sink') && i.severity === 'error',
    )
  );
}

function latestPerAgent(records: readonly AgentRecord[]): AgentRecord[] {
  const latest = new Map<string, AgentRecord>();
  for (const r of records) {
    const key = r.AgentId?.toLowerCase();
    if (!key) continue;
    const known = latest.get(key);
    if (!known || known.TimeGenerated < r.TimeGenerated) latest.set(key, r);
  }
  return [...latest.values()];
}
