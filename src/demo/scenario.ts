import type {
  OnPremisesAgent,
  Organization,
  ProvisioningObjectSummary,
  ServicePrincipal,
  SynchronizationJob,
} from './graphTypes.js';

/**
 * What the demo tenant serves, as a function of scenario time. A scenario is data plus pure functions of
 * an instant: the server asks it what the tenant looks like "now" on every request, so a virtual clock
 * can replay a whole day in seconds and every answer is reproducible.
 */
export interface Scenario {
  readonly name: string;
  readonly tenantId: string;
  organization(): Organization;
  /** Every service principal of the tenant, in the stable order the listing pages through. */
  readonly servicePrincipals: IndexedList<ServicePrincipal>;
  /** The synchronization jobs of a service principal at `at`; undefined when there is no such service principal. */
  jobs(servicePrincipalId: string, at: Date): SynchronizationJob[] | undefined;
  /** The provisioning agents at `at`, with their agent groups (the server drops them unless `$expand`ed). */
  agents(at: Date): OnPremisesAgent[];
  readonly provisioning: ProvisioningLog;
  /** False while the reporting API has an outage (the server answers 503). */
  reportingAvailable(at: Date): boolean;
}

/** A list that can be read by index without being materialised. */
export interface IndexedList<T> {
  readonly count: number;
  at(index: number): T;
}

/** The sort key of a provisioning event: activityDateTime in ms, then id. */
export interface EventKey {
  readonly timeMs: number;
  readonly id: string;
}

/**
 * The provisioning log, addressable by index so that a 200,000-event scenario is paged without ever
 * being held in memory. Indexes are sorted ascending by (timeMs, id).
 */
export interface ProvisioningLog {
  readonly count: number;
  keyAt(index: number): EventKey;
  /** When the event shows up in the reporting API: activityDateTime plus a per-event ingestion latency. */
  visibleAtMs(index: number): number;
  eventAt(index: number): ProvisioningObjectSummary;
}

export {
  demoDayScenario,
  startOfYesterdayUtc,
  type DemoDayOptions,
  type ExtraJob,
} from './demoDayScenario.js';
export { syntheticScenario, type SyntheticScenarioOptions } from './syntheticScenario.js';
