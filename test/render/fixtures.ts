import { asDetails, type SyncErrorGroupDetail } from '../../src/domain/alertDetails.js';
import type {
  Alert,
  AlertKind,
  AlertSubject,
  Severity,
  Transition,
  TransitionKind,
} from '../../src/domain/alertModel.js';
import {
  renderAlertMessage,
  type AlertMessageInput,
  type RenderedAlertMessage,
} from '../../src/render/alertMessage.js';

/**
 * Sample alert transitions for renderer tests and the screenshot script: one of every kind, shaped like
 * the rules' details (src/alerts/details.ts), with realistic names; `hostile` puts attacker-controlled
 * directory data (markup, markdown links, 10 KB names, 500 failing objects) where directory data goes.
 */
export const TENANT_ID = '8f3c2a10-5b7e-4c1d-9a2f-0e6b7d4c3b21';
export const GENERATED_AT = '2026-03-02T03:05:00.000Z';
const SP = '4b1e6f0a-9d2c-4e8b-a7f3-1c5d9e0b2a64';
const JOB = 'AD2AADProvisioning.3f9a1c7e5b2d4e6f8a0b1c2d3e4f5a6b';
const PHS_JOB = 'AD2AADPasswordHash.3f9a1c7e5b2d4e6f8a0b1c2d3e4f5a6b';

export const HOSTILE = {
  script: '<script>window.__pwned = "script"</script>',
  img: '<img src=x onerror="window.__pwned = \'img\'">',
  link: '[Reset your password](http://evil.example/phish)',
  markdown: '**URGENT** _click_ # now ![x](http://evil.example/x.png) <b>bold</b>',
  bareUrl: 'see https://evil.example/login and www.evil.example',
  long: `Huge${'A'.repeat(10_240)}`,
} as const;

const ago = (minutes: number) => new Date(Date.parse(GENERATED_AT) - minutes * 60_000).toISOString();

function job(configurationName: string, jobId = JOB, troubleshootingUrl: string | null = null) {
  return {
    servicePrincipalId: SP,
    configurationName,
    jobId,
    templateId: jobId.split('.')[0] ?? null,
    troubleshootingUrl,
  };
}

function alert(
  kind: AlertKind,
  severity: Severity,
  subject: Partial<AlertSubject>,
  summary: string,
  sinceMinutes: number,
  details: Readonly<Record<string, unknown>>,
  extra: Partial<Alert> = {},
): Alert {
  return {
    id: `${kind}:${subject.jobId ?? subject.agentId ?? subject.servicePrincipalId ?? 'monitor'}`,
    kind,
    subject: { tenantId: TENANT_ID, ...subject },
    severity,
    summary,
    since: ago(sinceMinutes),
    materialKey: `${kind}-key`,
    details,
    state: 'open',
    openedAt: ago(sinceMinutes),
    lastChangedAt: ago(5),
    lastNotifiedAt: ago(5),
    ...extra,
  };
}

function transition(kind: TransitionKind, a: Alert, extra: Partial<Transition> = {}): Transition {
  return { transition: kind, at: GENERATED_AT, alert: a, ...extra };
}

function syncErrorGroups(hostile: boolean): SyncErrorGroupDetail[] {
  const names = hostile
    ? [HOSTILE.script, HOSTILE.img, HOSTILE.link, HOSTILE.markdown, HOSTILE.bareUrl, HOSTILE.long]
    : ['Megan Bowen', 'Alex Wilber', 'Sales Team (EMEA)', 'Diego Siciliani', 'Lynne Robbins', 'Grady Archie'];
  const objects = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, i) => ({
      sourceId: `${prefix}-${String(i).padStart(4, '0')}-aaaa-bbbb-cccc-000000000000`,
      displayName: i < names.length ? (names[i] ?? null) : `${hostile ? '<i>' : ''}User ${i}`,
      objectType: i % 5 === 2 ? 'Group' : 'User',
      action: i % 3 === 0 ? 'Create' : 'Update',
      failingSince: ago(180 - i),
      lastFailedAt: ago(3),
    }));
  const duplicate = objects(hostile ? 500 : 37, 'd');
  return [
    {
      errorCode: 'AzureDirectoryServiceAttributeValueMustBeUnique',
      errorCategory: 'DuplicateAttribute',
      objectCount: duplicate.length,
      description: hostile
        ? `Unable to update this object because ${HOSTILE.img} ${HOSTILE.link} javascript:alert(1)`
        : 'Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [ProxyAddresses SMTP:megan.bowen@contoso.com;].',
      recommendedAction: 'Find the other object with this proxy address and remove the duplicate value.',
      objects: duplicate,
      moreObjects: 0,
    },
    {
      errorCode: 'AzureDirectoryServiceInvalidSoftMatch',
      errorCategory: 'DataMismatch',
      objectCount: 3,
      description: 'The object could not be matched to an existing cloud object (immutableId conflict).',
      recommendedAction: null,
      objects: objects(3, 's'),
      moreObjects: 0,
    },
    {
      errorCode: 'AzureDirectoryServiceInvalidValue',
      errorCategory: 'DataValidationFailure',
      objectCount: 142,
      description: 'The mail attribute contains characters that are not valid.',
      recommendedAction: 'Correct the mail attribute in Active Directory.',
      objects: objects(20, 'v'),
      moreObjects: 122,
    },
  ];
}

