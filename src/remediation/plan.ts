import { detailsOf } from '../domain/alertDetails.js';
import type { Alert } from '../domain/alertModel.js';
import { templateFamily } from '../domain/jobTemplates.js';
import { REMEDIATION_ACTIONS, type RemediationAction, type RemediationSettings } from './settings.js';

/**
 * What each remediation does, to which alert it applies, and the one Graph request it makes (pure).
 * The same plan is shown on the confirmation page, printed by the CLI, sent, and written to the audit
 * row, so what the admin confirmed is what the tenant receives.
 *
 * - allow-deletes: a deletion-threshold trip; restart with resetScope ForceDeletes (the portal's "Allow
 *   deletes"; Graph synchronizationJobRestartCriteria).
 * - restart: a quarantined job, a job that stopped completing cycles, or a tripped deletion threshold
 *   whose cause was fixed (the portal's "Restart sync" rejects the deletes); restart with the scope the
 *   Graph docs' example uses, "Watermark, Escrows, QuarantineState", which is what the admin center's
 *   "Restart provisioning" does.
 * - provision: one object a sync-errors alert names, provisioned on demand (AD to Entra ID jobs).
 */
export const ACTION_LABELS: Readonly<Record<RemediationAction, string>> = {
  'allow-deletes': 'Allow the staged deletes',
  restart: 'Restart the job',
  provision: 'Provision this object now',
};

export const RESTART_SCOPE = 'Watermark, Escrows, QuarantineState';

export interface RemediationPlan {
  readonly action: RemediationAction;
  readonly method: 'POST';
  /** Graph path below the version, e.g. /servicePrincipals/{id}/synchronization/jobs/{jobId}/restart. */
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly servicePrincipalId: string;
  readonly configurationName: string | null;
  readonly jobId: string;
  /** provision: the alert's object (source id) and what is sent for it. */
  readonly object?: { readonly sourceId: string; readonly displayName: string | null; readonly dn: string };
  /** What the admin must type to confirm: the configuration's name, else the job id. */
  readonly confirmWord: string;
  /** One line for people: what happens in the tenant. */
  readonly effect: string;
}

export type PlanResult =
  | { readonly ok: true; readonly plan: RemediationPlan }
  | { readonly ok: false; readonly reason: string; readonly needs?: 'object' };

/** A failing object of a sync-errors alert, as the page lists them to choose from. */
export interface AlertObject {
  readonly sourceId: string;
  readonly displayName: string | null;
  readonly objectType: string | null;
}

const refuse = (reason: string): PlanResult => ({ ok: false, reason });
/** Refused until the person chooses an object of the alert (and gives its DN): the page asks for it. */
const needsObject = (reason: string): PlanResult => ({ ok: false, reason, needs: 'object' });

/** The actions whose kind fits the alert (whether the settings allow them is checked separately). */
export function applicableActions(alert: Alert): RemediationAction[] {
  return REMEDIATION_ACTIONS.filter((a) => kindProblem(alert, a) === undefined);
}

function kindProblem(alert: Alert, action: RemediationAction): string | undefined {
  const label = `"${ACTION_LABELS[action].toLowerCase()}"`;
  switch (action) {
    case 'allow-deletes':
      return alert.kind === 'deletion-threshold'
        ? undefined
        : `${label} applies to a deletion-threshold alert only; this is a ${alert.kind} alert.`;
    case 'restart': {
      if (alert.kind === 'sync-stalled') {
        return detailsOf('sync-stalled', alert)?.mode === 'paused'
          ? 'The job is paused: a restart does not start a paused job. Start it in the admin center (Start provisioning) if the pause is forgotten.'
          : undefined;
      }
      return ['job-quarantined', 'deletion-threshold'].includes(alert.kind)
        ? undefined
        : `${label} applies to job-quarantined, sync-stalled and deletion-threshold alerts, where a restart is Microsoft's documented fix; this is a ${alert.kind} alert.`;
    }
    case 'provision': {
      if (alert.kind !== 'sync-errors')
        return `${label} applies to a sync-errors alert only; this is a ${alert.kind} alert.`;
      const family = templateFamily(alert.subject.templateId ?? alert.subject.jobId);
      return family === 'AD2AAD'
        ? undefined
        : 'Provisioning on demand from an alert is offered for AD to Entra ID jobs only.';
    }
  }
}

