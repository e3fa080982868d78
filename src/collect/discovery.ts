import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { GraphReader } from '../graph/graphReader.js';
import { servicePrincipalSummary } from '../graph/schemas/servicePrincipal.js';
import { corruptStateIssue } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';
import { looksLikeCloudSyncServicePrincipal } from './cloudSync.js';
import { issueFrom, type RunIssue } from './runErrors.js';

/** A Cloud Sync configuration: one service principal per AD domain, holding its sync jobs. */
export interface Configuration {
  readonly servicePrincipalId: string;
  readonly name: string;
}

const DISCOVERY_KEY = 'collect-discovery';

const discoveryState = z.object({
  discoveredAt: z.iso.datetime(),
  source: z.enum(['settings', 'graph']),
  configurations: z.array(z.object({ servicePrincipalId: z.string(), name: z.string() })),
});

const SELECT = 'id,appId,displayName,appDisplayName,applicationTemplateId,servicePrincipalNames';

export interface DiscoveryInput {
  readonly tenantId: string;
  readonly graph: GraphReader;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly explicitIds: readonly string[] | undefined;
  readonly refreshMs: number;
}

export interface DiscoveryResult {
  readonly configurations: readonly Configuration[];
  readonly refreshed: boolean;
  readonly issues: readonly RunIssue[];
}

/**
 * Finds the Cloud Sync configurations without asking every service principal for jobs: one paged,
 * $select-ed listing of service principals matched locally, cached for `refreshMs`. Graph offers no
 * filter that reliably selects Cloud Sync service principals (applicationTemplateId is often null).
 */
export async function discoverConfigurations(input: DiscoveryInput): Promise<DiscoveryResult> {
  const key = { tenantId: input.tenantId, name: DISCOVERY_KEY };
  const wanted = input.explicitIds ? 'settings' : 'graph';
  // A corrupt cache is simply rebuilt (the write below sets it aside); an unreadable one too.
  const stored = await readStoredState(input.state, key, discoveryState);
  const cached = stored.kind === 'found' ? stored.value : undefined;
  const now = input.clock.now().getTime();
  const sameIds =
    !input.explicitIds ||
    (cached?.configurations.length === input.explicitIds.length &&
      input.explicitIds.every((id) => cached?.configurations.some((c) => c.servicePrincipalId === id)));
  if (
    cached &&
    cached.source === wanted &&
    sameIds &&
    now - Date.parse(cached.discoveredAt) < input.refreshMs
  ) {
    return { configurations: cached.configurations, refreshed: false, issues: [] };
  }

  let configurations: Configuration[];
  const issues: RunIssue[] = [];
  try {
    configurations = input.explicitIds
      ? await describeListed(input.graph, input.explicitIds, issues)
      : await listCloudSyncServicePrincipals(input.graph);
  } catch (error) {
    const issue = issueFrom('discovery', error);
    // Stale knowledge of which configurations exist beats none: jobs are still read from the cache.
    if (cached)
      return {
        configurations: cached.configurations,
        refreshed: false,
        issues: [{ ...issue, severity: 'warning' }],
      };
    return { configurations: [], refreshed: false, issues: [issue] };
  }
  const value = { discoveredAt: new Date(now).toISOString(), source: wanted, configurations };
  try {
    // The fresh listing replaces whatever is stored, whoever wrote it meanwhile.
    const corrupt = await updateState(
      input.state,
      key,
      discoveryState,
      (_current, context) => ({ value, result: context.corrupt }),
      { now: new Date(now) },
    );
    if (corrupt) issues.push(corruptStateIssue(corrupt));
  } catch (error) {
    issues.push({ ...issueFrom('state', error, DISCOVERY_KEY), severity: 'warning' });
  }
  return { configurations, refreshed: true, issues };
}

async function listCloudSyncServicePrincipals(graph: GraphReader): Promise<Configuration[]> {
  const found: Configuration[] = [];
  for await (const page of graph.pages(`/servicePrincipals?$select=${SELECT}&$top=999`)) {
    for (const item of page.value) {
      const sp = servicePrincipalSummary.safeParse(item);
      if (sp.success && looksLikeCloudSyncServicePrincipal(sp.data)) {
        found.push({ servicePrincipalId: sp.data.id, name: sp.data.displayName ?? sp.data.id });
      }
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Listed ids are trusted; only their names are looked up, and a failed look-up leaves the id as the name. */
async function describeListed(
  graph: GraphReader,
  ids: readonly string[],
  issues: RunIssue[],
): Promise<Configuration[]> {
  const found: Configuration[] = [];
  for (const id of ids) {
    try {
      const body = await graph.get(`/servicePrincipals/${encodeURIComponent(id)}?$select=id,displayName`);
      const sp = servicePrincipalSummary.parse(body);
      found.push({ servicePrincipalId: id, name: sp.displayName ?? id });
    } catch (error) {
      issues.push({ ...issueFrom('discovery', error, id), severity: 'warning' });
      found.push({ servicePrincipalId: id, name: id });
    }
  }
  return found;
}
