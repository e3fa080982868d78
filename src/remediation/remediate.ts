import { randomUUID } from 'node:crypto';
import { ALERT_BOOK_KEY, alertBook } from '../alerts/book.js';
import { readOnDemandResult } from '../canary/onDemandResult.js';
import type { Clock } from '../clock.js';
import { endedAt, type Alert } from '../domain/alertModel.js';
import { capFlat } from '../domain/text.js';
import { GraphRequestError } from '../graph/errors.js';
import type { Logger } from '../log.js';
import type { RecordSink } from '../sinks/sink.js';
import { readValidated, type StateStore } from '../state/store.js';
import type { RemediationRecord } from '../tables/definitions.js';
import { alertVersion } from './alertVersion.js';
import { noteOnAlert } from './audit.js';
import { ACTION_LABELS, planRemediation, type RemediationPlan } from './plan.js';
import type { RemediationAction, RemediationSettings } from './settings.js';

/**
 * One remediation attempt (issue 15 item 4), from the ack page or the CLI: checked (the setting, the
 * alert is open and unchanged, the action fits it, the admin confirmed), then sent to Graph, and in every
 * case audited (src/remediation/audit.ts). This is the only code besides the canary that writes to the
 * tenant, and it sends nothing unless REMEDIATION allows the action.
 */
export interface RemediationGraph {
  post(path: string, body: unknown): Promise<unknown>;
}

export interface RemediationDependencies {
  readonly tenantId: string;
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: RemediationSettings;
  /** Built only when a request is sent, so a refusal needs no credential. */
  readonly graph: () => Promise<RemediationGraph>;
}

export interface RemediationRequest {
  readonly alertId: string;
  readonly action: RemediationAction;
  readonly object?: string | undefined;
  readonly dn?: string | undefined;
  readonly actor: string;
  readonly via: 'ack-page' | 'cli';
  /**
   * The alert's version the admin saw: from the signed link (null: a link made before links carried
   * it), or the one the CLI printed (--alert-version); undefined: the CLI without it (checked now).
   */
  readonly seenVersion?: string | null;
  /** ack page: the text typed into the confirmation box; cli: --confirm. */
  readonly confirmation: { readonly typed: string } | { readonly flag: true };
}

export type RemediationOutcome = {
  readonly outcome: 'performed' | 'refused' | 'failed';
  /** Plain words: why it was refused or failed, or what happened. */
  readonly message: string;
  readonly plan?: RemediationPlan;
  readonly alert?: Alert;
};

/** The alert of a request and the plan, or why not: what the confirmation page and the CLI show. */
export async function prepareRemediation(
  deps: Pick<RemediationDependencies, 'tenantId' | 'state' | 'settings'>,
  request: Pick<RemediationRequest, 'alertId' | 'action' | 'object' | 'dn' | 'seenVersion'>,
): Promise<
  | { readonly ok: true; readonly alert: Alert; readonly plan: RemediationPlan }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly alert?: Alert;
      /** The request lacks the object to act on (and its DN): the page asks for it. */
      readonly needs?: 'object';
    }
> {
  const label = ACTION_LABELS[request.action];
  const book = await readValidated(deps.state, { tenantId: deps.tenantId, name: ALERT_BOOK_KEY }, alertBook);
  const alert = book?.value.alerts.find((a) => a.id === request.alertId);
  // The setting first: while it is off, nothing about the alert matters (the refusal is still noted on it).
  if (!deps.settings.actions.includes(request.action)) {
    return {
      ok: false,
      ...(alert ? { alert } : {}),
      reason:
        deps.settings.actions.length === 0
          ? `Remediation is off: nothing is sent to the tenant. To allow "${label.toLowerCase()}", set REMEDIATION=on (or list ${request.action}) and grant the app Synchronization.ReadWrite.All.`
          : `"${label}" is not among the allowed actions (REMEDIATION=${deps.settings.actions.join(',')}).`,
    };
  }
  if (!alert) return { ok: false, reason: 'There is no open alert with this id: nothing to act on.' };
  if (alert.state === 'resolved')
    return {
      ok: false,
      alert,
      reason: `This alert resolved at ${endedAt(alert) ?? alert.lastChangedAt}: nothing to act on.`,
    };
  if (request.seenVersion === null)
    return {
      ok: false,
      alert,
      reason:
        'This link was made before links carried the state of the alert, so it cannot confirm what you saw. Use the link of a newer message, or the CLI.',
    };
  if (request.seenVersion !== undefined && request.seenVersion !== alertVersion(alert))
    return {
      ok: false,
      alert,
      reason: `The alert has changed since this link was made (now ${alert.state}, ${alert.severity}: ${alert.summary}; last change ${alert.lastChangedAt}). Nothing was sent. Look at it again and use the link of its latest message.`,
    };
  const planned = planRemediation(alert, request.action, deps.settings, request);
  if (planned.ok) return { ok: true, alert, plan: planned.plan };
  return { ok: false, alert, reason: planned.reason, ...(planned.needs ? { needs: planned.needs } : {}) };
}

