import {
  cloudSyncJobSettings,
  cloudSyncServicePrincipal,
  jobId,
  type CloudSyncConfiguration,
} from './cloudSyncConfiguration.js';
import {
  activeFailures,
  generateActivity,
  type ConfigurationActivity,
  type PersistentFailure,
  type PlannedItem,
} from './configurationActivity.js';
import {
  CONTOSO,
  DEMO_AGENT_GROUPS,
  DEMO_AGENTS,
  DEMO_CYCLE_ANCHORS,
  DEMO_JOB_IDS,
  DEMO_LOG_JOB_IDS,
  DEMO_PERSISTENT_FAILURES,
  DEMO_SERVICE_PRINCIPAL_LAYOUT,
  DEMO_TENANT_ID,
  DEMO_TIMELINE,
  FABRIKAM,
  SAAS_APP,
} from './demoDayTimeline.js';
import { indexedUser, namedUser } from './directoryObjects.js';
import { jobErrors } from './errorCatalog.js';
import type { OnPremisesAgent, OnPremisesAgentGroup, ServicePrincipal } from './graphTypes.js';
import { guidFrom } from './ids.js';
import { JobTimeline, type ExecutionCounts, type JobWindow } from './jobTimeline.js';
import { materializedLog } from './materializedLog.js';
import { hash32 } from './prng.js';
import { saasApp } from './saasApp.js';
import type { Scenario } from './scenario.js';
import { servicePrincipalDirectory } from './servicePrincipals.js';

/**
 * The demo day: a realistic day of a tenant with two Cloud Sync configurations, in which everything the
 * monitor must notice happens once (see DEMO_TIMELINE). Events cover the day and a quiet day after it,
 * so a live demo server keeps producing routine activity after the replayed day.
 */
export interface DemoDayOptions {
  /** 00:00 UTC of the day the incidents happen. */
  readonly dayStart: Date;
  /**
   * More jobs for test scenarios (not on the default day): e.g. a template of a family the monitor does
   * not know, which it must still collect, alert on and report. Windows are offsets from `dayStart`.
   */
  readonly extraJobs?: readonly ExtraJob[];
}

export interface ExtraJob {
  readonly configuration: 'contoso.com' | 'fabrikam.local';
  readonly templateId: string;
  readonly windows?: readonly JobWindow[];
}

const CYCLE_MS = 2 * 60_000;
const DAY_MS = 24 * 3600_000;
const CYCLES_PER_DAY = DAY_MS / CYCLE_MS;
const DAYS_OF_EVENTS = 2;

/** 00:00 UTC of the day before `now`: the default demo day, fully in the past. */
export function startOfYesterdayUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
}

const ADMIN = { id: guidFrom(DEMO_TENANT_ID, 'admin', 'patti'), displayName: 'Patti Fernandez' };
const CONTOSO_USERS = 1_850;
const CONTOSO_COMPUTERS = 620;
const FABRIKAM_USERS = 1_210;
/** fabrikam.local users from this index on live in OU=Contractors, the OU that goes out of scope. */
const FABRIKAM_CONTRACTORS_FROM = FABRIKAM_USERS - DEMO_TIMELINE.fabrikamStagedDeletes.count;

function persistentFailures(config: CloudSyncConfiguration, dayStartMs: number): PersistentFailure[] {
  return DEMO_PERSISTENT_FAILURES.filter((failure) => failure.domain === config.domain).map((failure) => ({
    object: namedUser(config.domain, failure.name),
    error: failure.error,
    action: failure.action,
    fromMs: dayStartMs + failure.from,
    toMs: dayStartMs + failure.to,
  }));
}

function planned(
  entries: readonly (readonly [number, PlannedItem])[],
): Map<number, { items: PlannedItem[]; bulk?: boolean }> {
  const byCycle = new Map<number, { items: PlannedItem[]; bulk?: boolean }>();
  for (const [cycle, item] of entries) {
    const existing = byCycle.get(cycle) ?? { items: [] };
    existing.items.push(item);
    byCycle.set(cycle, existing);
  }
  return byCycle;
}