/** One transition of every kind, most severe first (as bySeverity would sort them). */
export function sampleTransitions(options: { hostile?: boolean } = {}): Transition[] {
  const hostile = options.hostile ?? false;
  const domain = hostile ? `contoso.com\r\nBcc: victim@example.com ${HOSTILE.script}` : 'contoso.com';
  const groups = syncErrorGroups(hostile);
  const failing = groups.reduce((n, g) => n + g.objectCount, 0);

  const deletion = alert(
    'deletion-threshold',
    'critical',
    { servicePrincipalId: SP, configurationName: domain, jobId: JOB, templateId: 'AD2AADProvisioning' },
    `Deletion threshold exceeded in ${domain}: 612 deletions held`,
    48,
    asDetails('deletion-threshold', {
      job: job(
        domain,
        JOB,
        hostile ? 'javascript:window.__pwned="url"' : 'https://go.microsoft.com/fwlink/?linkid=2150988',
      ),
      quarantine: {
        reason: 'TooManyDeletes',
        quarantineSince: ago(48),
        seriesBegan: ago(48),
        nextAttempt: ago(-312),
        errorCode: 'TooManyDeletes',
        errorMessage:
          'The number of deletions in this cycle (612) exceeds the accidental deletion threshold (500).',
        disable: { expectedAt: ago(48 - 28 * 24 * 60), daysLeft: 27, remindStage: null },
      },
      threshold: 500,
      stagedDeletes: {
        count: 612,
        events: 1224,
        cycles: 2,
        firstAt: ago(52),
        lastAt: ago(47),
        complete: true,
      },
      allow: {
        portalAction: 'Allow deletes',
        restart: {
          method: 'POST',
          path: `/servicePrincipals/${SP}/synchronization/jobs/${JOB}/restart`,
          body: { criteria: { resetScope: 'ForceDeletes' } },
        },
      },
      reject: {
        portalAction: 'Restart sync',
        restartPath: `/servicePrincipals/${SP}/synchronization/jobs/${JOB}/restart`,
      },
    }),
  );

  const agent = alert(
    'agent-offline',
    'critical',
    {
      agentId: 'a1b2c3d4-0000-4000-8000-000000000001',
      machineName: hostile ? HOSTILE.img : 'SYNC01.corp.contoso.com',
    },
    'Provisioning agent SYNC01 offline; no active agent for contoso.com',
    35,
    asDetails('agent-offline', {
      scope: 'agent',
      agentId: 'a1b2c3d4-0000-4000-8000-000000000001',
      machineName: hostile ? HOSTILE.img : 'SYNC01.corp.contoso.com',
      externalIp: '203.0.113.24',
      status: 'inactive',
      sources: ['graph', 'heartbeat'],
      lastSeenActive: ago(35),
      offlineMinutes: 35,
      thresholdMinutes: 15,
      groups: [
        { id: 'g-1', displayName: hostile ? HOSTILE.link : 'contoso.com', activeAgents: [], agents: 2 },
      ],
      noActiveAgent: true,
      agentVersion: '1.1.1370.0',
      serviceStates: {
        'Microsoft Entra Provisioning Agent': 'Stopped',
        'Microsoft Entra Connect Agent Updater': 'Running',
      },
    }),
  );

  const quarantined = alert(
    'job-quarantined',
    'critical',
    {
      servicePrincipalId: SP,
      configurationName: 'fabrikam.local',
      jobId: PHS_JOB,
      templateId: 'AD2AADPasswordHash',
    },
    'Password hash sync quarantined in fabrikam.local (EncounteredQuarantineException)',
    60 * 24 * 22,
    asDetails('job-quarantined', {
      job: job('fabrikam.local', PHS_JOB, 'https://go.microsoft.com/fwlink/?linkid=2150988'),
      quarantine: {
        reason: 'EncounteredQuarantineException',
        quarantineSince: ago(60 * 24 * 22),
        seriesBegan: ago(60 * 24 * 22),
        nextAttempt: ago(-600),
        errorCode: 'AzureActiveDirectoryInvalidCredential',
        errorMessage: hostile
          ? `We found an issue with the service account. ${HOSTILE.script} ${HOSTILE.link}`
          : 'We found an issue with the service account that is used to run Microsoft Entra Cloud Sync. You can repair the cloud service account by following the instructions at https://go.microsoft.com/fwlink/?linkid=2150988.',
        disable: { expectedAt: ago(-60 * 24 * 6), daysLeft: 6, remindStage: 7 },
      },
      statusCode: 'Quarantine',
    }),
  );

  const syncErrors = alert(
    'sync-errors',
    'warning',
    { servicePrincipalId: SP, configurationName: domain, jobId: JOB, templateId: 'AD2AADProvisioning' },
    `${failing} objects failing in ${domain}`,
    180,
    asDetails('sync-errors', {
      job: job(domain),
      failingObjects: failing,
      untrackedObjects: 0,
      criticalAbove: 1000,
      categories: [
        { errorCategory: 'DuplicateAttribute', objectCount: groups[0]!.objectCount },
        { errorCategory: 'DataValidationFailure', objectCount: 142 },
        { errorCategory: 'DataMismatch', objectCount: 3 },
      ],
      groups,
      oldestFailure: ago(180),
      newestFailure: ago(3),
    }),
  );

  const stalled = alert(
    'sync-stalled',
    'warning',
    {
      servicePrincipalId: SP,
      configurationName: 'northwind.local',
      jobId: JOB,
      templateId: 'AD2AADProvisioning',
    },
    'Sync paused for 26 h in northwind.local',
    60 * 26,
    asDetails('sync-stalled', {
      job: job('northwind.local'),
      mode: 'paused',
      statusCode: 'Paused',
      scheduleState: 'Paused',
      scheduleInterval: 'PT2M',
      lastSuccessfulExecutionEnded: ago(60 * 26),
      lastExecutionEnded: ago(60 * 26),
      lastExecutionState: 'Succeeded',
      lastErrorCode: null,
      minutes: 60 * 26,
      thresholdMinutes: 60 * 24,
    }),
  );

  const degraded = alert(
    'monitor-degraded',
    'warning',
    { signal: 'provisioning' },
    'The monitor could not read provisioning logs for 4 runs',
    20,
    asDetails('monitor-degraded', {
      signal: 'provisioning',
      consecutiveRuns: 4,
      failingSince: ago(20),
      thresholdRuns: 3,
      lastErrorCode: 'Authorization_RequestDenied',
      lastErrorMessage: 'Insufficient privileges to complete the operation.',
      issues: [
        {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
          target: '/auditLogs/provisioning',
        },
      ],
    }),
  );

  const failingJob = alert(
    'job-failing',
    'warning',
    {
      servicePrincipalId: SP,
      configurationName: 'contoso.com',
      jobId: PHS_JOB,
      templateId: 'AD2AADPasswordHash',
    },
    'Password hash sync failing in contoso.com',
    95,
    asDetails('job-failing', {
      job: job('contoso.com', PHS_JOB),
      lastExecutionState: 'Failed',
      lastErrorCode: 'HybridIdentityServiceNoActiveAgents',
      lastErrorMessage: "We're unable to find an active agent for the domain you're trying to sync.",
      successiveFailures: 7,
      lastExecutionEnded: ago(12),
      lastSuccessfulExecutionEnded: ago(95),
      threshold: 3,
    }),
    { state: 'resolved', resolvedAt: GENERATED_AT },
  );

  return [
    transition('new', deletion),
    transition('new', agent),
    transition('escalated', quarantined, {
      previousSeverity: 'warning',
      changes: ['Job is disabled in 6 days'],
    }),
    transition('updated', syncErrors, {
      changes: hostile
        ? [`new failing object ${HOSTILE.script}`, 'new error code AzureDirectoryServiceInvalidValue']
        : ['new error code AzureDirectoryServiceInvalidValue', '122 more objects failing'],
    }),
    transition('repeat', stalled),
    transition('new', degraded),
    transition('resolved', failingJob),
  ];
}

