/**
 * The only URLs a notification links to: ones we build (portal, acknowledge link, Microsoft Learn pages)
 * and Graph's `troubleshootingUrl` when it is https on a Microsoft host. Nothing from directory data ever
 * becomes a link: a display name or error text that contains a URL stays text.
 */
export interface Link {
  readonly title: string;
  readonly url: string;
}

const MICROSOFT_HOSTS = [
  'microsoft.com',
  'azure.com',
  'microsoftonline.com',
  'aka.ms',
  'microsoft.us',
  'azure.us',
  'azure.cn',
  'microsoftonline.us',
];

/** https, no credentials, default port, host on a Microsoft domain. */
export function isMicrosoftUrl(value: string | null | undefined): value is string {
  const url = parse(value);
  if (!url || url.protocol !== 'https:' || url.username || url.password || url.port) return false;
  const host = url.hostname.toLowerCase();
  return MICROSOFT_HOSTS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/**
 * A URL we built ourselves (portal base, acknowledge link): https, or http only to this machine (a local
 * Functions host during development). Checked anyway, so a misconfigured value cannot become a
 * `javascript:` link.
 */
export function isOwnUrl(value: string | null | undefined): value is string {
  const url = parse(value);
  if (!url || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function parse(value: string | null | undefined): URL | undefined {
  if (!value || value.length > 2000) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export const DEFAULT_PORTAL_URL = 'https://entra.microsoft.com/';

/** Microsoft Learn pages the guidance refers to. */
export const docs = {
  troubleshoot: {
    title: 'Cloud sync troubleshooting',
    url: 'https://learn.microsoft.com/entra/identity/hybrid/cloud-sync/how-to-troubleshoot',
  },
  errorCodes: {
    title: 'Cloud sync error codes',
    url: 'https://learn.microsoft.com/entra/identity/hybrid/cloud-sync/reference-error-codes',
  },
  accidentalDeletes: {
    title: 'Accidental deletions (cloud sync)',
    url: 'https://learn.microsoft.com/entra/identity/hybrid/cloud-sync/how-to-accidental-deletes',
  },
  quarantine: {
    title: 'Quarantine status',
    url: 'https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-quarantine-status',
  },
  provisioningLogs: {
    title: 'Provisioning logs',
    url: 'https://learn.microsoft.com/entra/identity/monitoring-health/howto-analyze-provisioning-logs',
  },
  agentPrerequisites: {
    title: 'Agent prerequisites (ports, URLs)',
    url: 'https://learn.microsoft.com/entra/identity/hybrid/cloud-sync/how-to-prerequisites',
  },
} as const satisfies Record<string, Link>;

/*
 * Links every alert message carries (issue 10), besides the Cloud sync pane and the workbook below: the
 * job's provisioning logs. The admin center takes no filter in its URL, so the
 * message says which filter to set, and links the Graph query of the same filter in Graph Explorer.
 */

/** Entra admin center > Monitoring & health > Provisioning logs. */
export function provisioningLogsUrl(portalUrl: string): string {
  return `${base(portalUrl)}#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents`;
}

/**
 * The Graph query of a job's provisioning events (optionally one action), in Graph Explorer: a bare
 * graph.microsoft.com URL opened in a browser carries no token and answers 401; Graph Explorer signs
 * the reader in and runs it. jobId and provisioningAction support `contains` and `eq`
 * (provisioningObjectSummary). Events carry a longer job id than the jobs API, so the job is matched
 * with contains.
 */
export function provisioningQueryUrl(jobId: string, action?: 'delete' | 'stagedDelete'): string {
  const filter = `contains(jobId,'${jobId.replace(/'/g, "''")}')${action ? ` and provisioningAction eq '${action}'` : ''}`;
  return graphExplorerUrl(`auditLogs/provisioning?$filter=${filter}`);
}

/** A v1.0 GET request (path and query, not encoded) opened in Graph Explorer. */
function graphExplorerUrl(request: string): string {
  return `https://developer.microsoft.com/en-us/graph/graph-explorer?request=${encodeURIComponent(request)}&method=GET&version=v1.0&GraphUrl=${encodeURIComponent('https://graph.microsoft.com')}`;
}

function base(portalUrl: string): string {
  return portalUrl.endsWith('/') ? portalUrl : `${portalUrl}/`;
}

/* ------------------------------------------------------------------ links of the digest */

/**
 * The Cloud sync pane of the Entra admin center (Entra Connect > Cloud sync), which lists every
 * configuration by domain. The portal has no documented deep link to one configuration's page; this
 * blade is the one Microsoft's own docs link to (AADConnectMenuBlade), on its Cloud sync tab.
 */
export function cloudSyncPortalUrl(portalUrl: string = DEFAULT_PORTAL_URL): string | undefined {
  if (!isOwnUrl(portalUrl)) return undefined;
  const base = portalUrl.endsWith('/') ? portalUrl : `${portalUrl}/`;
  return `${base}#view/Microsoft_AAD_Connect_Provisioning/AADConnectMenuBlade/~/CloudSync`;
}

/**
 * The provisioning log of one configuration in a time window, as a Graph Explorer query (it signs the
 * reader in and runs it): GET /auditLogs/provisioning filtered by servicePrincipal/id (eq) and
 * activityDateTime (gt/lt), the filters the v1.0 docs list for provisioningObjectSummary.
 */
export function provisioningLogQueryUrl(
  servicePrincipalId: string,
  from: string,
  to: string,
): string | undefined {
  if (!/^[0-9a-f-]{36}$/i.test(servicePrincipalId)) return undefined;
  // Just before `from`: the docs list eq, gt and lt (no ge) for activityDateTime.
  const after = new Date(Date.parse(from) - 1).toISOString();
  const filter = [
    `servicePrincipal/id eq '${servicePrincipalId.toLowerCase()}'`,
    `activityDateTime gt ${after}`,
    `activityDateTime lt ${new Date(to).toISOString()}`,
  ].join(' and ');
  return graphExplorerUrl(`auditLogs/provisioning?$filter=${filter}`);
}

/** The monitor's workbook, where an alert is found by its id (Alerts > Alert history); undefined without one. */
export function workbookAlertUrl(workbookUrl: string | undefined): string | undefined {
  return isOwnUrl(workbookUrl) ? workbookUrl : undefined;
}