export async function remediate(
  deps: RemediationDependencies,
  request: RemediationRequest,
): Promise<RemediationOutcome> {
  const at = deps.clock.now();
  const prepared = await prepareRemediation(deps, request);
  const alert = prepared.alert;
  const plan = prepared.ok ? prepared.plan : undefined;
  let outcome: RemediationOutcome;
  let response: { status: number | null; errorCode: string | null; result: unknown } = {
    status: null,
    errorCode: null,
    result: null,
  };
  if (!prepared.ok) {
    outcome = { outcome: 'refused', message: prepared.reason, ...(alert ? { alert } : {}) };
  } else if (!confirmed(request.confirmation, prepared.plan)) {
    outcome = {
      outcome: 'refused',
      message: `Not confirmed: type ${prepared.plan.confirmWord} exactly to confirm. Nothing was sent.`,
      plan: prepared.plan,
      alert: prepared.alert,
    };
  } else {
    const sent = await send(deps, prepared.plan);
    response = sent.response;
    outcome = { ...sent.outcome, plan: prepared.plan, alert: prepared.alert };
  }
  const row: RemediationRecord = {
    TimeGenerated: at.toISOString(),
    AADTenantId: deps.tenantId,
    AttemptId: randomUUID(),
    AlertId: alert?.id ?? request.alertId,
    AlertKind: alert?.kind ?? null,
    Action: request.action,
    Outcome: outcome.outcome,
    Reason: outcome.outcome === 'performed' ? null : capFlat(outcome.message, 500),
    Actor: capFlat(request.actor, 200),
    Via: request.via,
    ServicePrincipalId: alert?.subject.servicePrincipalId ?? null,
    ConfigurationName: alert?.subject.configurationName ?? null,
    JobId: alert?.subject.jobId ?? null,
    ObjectId: plan?.object?.sourceId ?? (request.object ? capFlat(request.object, 100) : null),
    RequestMethod: plan?.method ?? null,
    RequestPath: plan?.path ?? null,
    RequestBody: plan?.body ?? null,
    ResponseStatus: response.status,
    ErrorCode: response.errorCode,
    Result: response.result,
  };
  await deps.sink.write('CloudSyncRemediation_CL', [row]);
  if (alert) {
    await noteOnAlert(
      deps.state,
      deps.tenantId,
      alert.id,
      {
        at: at.toISOString(),
        action: request.action,
        outcome: outcome.outcome,
        by: request.actor,
        via: request.via,
        ...(outcome.outcome === 'performed' ? {} : { reason: outcome.message }),
      },
      deps.clock.now(),
    );
  }
  deps.log.info(
    `remediation ${request.action} of alert ${request.alertId} by ${request.actor}: ${outcome.outcome}`,
  );
  return outcome;
}

/**
 * A remediation POST whose link could not be read (bad signature, expired, another tenant's): nothing
 * was sent and no alert is known; the attempt is still a row.
 */
export async function auditRefusedLink(
  deps: Pick<RemediationDependencies, 'tenantId' | 'sink' | 'clock'>,
  input: { readonly action: string; readonly actor: string; readonly reason: string },
): Promise<void> {
  await deps.sink.write('CloudSyncRemediation_CL', [
    {
      TimeGenerated: deps.clock.now().toISOString(),
      AADTenantId: deps.tenantId,
      AttemptId: randomUUID(),
      AlertId: '',
      AlertKind: null,
      Action: capFlat(input.action, 40),
      Outcome: 'refused',
      Reason: input.reason,
      Actor: capFlat(input.actor, 200),
      Via: 'ack-page',
      ServicePrincipalId: null,
      ConfigurationName: null,
      JobId: null,
      ObjectId: null,
      RequestMethod: null,
      RequestPath: null,
      RequestBody: null,
      ResponseStatus: null,
      ErrorCode: null,
      Result: null,
    },
  ]);
}

function confirmed(confirmation: RemediationRequest['confirmation'], plan: RemediationPlan): boolean {
  if ('flag' in confirmation) return confirmation.flag;
  return confirmation.typed.trim().toLowerCase() === plan.confirmWord.trim().toLowerCase();
}

async function send(
  deps: RemediationDependencies,
  plan: RemediationPlan,
): Promise<{
  outcome: Pick<RemediationOutcome, 'outcome' | 'message'>;
  response: { status: number | null; errorCode: string | null; result: unknown };
}> {
  try {
    const graph = await deps.graph();
    const body = await graph.post(plan.path, plan.body);
    if (plan.action !== 'provision') {
      return {
        outcome: { outcome: 'performed', message: `Done: Graph accepted the request. ${plan.effect}` },
        response: { status: 204, errorCode: null, result: null },
      };
    }
    const r = readOnDemandResult(body);
    const steps = r.steps.map((s) => ({ name: s.name, type: s.type, status: s.status }));
    return r.outcome === 'success'
      ? {
          outcome: { outcome: 'performed', message: `Done: provisioned (${r.result}).` },
          response: { status: 200, errorCode: null, result: steps },
        }
      : {
          outcome: {
            outcome: 'failed',
            message: `Graph answered ${r.result}${r.failedStep ? ` at step ${r.failedStep}` : ''}${r.errorCode ? `: ${r.errorCode}` : ''}${r.errorMessage ? ` (${r.errorMessage})` : ''}.`,
          },
          response: { status: 200, errorCode: r.errorCode, result: steps },
        };
  } catch (error) {
    const e = error instanceof GraphRequestError ? error : undefined;
    const hint =
      e?.kind === 'forbidden'
        ? ' The app needs the application permission Synchronization.ReadWrite.All for this.'
        : '';
    const detail = capFlat(error instanceof Error ? error.message : String(error), 300) ?? '';
    // A 5xx or no answer can come after Graph did the write: say so, since it is not sent again.
    const unconfirmed = e === undefined || e.status === undefined || e.status >= 500;
    return {
      outcome: {
        outcome: 'failed',
        message: unconfirmed
          ? `Graph did not confirm the request (${detail}): it may have been done or not, and it is not sent again. Look at the job in the Entra admin center before trying once more.`
          : `Graph refused the request: ${detail}.${hint}`,
      },
      response: { status: e?.status ?? null, errorCode: e?.code ?? null, result: null },
    };
  }
}
