import type { GraphReader } from '../graph/graphReader.js';
import { GraphRequestError } from '../graph/errors.js';
import { AGENTS_PATH } from '../collect/agents.js';
import { CredentialsError } from '../graph/credentialFailure.js';

/** The token failure inside a Graph error (the client wraps what the credential threw, by name). */
function credentialsFailure(error: unknown): Error | undefined {
  if (error instanceof GraphRequestError && error.code === 'CredentialsError') return error;
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof CredentialsError) return e;
  return undefined;
}

/**
 * `tenants test`: can the monitor read what it needs in a customer tenant? One small request per
 * signal (configurations and jobs, provisioning logs, agents), each told as ok or what is missing and
 * how to fix it. Missing admin consent shows up before Graph (the token request fails with an AADSTS
 * code) or as a 403 for one permission; both point at the admin-consent URL.
 */
export interface ProbeCheck {
  readonly signal: 'token' | 'jobs' | 'provisioning' | 'agents';
  readonly ok: boolean;
  /** ok: what was seen; not ok: what is missing, in plain words. */
  readonly detail: string;
  /** Not ok and fixed by an administrator of the tenant granting consent. */
  readonly needsConsent?: boolean;
  /** Expected and harmless (agents are not readable app-only). */
  readonly expected?: boolean;
}

export interface ProbeResult {
  readonly checks: readonly ProbeCheck[];
  readonly consentUrl: string;
  /** Every signal the monitor needs can be read (agents app-only being the known exception). */
  readonly ok: boolean;
}

/** The permission each signal needs (application permissions of the multi-tenant app). */
const PERMISSION = {
  jobs: 'Synchronization.Read.All (and Directory.Read.All to list the service principals)',
  provisioning: 'AuditLog.Read.All',
  agents: 'a delegated token (the agents API does not accept app-only tokens)',
} as const;

/** The v1 admin-consent endpoint: an administrator of `tenantId` consents for the whole tenant. */
export function adminConsentUrl(authorityHost: string, tenantId: string, clientId: string): string {
  return `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/adminconsent?client_id=${encodeURIComponent(clientId)}`;
}

/** What an AADSTS code from the token request means for an MSP's app in a customer tenant. */
export function explainTokenFailure(message: string): { detail: string; needsConsent: boolean } {
  const code = /AADSTS(\d+)/.exec(message)?.[1];
  switch (code) {
    case '700016':
      return {
        detail:
          'the app is not known in this tenant (AADSTS700016): no administrator has consented to it there yet',
        needsConsent: true,
      };
    case '65001':
      return { detail: 'admin consent has not been granted (AADSTS65001)', needsConsent: true };
    case '7000215':
    case '7000222':
      return {
        detail: 'the client secret is wrong or expired (AADSTS' + code + '): renew it in Key Vault',
        needsConsent: false,
      };
    case '700027':
    case '700024':
      return {
        detail: `the certificate or client assertion was refused (AADSTS${code}): check FLEET_CERTIFICATE_PATH and the app's certificates`,
        needsConsent: false,
      };
    case '70021':
      return {
        detail:
          "no federated credential of the app matches the Function App's managed identity (AADSTS70021)",
        needsConsent: false,
      };
    case '90002':
    case '90072':
      return {
        detail: `the tenant id is not a tenant the app can sign in to (AADSTS${code})`,
        needsConsent: false,
      };
    default:
      return { detail: `no token: ${message.split('\n')[0]?.slice(0, 300) ?? ''}`, needsConsent: false };
  }
}

export async function probeTenant(
  graph: GraphReader,
  options: {
    tenantId: string;
    clientId: string;
    authorityHost: string;
    /** A configuration (service principal id) whose jobs to read; default: only list service principals. */
    configurationId?: string;
  },
): Promise<ProbeResult> {
  const consentUrl = adminConsentUrl(options.authorityHost, options.tenantId, options.clientId);
  const checks: ProbeCheck[] = [];
  const attempt = async (
    signal: 'jobs' | 'provisioning' | 'agents',
    read: () => Promise<string>,
  ): Promise<boolean> => {
    try {
      checks.push({ signal, ok: true, detail: await read() });
      return true;
    } catch (error) {
      if (!(error instanceof GraphRequestError) || credentialsFailure(error)) {
        // No token at all: say it once, as the token check, and stop (every signal would say the same).
        const failure = credentialsFailure(error) ?? error;
        checks.push({
          signal: 'token',
          ok: false,
          ...explainTokenFailure(failure instanceof Error ? failure.message : String(failure)),
        });
        return false;
      }
      if (error.kind === 'forbidden') {
        if (signal === 'agents') {
          checks.push({
            signal,
            ok: false,
            expected: true,
            detail: `not readable app-only (needs ${PERMISSION.agents}); heartbeats and job error codes cover agents`,
          });
        } else {
          checks.push({
            signal,
            ok: false,
            needsConsent: true,
            detail: `403 ${error.code ?? ''}: ${PERMISSION[signal]} is not granted`,
          });
        }
        return true;
      }
      checks.push({
        signal,
        ok: false,
        detail: `${error.status ?? ''} ${error.code ?? error.kind}: ${error.message}`.trim(),
      });
      return true;
    }
  };
  const go = await attempt('jobs', async () => {
    const page = (await graph.get(
      '/servicePrincipals?$select=id,displayName,applicationTemplateId&$top=1',
    )) as { value?: unknown[] };
    if (!options.configurationId)
      return `service principals readable (${page.value?.length ?? 0} on the first page)`;
    const jobs = (await graph.get(
      `/servicePrincipals/${encodeURIComponent(options.configurationId)}/synchronization/jobs`,
    )) as { value?: unknown[] };
    return `${jobs.value?.length ?? 0} sync jobs of configuration ${options.configurationId}`;
  });
  if (go) {
    await attempt('provisioning', async () => {
      const page = (await graph.get('/auditLogs/provisioning?$top=1')) as { value?: unknown[] };
      return `provisioning logs readable (${page.value?.length ?? 0} event on the first page)`;
    });
    await attempt('agents', async () => {
      const page = (await graph.get(AGENTS_PATH, 'beta')) as { value?: unknown[] };
      return `${page.value?.length ?? 0} provisioning agents`;
    });
  }
  const ok = checks.every((c) => c.ok || c.expected === true);
  return { checks, consentUrl, ok };
}