function idleCounts(activity: ConfigurationActivity, cycle: number): ExecutionCounts {
  const start = activity.timeline.startMs(cycle);
  return {
    imported: 0,
    exported: 0,
    escrowed: activeFailures(activity, start),
    entitled: activity.entryCountAt(start),
  };
}

function agent(
  base: { id: string; machineName: string; externalIp: string },
  status: string,
  group: OnPremisesAgentGroup,
): OnPremisesAgent {
  return { ...base, status, supportedPublishingTypes: ['provisioning'], agentGroups: [{ ...group }] };
}

export function demoDayScenario(options: DemoDayOptions): Scenario {
  const dayStartMs = options.dayStart.getTime();
  const at = (offsetMs: number): number => dayStartMs + offsetMs;
  const cycleCount = CYCLES_PER_DAY * DAYS_OF_EVENTS;
  const within = (window: { from: number; to: number }, ms: number): boolean =>
    ms >= at(window.from) && ms < at(window.to);

  // contoso.com: AD2AADProvisioning (Entra busy 16:00-16:20) and AD2AADPasswordHash (quarantined 13:00-14:30).
  const contosoCounts = new Map<number, ExecutionCounts>();
  const contosoTimeline = new JobTimeline({
    id: DEMO_JOB_IDS.contosoProvisioning,
    templateId: 'AD2AADProvisioning',
    anchorMs: at(DEMO_CYCLE_ANCHORS.contosoProvisioning),
    intervalMs: CYCLE_MS,
    interval: 'PT2M',
    windows: [
      {
        kind: 'failing',
        fromMs: at(DEMO_TIMELINE.contosoServerBusy.from),
        toMs: at(DEMO_TIMELINE.contosoServerBusy.to),
        error: jobErrors.serverBusy,
      },
    ],
    cycleDurationMs: (cycle) => 20_000 + (hash32(CONTOSO.domain, 'duration', cycle) % 40_000),
    cycleCounts: (cycle) => contosoCounts.get(cycle) ?? idleCounts(contosoActivity, cycle),
    settings: cloudSyncJobSettings(CONTOSO),
    steadyStateFirstAchievedMs: dayStartMs - 41 * DAY_MS + 2 * 3600_000,
    entryCountsAt: () => [
      { key: 'user to User', value: CONTOSO_USERS },
      { key: 'group to Group', value: 240 },
      { key: 'contact to Contact', value: 35 },
    ],
  });
  const contosoCycle = (offsetMs: number): number => contosoTimeline.cycleAt(at(offsetMs));
  const contosoUser = (index: number) => indexedUser(CONTOSO.domain, index);
  const contosoActivity: ConfigurationActivity = {
    config: CONTOSO,
    timeline: contosoTimeline,
    logJobId: DEMO_LOG_JOB_IDS.contosoProvisioning,
    firstCycle: 0,
    cycleCount,
    usersInScope: () => CONTOSO_USERS,
    userAt: contosoUser,
    groups: 240,
    eventsPerCycle: [
      [0, 35],
      [1, 25],
      [2, 20],
      [3, 12],
      [4, 8],
    ],
    persistentFailures: persistentFailures(CONTOSO, dayStartMs),
    planned: planned([
      ...[37, 205, 388, 502, 611].map(
        (cycle) =>
          [
            cycle,
            {
              action: 'update',
              result: 'failure',
              object: contosoUser(cycle * 3),
              error: 'internalError',
              retryAfterCycles: 20,
            },
          ] as const,
      ),
      ...[120, 433, 650].map(
        (cycle) =>
          [
            cycle,
            {
              action: 'update',
              result: 'warning',
              object: contosoUser(cycle + 7),
              error: 'quarantinedProxyAddress',
            },
          ] as const,
      ),
      ...[contosoCycle(10 * 3600_000), contosoCycle(18.5 * 3600_000)].map(
        (cycle) =>
          [
            cycle,
            { action: 'update', result: 'success', object: contosoUser(cycle % 97), initiatedByUser: ADMIN },
          ] as const,
      ),
    ]),
    entryCountAt: () => CONTOSO_USERS,
  };

  const passwordHashTimeline = new JobTimeline({
    id: DEMO_JOB_IDS.contosoPasswordHash,
    templateId: 'AD2AADPasswordHash',
    anchorMs: at(DEMO_CYCLE_ANCHORS.contosoPasswordHash),
    intervalMs: CYCLE_MS,
    interval: 'PT2M',
    windows: [
      {
        kind: 'quarantine',
        fromMs: at(DEMO_TIMELINE.contosoPasswordHashQuarantine.from),
        toMs: at(DEMO_TIMELINE.contosoPasswordHashQuarantine.to),
        reason: 'EncounteredQuarantineException',
        error: jobErrors.invalidCredential,
        troubleshootingUrl: 'https://go.microsoft.com/fwlink/?linkid=2150988',
      },
    ],
    cycleDurationMs: (cycle) => 5_000 + (hash32('phs', 'duration', cycle) % 15_000),
    // Password hash sync writes no provisioning events; its counts are the password changes it exported.
    cycleCounts: (cycle) => {
      const changes = hash32('phs', 'changes', cycle) % 4;
      return { imported: changes, exported: changes, escrowed: 0, entitled: CONTOSO_USERS };
    },
    settings: cloudSyncJobSettings(CONTOSO),
    steadyStateFirstAchievedMs: dayStartMs - 41 * DAY_MS + 2 * 3600_000,
    entryCountsAt: () => [{ key: 'user to User', value: CONTOSO_USERS }],
  });

  // contoso.com device sync (AD computers to Entra devices): paused after its initial sync, errors pruned.
  const deviceSyncTimeline = new JobTimeline({
    id: DEMO_JOB_IDS.contosoDeviceSync,
    templateId: 'AD2AADDeviceSync',
    anchorMs: at(DEMO_CYCLE_ANCHORS.contosoDeviceSync),
    intervalMs: CYCLE_MS,
    interval: 'PT2M',
    windows: [
      {
        kind: 'paused',
        fromMs: at(DEMO_TIMELINE.contosoDeviceSyncPaused.from),
        toMs: at(DEMO_TIMELINE.contosoDeviceSyncPaused.to),
        escrowsPruned: true,
      },
    ],
    cycleDurationMs: (cycle) => 4_000 + (hash32('devices', 'duration', cycle) % 10_000),
    // Device sync writes no provisioning events in the demo; its counts are the computers it exported.
    cycleCounts: (cycle) => {
      const changes = hash32('devices', 'changes', cycle) % 3;
      return { imported: changes, exported: changes, escrowed: 0, entitled: CONTOSO_COMPUTERS };
    },
    settings: cloudSyncJobSettings(CONTOSO),
    steadyStateFirstAchievedMs: dayStartMs - 3 * 3600_000,
    entryCountsAt: () => [{ key: 'computer to Device', value: CONTOSO_COMPUTERS }],
  });

  // fabrikam.local: accidental-deletion trip at 09:00, deletes allowed at 11:30, agent down 18:00-19:00.
  const fabrikamCounts = new Map<number, ExecutionCounts>();
  const anchorFabrikam = at(DEMO_CYCLE_ANCHORS.fabrikamProvisioning);
  const tripCycle = Math.floor(
    (at(DEMO_TIMELINE.fabrikamStagedDeletes.cycleStart) - anchorFabrikam) / CYCLE_MS,
  );
  const deleteCycle = Math.ceil((at(DEMO_TIMELINE.fabrikamTooManyDeletes.to) - anchorFabrikam) / CYCLE_MS);
  const fabrikamTimeline: JobTimeline = new JobTimeline({
    id: DEMO_JOB_IDS.fabrikamProvisioning,
    templateId: 'AD2AADProvisioning',
    anchorMs: anchorFabrikam,
    intervalMs: CYCLE_MS,
    interval: 'PT2M',
    windows: [
      {
        kind: 'quarantine',
        fromMs: at(DEMO_TIMELINE.fabrikamTooManyDeletes.from),
        toMs: at(DEMO_TIMELINE.fabrikamTooManyDeletes.to),
        reason: 'TooManyDeletes',
        error: jobErrors.tooManyDeletes,
      },
      {
        kind: 'failing',
        fromMs: at(DEMO_TIMELINE.fabrikamAgentDown.from),
        toMs: at(DEMO_TIMELINE.fabrikamAgentDown.to),
        error: jobErrors.noActiveAgents,
      },
    ],
    cycleDurationMs: (cycle) =>
      cycle === tripCycle
        ? 75_000
        : cycle === deleteCycle
          ? 100_000
          : 15_000 + (hash32(FABRIKAM.domain, 'duration', cycle) % 35_000),
    cycleCounts: (cycle) => fabrikamCounts.get(cycle) ?? idleCounts(fabrikamActivity, cycle),
    settings: cloudSyncJobSettings(FABRIKAM),
    steadyStateFirstAchievedMs: dayStartMs - 17 * DAY_MS + 9 * 3600_000,
    entryCountsAt: (ms) => [
      {
        key: 'user to User',
        value: ms >= fabrikamTimeline.endMs(deleteCycle) ? FABRIKAM_CONTRACTORS_FROM : FABRIKAM_USERS,
      },
      { key: 'group to Group', value: 96 },
    ],
    blankLastSuccessfulBegin: true,
  });
  const fabrikamUser = (index: number) =>
    indexedUser(
      FABRIKAM.domain,
      index,
      index >= FABRIKAM_CONTRACTORS_FROM && index < FABRIKAM_USERS ? 'Contractors' : 'Users',
    );
  const contractors = Array.from({ length: DEMO_TIMELINE.fabrikamStagedDeletes.count }, (_, i) =>
    fabrikamUser(FABRIKAM_CONTRACTORS_FROM + i),
  );
  const fabrikamPlanned = planned(
    [150, 450].map(
      (cycle) =>
        [
          cycle,
          {
            action: 'update',
            result: 'failure',
            object: fabrikamUser(cycle * 2),
            error: 'internalError',
            retryAfterCycles: 20,
          },
        ] as const,
    ),
  );
  fabrikamPlanned.set(tripCycle, {
    bulk: true,
    items: contractors.map((object) => ({ action: 'stagedDelete', result: 'skipped', object })),
  });
  fabrikamPlanned.set(deleteCycle, {
    bulk: true,
    items: contractors.map((object) => ({ action: 'delete', result: 'success', object })),
  });
  const fabrikamActivity: ConfigurationActivity = {
    config: FABRIKAM,
    timeline: fabrikamTimeline,
    logJobId: DEMO_LOG_JOB_IDS.fabrikamProvisioning,
    firstCycle: 0,
    cycleCount,
    usersInScope: (ms) =>
      ms < fabrikamTimeline.startMs(tripCycle) ? FABRIKAM_USERS : FABRIKAM_CONTRACTORS_FROM,
    userAt: fabrikamUser,
    groups: 96,
    eventsPerCycle: [
      [0, 50],
      [1, 30],
      [2, 20],
    ],
    persistentFailures: persistentFailures(FABRIKAM, dayStartMs),
    planned: fabrikamPlanned,
    entryCountAt: (ms) =>
      ms >= fabrikamTimeline.endMs(deleteCycle) ? FABRIKAM_CONTRACTORS_FROM : FABRIKAM_USERS,
  };

  const saas = saasApp({
    tenantId: DEMO_TENANT_ID,
    servicePrincipalId: SAAS_APP.servicePrincipalId,
    appId: SAAS_APP.appId,
    displayName: SAAS_APP.displayName,
    applicationTemplateId: SAAS_APP.applicationTemplateId,
    templateId: SAAS_APP.templateId,
    jobId: SAAS_APP.jobId,
    anchorMs: at(DEMO_CYCLE_ANCHORS.saas),
    cycles: (DAYS_OF_EVENTS * DAY_MS) / (40 * 60_000),
    userDomain: CONTOSO.domain,
  });

  const contosoEvents = generateActivity(contosoActivity);
  contosoEvents.counts.forEach((counts, cycle) => contosoCounts.set(cycle, counts));
  const fabrikamEvents = generateActivity(fabrikamActivity);
  fabrikamEvents.counts.forEach((counts, cycle) => fabrikamCounts.set(cycle, counts));
  const provisioning = materializedLog([...contosoEvents.events, ...fabrikamEvents.events, ...saas.events]);

  const placed = new Map<number, ServicePrincipal>([
    [DEMO_SERVICE_PRINCIPAL_LAYOUT.contoso, cloudSyncServicePrincipal(CONTOSO)],
    [DEMO_SERVICE_PRINCIPAL_LAYOUT.saas, saas.servicePrincipal],
    [DEMO_SERVICE_PRINCIPAL_LAYOUT.fabrikam, cloudSyncServicePrincipal(FABRIKAM)],
  ]);
  const servicePrincipals = servicePrincipalDirectory(
    DEMO_TENANT_ID,
    DEMO_SERVICE_PRINCIPAL_LAYOUT.total,
    placed,
  );
  const extra = (options.extraJobs ?? []).map((extraJob, i) => {
    const config = extraJob.configuration === 'contoso.com' ? CONTOSO : FABRIKAM;
    const timeline = new JobTimeline({
      id: jobId(config, extraJob.templateId),
      templateId: extraJob.templateId,
      anchorMs: at(55_000 - i * 1_000),
      intervalMs: CYCLE_MS,
      interval: 'PT2M',
      windows: (extraJob.windows ?? []).map((w) => ({ ...w, fromMs: at(w.fromMs), toMs: at(w.toMs) })),
      cycleDurationMs: (cycle) => 3_000 + (hash32(extraJob.templateId, 'duration', cycle) % 8_000),
      cycleCounts: () => ({ imported: 0, exported: 0, escrowed: 0, entitled: 100 }),
      settings: cloudSyncJobSettings(config),
      steadyStateFirstAchievedMs: dayStartMs - 7 * DAY_MS,
      entryCountsAt: () => [],
    });
    return { servicePrincipalId: config.servicePrincipalId, timeline };
  });
  const jobsBySp = new Map<string, JobTimeline[]>([
    [
      CONTOSO.servicePrincipalId,
      [
        contosoTimeline,
        passwordHashTimeline,
        deviceSyncTimeline,
        ...extra.filter((e) => e.servicePrincipalId === CONTOSO.servicePrincipalId).map((e) => e.timeline),
      ],
    ],
    [
      FABRIKAM.servicePrincipalId,
      [
        fabrikamTimeline,
        ...extra.filter((e) => e.servicePrincipalId === FABRIKAM.servicePrincipalId).map((e) => e.timeline),
      ],
    ],
    [SAAS_APP.servicePrincipalId, [saas.timeline]],
  ]);

  return {
    name: 'demo-day',
    tenantId: DEMO_TENANT_ID,
    organization: () => ({
      id: DEMO_TENANT_ID,
      displayName: 'Contoso (demo tenant)',
      tenantType: 'AAD',
      countryLetterCode: 'US',
      onPremisesSyncEnabled: true,
      verifiedDomains: [
        {
          name: 'contosodemo.onmicrosoft.com',
          isDefault: false,
          isInitial: true,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        },
        {
          name: 'contoso.com',
          isDefault: true,
          isInitial: false,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        },
      ],
    }),
    servicePrincipals,
    jobs(servicePrincipalId, when) {
      if (servicePrincipals.indexOf(servicePrincipalId) === undefined) return undefined;
      return (jobsBySp.get(servicePrincipalId.toLowerCase()) ?? []).map((timeline) => timeline.jobAt(when));
    },
    agents(when) {
      const ms = when.getTime();
      const contosoGroup = { ...DEMO_AGENT_GROUPS.contoso, isDefault: false, publishingType: 'provisioning' };
      const fabrikamGroup = {
        ...DEMO_AGENT_GROUPS.fabrikam,
        isDefault: false,
        publishingType: 'provisioning',
      };
      // The documented example capitalises "Active"; the enum is lower-case. CSYNC01 shows the former.
      return [
        agent(DEMO_AGENTS.contosoPrimary, 'Active', contosoGroup),
        agent(
          DEMO_AGENTS.contosoSecondary,
          within(DEMO_TIMELINE.contosoSecondaryAgentInactive, ms) ? 'inactive' : 'active',
          contosoGroup,
        ),
        agent(
          DEMO_AGENTS.fabrikam,
          within(DEMO_TIMELINE.fabrikamAgentDown, ms) ? 'inactive' : 'active',
          fabrikamGroup,
        ),
      ];
    },
    provisioning,
    reportingAvailable: (when) => !within(DEMO_TIMELINE.reportingOutage, when.getTime()),
  };
}
