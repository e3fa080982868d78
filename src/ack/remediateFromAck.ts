import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { ackResultPage } from '../render/ackPage.js';
import { alertObjects } from '../remediation/plan.js';
import {
  prepareRemediation,
  remediate,
  type RemediationGraph,
  type RemediationOutcome,
} from '../remediation/remediate.js';
import { isRemediationAction, type RemediationSettings } from '../remediation/settings.js';
import type { RecordSink } from '../sinks/sink.js';
import type { StateStore } from '../state/store.js';
import { chooseObjectPage, confirmationPage } from './remediationPages.js';

/**
 * Remediation from the acknowledge link (issue 15 item 4). The token has been checked by handleAck
 * (constant-time signature, expiry, tenant); it names the alert and carries its version when the link
 * was made. GET shows what would be sent; only the POST sends, after every check again.
 */
export interface RemediateFromAckDependencies {
  readonly tenantId: string;
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly log: Logger;
  readonly remediation: RemediationSettings;
  /** The Graph root the request goes to (shown on the page). */
  readonly graphBaseUrl: string;
  readonly remediationGraph: () => Promise<RemediationGraph>;
}

export interface LinkPayload {
  readonly alertId: string;
  readonly alertVersion?: string;
}

export interface RemediationQuery {
  readonly action: string;
  readonly object?: string | undefined;
  readonly dn?: string | undefined;
}

type Page = { readonly status: number; readonly html: string };

const notPossible = (reason: string, status = 409): Page => ({
  status,
  html: ackResultPage('Not possible', reason),
});

/** GET ?token=...&remediate=ACTION: the confirmation page (or the object form, or why not). Sends nothing. */
export async function showRemediation(
  deps: RemediateFromAckDependencies,
  link: LinkPayload,
  token: string,
  query: RemediationQuery,
): Promise<Page> {
  if (!isRemediationAction(query.action)) return notPossible('There is no such action.', 400);
  const prepared = await prepareRemediation(
    { tenantId: deps.tenantId, state: deps.state, settings: deps.remediation },
    {
      alertId: link.alertId,
      action: query.action,
      object: query.object,
      dn: query.dn,
      seenVersion: link.alertVersion ?? null,
    },
  );
  if (!prepared.ok) {
    const alert = prepared.alert;
    // provision without a valid object or its DN yet: ask for them (the reason says what is missing).
    if (alert && prepared.needs === 'object')
      return {
        status: 200,
        html: chooseObjectPage({
          token,
          alert,
          objects: alertObjects(alert),
          ...(query.object || query.dn ? { problem: prepared.reason } : {}),
        }),
      };
    return notPossible(prepared.reason, deps.remediation.actions.includes(query.action) ? 409 : 403);
  }
  const url = `${deps.graphBaseUrl}/v1.0${prepared.plan.path}`;
  return { status: 200, html: confirmationPage({ token, alert: prepared.alert, plan: prepared.plan, url }) };
}

/** POST action=remediate: every check again, then the one request; always audited. */
export async function performRemediation(
  deps: RemediateFromAckDependencies,
  link: LinkPayload,
  form: RemediationQuery & { readonly by: string | null; readonly confirm: string | null },
): Promise<Page> {
  if (!isRemediationAction(form.action)) return notPossible('There is no such action.', 400);
  const by = (form.by ?? '').trim();
  if (!by) return notPossible('Say who you are: the attempt is recorded with your name.', 400);
  const outcome = await remediate(
    { ...deps, settings: deps.remediation, graph: deps.remediationGraph },
    {
      alertId: link.alertId,
      action: form.action,
      object: form.object,
      dn: form.dn,
      actor: by,
      via: 'ack-page',
      seenVersion: link.alertVersion ?? null,
      confirmation: { typed: form.confirm ?? '' },
    },
  );
  return resultPage(outcome);
}

function resultPage(outcome: RemediationOutcome): Page {
  const title = { performed: 'Done', refused: 'Not sent', failed: 'Failed' }[outcome.outcome];
  const status = { performed: 200, refused: 409, failed: 502 }[outcome.outcome];
  return { status, html: ackResultPage(title, outcome.message) };
}
