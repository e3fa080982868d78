import { oneLine } from '../domain/text.js';

/**
 * Pieces of the commands and URLs a message tells people to run. A command is only useful whole: ids go
 * in uncut (a job id is ~90 characters), and only when they are plain ids, since a value from Graph
 * pasted into a shell command must not be able to break out of it. Anything else becomes a placeholder
 * that says what to put there.
 */
const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** The id when it is a plain id (letters, digits, `.`, `_`, `-`), else `{placeholder}`. */
export function commandId(value: string | null | undefined, placeholder: string): string {
  return value && PLAIN_ID.test(value) ? value : `{${placeholder}}`;
}

/** An id shown as a fact: whole when plain, else one line and capped like any other directory text. */
export function idText(value: string | null | undefined, fallback = 'unknown'): string {
  if (!value) return fallback;
  return PLAIN_ID.test(value) ? value : oneLine(value, 200);
}

export const GRAPH_BASE = 'https://graph.microsoft.com/v1.0';

/** `https://graph.microsoft.com/v1.0/servicePrincipals/{sp}/synchronization/jobs/{job}`. */
export function graphJobUrl(
  servicePrincipalId: string | null | undefined,
  jobId: string | null | undefined,
): string {
  return `${GRAPH_BASE}/servicePrincipals/${commandId(servicePrincipalId, 'servicePrincipalId')}/synchronization/jobs/${commandId(jobId, 'jobId')}`;
}

/** A PowerShell single-quoted string literal (quotes doubled), for values we built. */
export function psString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A Microsoft Graph call as Microsoft Graph PowerShell commands, whole: sign in to the tenant with the
 * scope the call needs, then Invoke-MgGraphRequest with the full URL (and JSON body).
 */
export function graphPowerShell(
  tenantId: string | null | undefined,
  scope: string,
  method: 'POST',
  url: string,
  body?: unknown,
): string {
  return [
    `Connect-MgGraph -TenantId ${psString(commandId(tenantId, 'tenantId'))} -Scopes ${psString(scope)}`,
    `Invoke-MgGraphRequest -Method ${method} -Uri ${psString(url)}${body === undefined ? '' : ` -Body ${psString(JSON.stringify(body))} -ContentType 'application/json'`}`,
  ].join('\n');
}
