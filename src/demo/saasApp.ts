import { indexedUser } from './directoryObjects.js';
import { objectError } from './errorCatalog.js';
import type { ProvisioningSystem, ServicePrincipal } from './graphTypes.js';
import { guidFrom } from './ids.js';
import { ZERO_COUNTS, JobTimeline, type ExecutionCounts } from './jobTimeline.js';
import type { LoggedEvent } from './materializedLog.js';
import { modifiedPropertiesFor } from './objectChanges.js';
import { hash32, intBetween, seededRandom } from './prng.js';
import { servicePrincipal } from './servicePrincipals.js';

/**
 * An unrelated gallery app with outbound (SCIM) provisioning. It shares the tenant's provisioning log
 * and has a synchronization job of its own; a Cloud Sync monitor must leave both alone, which is only
 * testable if the demo tenant has them.
 */
export interface SaasAppOptions {
  readonly tenantId: string;
  readonly servicePrincipalId: string;
  readonly appId: string;
  readonly displayName: string;
  readonly applicationTemplateId: string;
  readonly templateId: string;
  readonly jobId: string;
  readonly anchorMs: number;
  readonly cycles: number;
  /** Directory users assigned to the app (cloud identities of this domain). */
  readonly userDomain: string;
}

const INTERVAL_MS = 40 * 60_000;

export interface SaasApp {
  readonly servicePrincipal: ServicePrincipal;
  readonly timeline: JobTimeline;
  readonly events: LoggedEvent[];
}

export function saasApp(options: SaasAppOptions): SaasApp {
  const counts = new Map<number, ExecutionCounts>();
  const timeline = new JobTimeline({
    id: options.jobId,
    templateId: options.templateId,
    anchorMs: options.anchorMs,
    intervalMs: INTERVAL_MS,
    interval: 'PT40M',
    windows: [],
    cycleDurationMs: (cycle) => 30_000 + (hash32(options.jobId, cycle) % 60_000),
    cycleCounts: (cycle) => counts.get(cycle) ?? ZERO_COUNTS,
    settings: [],
    steadyStateFirstAchievedMs: options.anchorMs - 90 * 24 * 3600_000,
    entryCountsAt: () => [{ key: 'User to user', value: 212 }],
  });
  const source: ProvisioningSystem = {
    id: guidFrom(options.tenantId, 'entra-connector'),
    displayName: 'Azure Active Directory',
    details: {},
  };
  const target: ProvisioningSystem = {
    id: guidFrom(options.jobId, 'target-system'),
    displayName: options.displayName,
    details: {
      ApplicationId: options.appId,
      ServicePrincipalId: options.servicePrincipalId,
      ServicePrincipalDisplayName: options.displayName,
    },
  };

  const events: LoggedEvent[] = [];
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    const random = seededRandom(hash32(options.jobId, cycle));
    const count = intBetween(random(), 1, 4);
    const start = timeline.startMs(cycle);
    let exported = 0;
    for (let i = 0; i < count; i++) {
      const object = indexedUser(options.userDomain, Math.floor(random() * 1_850));
      // One conflict early in the day: a failure the monitor must not report as a Cloud Sync error.
      const failed = cycle === 7 && i === 0;
      const action = failed || random() < 0.3 ? 'create' : 'update';
      if (!failed) exported++;
      const id = guidFrom(options.jobId, 'event', cycle, i);
      events.push({
        id,
        timeMs: start + 2_000 + i * 4_000 + intBetween(random(), 0, 3_000),
        tenantId: options.tenantId,
        jobId: options.jobId,
        cycleId: timeline.cycleId(cycle),
        changeId: guidFrom(id, 'change'),
        durationMs: intBetween(random(), 400, 2_500),
        servicePrincipal: { id: options.servicePrincipalId, displayName: options.displayName },
        sourceSystem: source,
        targetSystem: target,
        action,
        result: failed ? 'failure' : 'success',
        object,
        error: failed ? objectError('saasEntryConflict', object) : null,
        modifiedProperties: modifiedPropertiesFor(action, object, random),
      });
    }
    counts.set(cycle, { imported: count, exported, escrowed: 0, entitled: 212 });
  }

  return {
    servicePrincipal: servicePrincipal({
      id: options.servicePrincipalId,
      displayName: options.displayName,
      appDisplayName: options.displayName,
      appId: options.appId,
      applicationTemplateId: options.applicationTemplateId,
      appOwnerOrganizationId: options.tenantId,
      preferredSingleSignOnMode: 'saml',
      servicePrincipalNames: [options.appId, 'https://signin.aws.amazon.com/saml'],
      tags: [
        'WindowsAzureActiveDirectoryCustomSingleSignOnApplication',
        'WindowsAzureActiveDirectoryIntegratedApp',
      ],
    }),
    timeline,
    events,
  };
}
