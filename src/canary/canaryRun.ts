import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { CanaryEvidence } from '../domain/directoryCoverage.js';
import type { RunIssue } from '../domain/runIssue.js';
import { capFlat } from '../domain/text.js';
import { GraphRequestError } from '../graph/errors.js';
import type { GraphReader } from '../graph/graphReader.js';
import { SlidingWindowPacer } from '../graph/pacer.js';
import type { RecordSink } from '../sinks/sink.js';
import type { StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';
import type { CanaryRecord } from '../tables/definitions.js';
import { appendCanaryHistory, type CanarySample } from './canaryHistory.js';
import { readOnDemandResult } from './onDemandResult.js';
import type { CanaryObject, CanarySettings } from './settings.js';

/**
 * The end-to-end canary (issue 15 item 2, opt-in): each designated object is provisioned on demand
 * (`POST /servicePrincipals/{id}/synchronization/jobs/{jobId}/provisionOnDemand`) every
 * CANARY_INTERVAL_MINUTES, paced to the API's 5 requests per 10 s. The only check that proves the whole
 * path (cloud service, agent, AD, back to the cloud) works; its answer is a CloudSyncCanary_CL row, the
 * round trip a latency figure, and the result goes to the rules as evidence (Observations.canary).
 * This writes to the tenant: it runs only when CANARY_OBJECTS is set.
 */
export interface CanaryDependencies {
  readonly graph: GraphReader;
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly tenantId: string;
  readonly settings: CanarySettings;
}

export type CanaryResult = CanaryEvidence;

const ON_DEMAND_LIMIT = { requests: 5, windowMs: 10_000 };
const LAST_KEY = 'canary-last';
const evidenceSchema = z.object({
  servicePrincipalId: z.string(),
  jobId: z.string(),
  at: z.string(),
  outcome: z.enum(['success', 'failure', 'error', 'throttled']),
  errorCode: z.string().nullable(),
  failedStep: z.string().nullable(),
  agentStep: z.boolean(),
  roundTripMs: z.number(),
  objectId: z.string().optional(),
});
/** When each object was last sent, and its latest result (evidence stays until the next attempt). */
const lastSchema = z.object({
  v: z.literal(1),
  at: z.record(z.string(), z.string()),
  results: z.record(z.string(), evidenceSchema).default({}),
});

const keyOf = (o: CanaryObject): string => `${o.servicePrincipalId.toLowerCase()}|${o.jobId}|${o.objectId}`;

export async function runCanary(
  deps: CanaryDependencies,
  input: {
    readonly runId: string;
    readonly configurations: readonly { readonly servicePrincipalId: string; readonly name: string }[];
  },
): Promise<{ readonly results: readonly CanaryResult[]; readonly issues: readonly RunIssue[] }> {
  const { settings } = deps;
  if (settings.objects.length === 0) return { results: [], issues: [] };
  const now = deps.clock.now();
  const stateKey = { tenantId: deps.tenantId, name: LAST_KEY };
  // Which objects are due, claimed in one write (a run that dies after it waits one interval).
  const due = await updateState(
    deps.state,
    stateKey,
    lastSchema,
    (current) => {
      const at = { ...(current?.at ?? {}) };
      const picked = settings.objects.filter((o) => {
        const last = at[keyOf(o)];
        return !last || now.getTime() - Date.parse(last) >= settings.intervalMs;
      });
      for (const o of picked) at[keyOf(o)] = now.toISOString();
      return { value: { v: 1 as const, at, results: current?.results ?? {} }, result: picked };
    },
    { now },
  );
  const pacer = new SlidingWindowPacer(deps.clock, ON_DEMAND_LIMIT.requests, ON_DEMAND_LIMIT.windowMs);
  const results: CanaryResult[] = [];
  const rows: CanaryRecord[] = [];
  const issues: RunIssue[] = [];
  for (const o of due) {
    const done = await pacer.acquire();
    const sent = deps.clock.now();
    const name = input.configurations.find(
      (c) => c.servicePrincipalId.toLowerCase() === o.servicePrincipalId.toLowerCase(),
    )?.name;
    let row: Omit<CanaryRecord, 'RoundTripMs' | 'TimeGenerated'>;
    try {
      const body = await deps.graph.post(
        `/servicePrincipals/${encodeURIComponent(o.servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(o.jobId)}/provisionOnDemand`,
        {
          parameters: [
            { ruleId: o.ruleId, subjects: [{ objectId: o.objectId, objectTypeName: o.objectTypeName }] },
          ],
        },
      );
      const r = readOnDemandResult(body);
      row = base(deps, input.runId, o, name, {
        Outcome: r.outcome,
        Result: r.result,
        ErrorCode: r.errorCode,
        ErrorMessage: r.errorMessage,
        FailedStep: r.failedStep,
        AgentStep: r.agentStep,
        Steps: r.steps,
      });
    } catch (error) {
      const e = error instanceof GraphRequestError ? error : undefined;
      const outcome = e?.kind === 'throttled' ? 'throttled' : 'error';
      row = base(deps, input.runId, o, name, {
        Outcome: outcome,
        Result: null,
        ErrorCode: e?.code ?? (e?.status !== undefined ? `HTTP${e.status}` : 'RequestFailed'),
        ErrorMessage: capFlat(error instanceof Error ? error.message : String(error), 300),
        FailedStep: null,
        AgentStep: false,
        Steps: [],
      });
      issues.push({
        signal: 'jobs',
        severity: 'warning',
        code: e?.kind === 'forbidden' ? 'CanaryNotPermitted' : 'CanaryFailed',
        message: `the canary of ${name ?? o.servicePrincipalId} could not be provisioned on demand: ${row.ErrorMessage ?? ''}${e?.kind === 'forbidden' ? ' (needs Synchronization.ReadWrite.All)' : ''}`,
        target: name ?? o.servicePrincipalId,
      });
    } finally {
      done();
    }
    const roundTripMs = deps.clock.now().getTime() - sent.getTime();
    rows.push({ ...row, TimeGenerated: sent.toISOString(), RoundTripMs: roundTripMs });
    results.push({
      servicePrincipalId: o.servicePrincipalId.toLowerCase(),
      jobId: o.jobId,
      at: sent.toISOString(),
      outcome: row.Outcome as CanaryResult['outcome'],
      errorCode: row.ErrorCode,
      failedStep: row.FailedStep,
      agentStep: row.AgentStep === true,
      roundTripMs,
      objectId: o.objectId,
    });
  }
  if (rows.length > 0) await deps.sink.write('CloudSyncCanary_CL', rows);
  await appendCanaryHistory(
    deps.state,
    deps.tenantId,
    rows.map((r) => ({
      sp: r.ServicePrincipalId ?? '',
      name: r.ConfigurationName,
      at: r.TimeGenerated,
      outcome: r.Outcome as CanarySample['outcome'],
      ms: r.RoundTripMs ?? 0,
    })),
    deps.clock.now(),
  );
  // The latest result of every configured object, this run's or an earlier one's: the rules see a
  // failure until the next attempt says otherwise.
  const configured = new Set(settings.objects.map(keyOf));
  const latest = await updateState(
    deps.state,
    stateKey,
    lastSchema,
    (current) => {
      const kept = Object.fromEntries(
        Object.entries(current?.results ?? {}).filter(([key]) => configured.has(key)),
      );
      due.forEach((o, i) => {
        if (results[i]) kept[keyOf(o)] = results[i];
      });
      return {
        value: { v: 1 as const, at: current?.at ?? {}, results: kept },
        // A success stands as evidence until the next attempt is due (CANARY_INTERVAL_MINUTES).
        result: Object.values(kept).map((r) => ({ ...r, intervalMs: settings.intervalMs })),
      };
    },
    { now: deps.clock.now() },
  );
  return { results: latest, issues };
}

function base(
  deps: CanaryDependencies,
  runId: string,
  o: CanaryObject,
  name: string | undefined,
  fields: Pick<
    CanaryRecord,
    'Outcome' | 'Result' | 'ErrorCode' | 'ErrorMessage' | 'FailedStep' | 'AgentStep' | 'Steps'
  >,
): Omit<CanaryRecord, 'RoundTripMs' | 'TimeGenerated'> {
  return {
    AADTenantId: deps.tenantId,
    RunId: runId,
    ServicePrincipalId: o.servicePrincipalId.toLowerCase(),
    ConfigurationName: name ?? null,
    JobId: o.jobId,
    ObjectId: o.objectId,
    ...fields,
  };
}