export const ackUrlFor = (a: Alert): string =>
  `https://cloudsync-monitor.azurewebsites.net/api/ack?token=${encodeURIComponent(`${a.id}.sig`)}`;

/**
 * A message that only resolves: the deletion trip of sampleTransitions, its deletes allowed (600 of 612
 * deleted), the quarantine after 1 h 10 min, and a warning reminder riding along.
 */
export function resolvedTransitions(): Transition[] {
  const sample = sampleTransitions();
  const find = (kind: string) => sample.find((t) => t.alert.kind === kind)!.alert;
  const trip = find('deletion-threshold');
  const resolvedAt = GENERATED_AT;
  const quarantine = find('job-quarantined');
  return [
    transition('resolved', {
      ...trip,
      state: 'resolved',
      resolvedAt,
      resolution: {
        summary: 'Deletes allowed: 600 objects deleted in Entra ID',
        details: {
          outcome: 'allowed',
          deleted: 600,
          held: 612,
          firstDeleteAt: ago(5),
          lastDeleteAt: ago(2),
          target: 'Entra ID',
          complete: true,
        },
      },
    }),
    transition('resolved', {
      ...quarantine,
      since: ago(70),
      state: 'resolved',
      resolvedAt,
    }),
    transition('repeat', find('sync-stalled')),
  ];
}

/** The sample rendered as the channels get it (tenant "Contoso", ack links), with any other inputs. */
export function renderSample(
  transitions: Transition[] = sampleTransitions(),
  extra: Partial<AlertMessageInput> = {},
): RenderedAlertMessage {
  return renderAlertMessage({
    tenantId: TENANT_ID,
    tenantName: 'Contoso',
    generatedAt: GENERATED_AT,
    transitions,
    ackUrlFor,
    ...extra,
  });
}
