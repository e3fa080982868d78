import { z } from 'zod';
import type { GraphReader } from '../graph/graphReader.js';
import { GraphRequestError } from '../graph/errors.js';
import { onPremisesAgent } from '../graph/schemas/onPremisesAgent.js';
import type { AgentRecord } from '../tables/definitions.js';
import { issueFrom, type RunIssue } from './runErrors.js';
import { canonical, spellings, type UnknownValues } from './unknownValues.js';

const AGENT_STATUS = spellings('active', 'inactive');

export const AGENTS_PATH = "/onPremisesPublishingProfiles('provisioning')/agents?$expand=agentGroups";

/** How often to ask again once the agents API refused us (app-only tokens are not supported there). */
const UNAVAILABLE_RECHECK_MS = 60 * 60_000;

export const agentState = z.object({
  api: z.enum(['available', 'unavailable']).optional(),
  checkedAt: z.iso.datetime().optional(),
  lastSeenActive: z.record(z.string(), z.iso.datetime()).default({}),
});
export type AgentState = z.infer<typeof agentState>;

export interface AgentsResult {
  readonly records: AgentRecord[];
  readonly issues: RunIssue[];
  /** `unavailable`: 401/403 (app-only mode); `skipped`: not asked this run; `failed`: could not check. */
  readonly api: 'available' | 'unavailable' | 'skipped' | 'failed' | 'off';
  readonly state: AgentState;
}

/**
 * Agents from the beta agents API. Microsoft documents no application permission for it, so with a
 * managed identity it answers 401/403: that is recorded once as "unavailable in app-only mode", and
 * agent health then comes from job error codes and heartbeats instead. It never fails the run.
 */
export async function collectAgents(input: {
  tenantId: string;
  runId: string;
  at: Date;
  graph: GraphReader;
  previous: AgentState;
  mode: 'auto' | 'off';
  unknown: UnknownValues;
}): Promise<AgentsResult> {
  const { previous, at } = input;
  if (input.mode === 'off') return { records: [], issues: [], api: 'off', state: previous };
  const recheckDue =
    previous.api !== 'unavailable' ||
    !previous.checkedAt ||
    at.getTime() - Date.parse(previous.checkedAt) >= UNAVAILABLE_RECHECK_MS;
  if (!recheckDue) return { records: [], issues: [], api: 'skipped', state: previous };

  const items: unknown[] = [];
  try {
    for await (const page of input.graph.pages(AGENTS_PATH, 'beta')) items.push(...page.value);
  } catch (error) {
    if (error instanceof GraphRequestError && (error.kind === 'auth' || error.kind === 'forbidden')) {
      const firstTime = previous.api !== 'unavailable';
      const issues: RunIssue[] = firstTime
        ? [
            {
              signal: 'agents',
              severity: 'info',
              code: 'AgentApiUnavailable',
              message:
                'agent API unavailable in app-only mode: Graph allows reading provisioning agents with delegated permissions only; ' +
                'agent health comes from job error codes and agent heartbeats instead',
            },
          ]
        : [];
      return {
        records: [],
        issues,
        api: 'unavailable',
        state: { ...previous, api: 'unavailable', checkedAt: at.toISOString() },
      };
    }
    return { records: [], issues: [issueFrom('agents', error)], api: 'failed', state: previous };
  }

  const records: AgentRecord[] = [];
  const issues: RunIssue[] = [];
  const lastSeenActive: Record<string, string> = {};
  for (const item of items) {
    const parsed = onPremisesAgent.safeParse(item);
    if (!parsed.success) {
      issues.push({
        signal: 'agents',
        severity: 'warning',
        code: 'MalformedAgent',
        message: `an agent was skipped: ${parsed.error.issues[0]?.message}`,
      });
      continue;
    }
    const agent = parsed.data;
    const status = canonical(AGENT_STATUS, 'agent.status', agent.status, input.unknown);
    const seen = status === 'active' ? at.toISOString() : previous.lastSeenActive[agent.id];
    if (seen) lastSeenActive[agent.id] = seen;
    records.push({
      TimeGenerated: at.toISOString(),
      AADTenantId: input.tenantId,
      RunId: input.runId,
      AgentId: agent.id,
      MachineName: agent.machineName ?? null,
      ExternalIp: agent.externalIp ?? null,
      Status: status,
      AgentGroups: (agent.agentGroups ?? []).map((g) => ({ id: g.id, displayName: g.displayName ?? null })),
      Source: 'graph',
      LastSeenActive: seen ?? null,
      AgentVersion: null,
      ServiceStates: null,
    });
  }
  return {
    records,
    issues,
    api: 'available',
    state: { api: 'available', checkedAt: at.toISOString(), lastSeenActive },
  };
}
