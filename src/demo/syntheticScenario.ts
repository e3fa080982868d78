import {
  CLOUD_SYNC_TEMPLATE_ID,
  cloudSyncJobSettings,
  cloudSyncServicePrincipal,
  jobId,
  logJobId,
  type CloudSyncConfiguration,
} from './cloudSyncConfiguration.js';
import { JobTimeline } from './jobTimeline.js';
import type { Scenario } from './scenario.js';
import { servicePrincipalDirectory } from './servicePrincipals.js';
import { syntheticLog } from './syntheticLog.js';

/**
 * A synthetic tenant for load and paging tests: one healthy Cloud Sync configuration and N provisioning
 * events spread evenly over a span, generated from their index (see syntheticLog). Its job runs every
 * 2 minutes from `start`; per-cycle counts are the number of events in the cycle's slot.
 */
export interface SyntheticScenarioOptions {
  readonly start: Date;
  readonly events: number;
  /** Default 24 hours; at least one millisecond per event. */
  readonly spanMs?: number;
  /** Overrides when each event shows up in the reporting API (tests of late data). */
  readonly latencyMs?: (index: number, id: string) => number;
}

export const SYNTHETIC_TENANT_ID = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';

export const SYNTHETIC_CONFIGURATION: CloudSyncConfiguration = {
  tenantId: SYNTHETIC_TENANT_ID,
  domain: 'northwind.com',
  netBios: 'NORTHWIND',
  servicePrincipalId: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e',
  appId: '7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f',
  applicationTemplateId: CLOUD_SYNC_TEMPLATE_ID,
  jobIdParts: 3,
};

export const SYNTHETIC_AGENT = {
  id: '8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a',
  machineName: 'SYNC01.northwind.com',
  externalIp: '192.0.2.40',
  groupId: '9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b',
} as const;

const CYCLE_MS = 2 * 60_000;
const FILLER_SERVICE_PRINCIPALS = 120;
const CONFIGURATION_POSITION = 57;

export function syntheticScenario(options: SyntheticScenarioOptions): Scenario {
  const config = SYNTHETIC_CONFIGURATION;
  const startMs = options.start.getTime();
  const spanMs = options.spanMs ?? 24 * 3600_000;
  const timeline: JobTimeline = new JobTimeline({
    id: jobId(config, 'AD2AADProvisioning'),
    templateId: 'AD2AADProvisioning',
    anchorMs: startMs,
    intervalMs: CYCLE_MS,
    interval: 'PT2M',
    windows: [],
    // A busy tenant: cycles take most of their slot, so the slot's events fall inside the cycle.
    cycleDurationMs: () => CYCLE_MS - 5_000,
    cycleCounts: (cycle) => {
      const events = eventsBetween(timeline.startMs(cycle), timeline.startMs(cycle + 1));
      return {
        imported: events,
        exported: Math.round(events * 0.75),
        escrowed: Math.round(events * 0.08),
        entitled: 20_000,
      };
    },
    settings: cloudSyncJobSettings(config),
    steadyStateFirstAchievedMs: startMs - 30 * 24 * 3600_000,
    entryCountsAt: () => [
      { key: 'user to User', value: 20_000 },
      { key: 'group to Group', value: 400 },
    ],
  });
  const provisioning = syntheticLog({
    config,
    timeline,
    logJobId: logJobId(config, 'AD2AADProvisioning'),
    startMs,
    spanMs,
    events: options.events,
    ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
  });
  /** Events whose time lies in [fromMs, toMs): two binary searches over the lazy log. */
  function eventsBetween(fromMs: number, toMs: number): number {
    const firstAtOrAfter = (ms: number): number => {
      let low = 0;
      let high = provisioning.count;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (provisioning.keyAt(middle).timeMs < ms) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    return firstAtOrAfter(toMs) - firstAtOrAfter(fromMs);
  }

  const servicePrincipals = servicePrincipalDirectory(
    SYNTHETIC_TENANT_ID,
    FILLER_SERVICE_PRINCIPALS + 1,
    new Map([[CONFIGURATION_POSITION, cloudSyncServicePrincipal(config)]]),
  );

  return {
    name: 'synthetic',
    tenantId: SYNTHETIC_TENANT_ID,
    organization: () => ({
      id: SYNTHETIC_TENANT_ID,
      displayName: 'Northwind (synthetic demo tenant)',
      tenantType: 'AAD',
      countryLetterCode: 'US',
      onPremisesSyncEnabled: true,
      verifiedDomains: [
        {
          name: 'northwind.com',
          isDefault: true,
          isInitial: false,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        },
      ],
    }),
    servicePrincipals,
    jobs(servicePrincipalId, at) {
      if (servicePrincipals.indexOf(servicePrincipalId) === undefined) return undefined;
      return servicePrincipalId.toLowerCase() === config.servicePrincipalId ? [timeline.jobAt(at)] : [];
    },
    agents: () => [
      {
        id: SYNTHETIC_AGENT.id,
        machineName: SYNTHETIC_AGENT.machineName,
        externalIp: SYNTHETIC_AGENT.externalIp,
        status: 'active',
        supportedPublishingTypes: ['provisioning'],
        agentGroups: [
          {
            id: SYNTHETIC_AGENT.groupId,
            displayName: config.domain,
            isDefault: false,
            publishingType: 'provisioning',
          },
        ],
      },
    ],
    provisioning,
    reportingAvailable: () => true,
  };
}