/** The failing objects a sync-errors alert lists by name (the ones "provision" can be asked for). */
export function alertObjects(alert: Alert): AlertObject[] {
  const details = detailsOf('sync-errors', alert);
  if (!details) return [];
  const seen = new Set<string>();
  return details.groups.flatMap((g) =>
    g.objects.flatMap((o) => {
      if (seen.has(o.sourceId)) return [];
      seen.add(o.sourceId);
      return [{ sourceId: o.sourceId, displayName: o.displayName, objectType: o.objectType }];
    }),
  );
}

const DN = /^(?:CN|OU)=[^,]+(?:,[A-Za-z]+=[^,]+)*$/i;

/**
 * The plan of `action` for `alert`, or why not, in plain words. `object` and `dn` are for provision:
 * the source id of one of the alert's failing objects and its distinguished name in AD (what Graph's
 * provisionOnDemand takes for AD to Entra ID jobs; the provisioning log names objects by objectGUID).
 */
export function planRemediation(
  alert: Alert,
  action: RemediationAction,
  settings: Pick<RemediationSettings, 'ruleIds'>,
  input: { readonly object?: string | undefined; readonly dn?: string | undefined } = {},
): PlanResult {
  const problem = kindProblem(alert, action);
  if (problem) return refuse(problem);
  const { servicePrincipalId, jobId, configurationName } = alert.subject;
  if (!servicePrincipalId || !jobId)
    return refuse(
      'The alert does not name its job (service principal and job id), so there is nothing to act on.',
    );
  const job = `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(jobId)}`;
  const common = {
    action,
    method: 'POST' as const,
    servicePrincipalId,
    configurationName: configurationName ?? null,
    jobId,
    confirmWord: configurationName ?? jobId,
  };
  const name = configurationName ?? jobId;
  if (action === 'allow-deletes') {
    const staged = detailsOf('deletion-threshold', alert)?.stagedDeletes.count;
    return {
      ok: true,
      plan: {
        ...common,
        path: `${job}/restart`,
        body: { criteria: { resetScope: 'ForceDeletes' } },
        effect: `The job of ${name} restarts and deletes the objects it staged for deletion${staged !== undefined ? ` (about ${staged})` : ''}. This cannot be undone from here.`,
      },
    };
  }
  if (action === 'restart') {
    return {
      ok: true,
      plan: {
        ...common,
        path: `${job}/restart`,
        body: { criteria: { resetScope: RESTART_SCOPE } },
        effect: `The job of ${name} restarts as "Restart provisioning" in the admin center does: the quarantine is lifted, failed objects are retried and every object in scope is evaluated again.${alert.kind === 'deletion-threshold' ? ' The staged deletes are not forced: if their cause is not fixed, the threshold trips again.' : ''}`,
      },
    };
  }
  const objects = alertObjects(alert);
  if (objects.length === 0) return refuse('This alert lists no failing object by name to provision.');
  if (!input.object) return needsObject('Choose which of the alert\u2019s failing objects to provision.');
  const object = objects.find((o) => o.sourceId.toLowerCase() === input.object?.toLowerCase());
  if (!object) return needsObject('That object is not one this alert names as failing.');
  const type = object.objectType?.toLowerCase();
  if (type !== 'user' && type !== 'group')
    return needsObject(
      `Only users and groups can be provisioned on demand; this object is a ${object.objectType ?? 'object of unknown type'}.`,
    );
  const dn = (input.dn ?? '').trim();
  if (!dn)
    return needsObject(
      'Give the object\u2019s distinguished name in AD (e.g. CN=Name,OU=Users,DC=contoso,DC=com): provisionOnDemand takes it, and the provisioning log names the object only by its objectGUID.',
    );
  if (dn.length > 400 || !DN.test(dn))
    return needsObject('That is not a distinguished name such as CN=Name,OU=Users,DC=contoso,DC=com.');
  const ruleId = settings.ruleIds[jobId];
  if (!ruleId)
    return refuse(
      `No synchronization rule id is set for job ${jobId}: add it to REMEDIATION_RULE_IDS ({"${jobId}": "<ruleId>"}; the rule id is synchronizationRules[].id of GET ${job}/schema).`,
    );
  return {
    ok: true,
    plan: {
      ...common,
      path: `${job}/provisionOnDemand`,
      body: { parameters: [{ ruleId, subjects: [{ objectId: dn, objectTypeName: type }] }] },
      object: { sourceId: object.sourceId, displayName: object.displayName, dn },
      effect: `${object.displayName ?? object.sourceId} is provisioned now by the job of ${name}, outside its schedule; the answer says step by step what happened.`,
    },
  };
}
