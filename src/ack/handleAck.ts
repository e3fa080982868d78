import {
  acknowledge,
  AlertNotFoundError,
  AlreadyAcknowledgedError,
  isSilenced,
  silencedText,
} from '../alerts/ack.js';
import { verifyAckToken } from '../alerts/ackToken.js';
import { alertBook, ALERT_BOOK_KEY } from '../alerts/book.js';
import type { AlertSettings } from '../alerts/settings.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { ackFormPage, ackResultPage, ACK_DURATIONS, type AckDuration } from '../render/ackPage.js';
import type { RecordSink } from '../sinks/sink.js';
import { readValidated, type StateStore } from '../state/store.js';
import { applicableActions } from '../remediation/plan.js';
import { auditRefusedLink, type RemediationGraph } from '../remediation/remediate.js';
import type { RemediationSettings } from '../remediation/settings.js';
import { remediationSection } from './remediationPages.js';
import {
  performRemediation,
  showRemediation,
  type LinkPayload,
  type RemediationQuery,
} from './remediateFromAck.js';
import { silenceChoices, silenceFromAck, type SilenceForm } from './silenceFromAck.js';

export interface AckDependencies {
  readonly settings: {
    readonly alerts: AlertSettings;
    /** Opt-in remediation; absent or with no actions: the page offers none and sends nothing. */
    readonly remediation?: RemediationSettings;
    readonly graph?: { readonly baseUrl: string };
  };
  /** The Graph client a confirmed remediation sends with (built only then). */
  readonly remediationGraph?: () => Promise<RemediationGraph>;
  readonly tenantId: string;
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface AckResponse {
  readonly status: number;
  readonly html: string;
}

const DURATION_MS: Readonly<Record<Exclude<AckDuration, 'resolve'>, number>> = {
  '4h': 4 * 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
};

/** Verifies a token (constant-time signature check, expiry, tenant) or explains why not, without detail an attacker could use. */
function check(deps: AckDependencies, token: string | null): LinkPayload | AckResponse {
  const secret = deps.settings.alerts.ack.secret;
  if (!secret)
    return { status: 404, html: ackResultPage('Not available', 'Acknowledge links are not configured.') };
  const verified = verifyAckToken(token ?? '', secret, deps.clock.now());
  if (!verified.ok) {
    const expired = verified.error.reason === 'expired';
    return {
      status: expired ? 410 : 400,
      html: ackResultPage(
        expired ? 'Link expired' : 'Invalid link',
        expired
          ? 'This acknowledge link has expired. Use the link of a newer notification.'
          : 'This acknowledge link is not valid.',
      ),
    };
  }
  if (verified.payload.tenantId !== deps.tenantId) {
    return {
      status: 400,
      html: ackResultPage('Invalid link', 'This acknowledge link is not for this monitor.'),
    };
  }
  const { alertId, alertVersion } = verified.payload;
  return { alertId, ...(alertVersion ? { alertVersion } : {}) };
}

const NO_REMEDIATION: RemediationSettings = { actions: [], ruleIds: {} };

function remediationDeps(deps: AckDependencies) {
  return {
    ...deps,
    remediation: deps.settings.remediation ?? NO_REMEDIATION,
    graphBaseUrl: deps.settings.graph?.baseUrl ?? 'https://graph.microsoft.com',
    remediationGraph:
      deps.remediationGraph ??
      (() => Promise.reject(new Error('no Graph client is configured for remediation'))),
  };
}

/** GET: the confirmation page only; nothing changes (with `remediate`: the remediation's confirmation page). */
export async function showAck(
  deps: AckDependencies,
  token: string | null,
  remediation?: RemediationQuery,
): Promise<AckResponse> {
  const checked = check(deps, token);
  if ('status' in checked) return checked;
  if (remediation) return showRemediation(remediationDeps(deps), checked, token ?? '', remediation);
  const book = await readValidated(deps.state, { tenantId: deps.tenantId, name: ALERT_BOOK_KEY }, alertBook);
  const alert = book?.value.alerts.find((a) => a.id === checked.alertId);
  if (!alert || alert.state === 'resolved') {
    return { status: 404, html: ackResultPage('Nothing to acknowledge', 'This alert is no longer open.') };
  }
  const fixes = remediationSection({
    token: token ?? '',
    applicable: applicableActions(alert),
    allowed: deps.settings.remediation?.actions ?? [],
  });
  // Acknowledged is when a fix is often wanted: the page still offers the remediation buttons.
  if (isSilenced(alert, deps.clock.now())) return alreadyAcknowledged(alert, fixes);
  return {
    status: 200,
    html: ackFormPage({
      token: token ?? '',
      alertSummary: alert.summary,
      kind: alert.kind,
      severity: alert.severity,
      silenceLabels: silenceChoices(alert),
      remediationHtml: fixes,
    }),
  };
}

/** POST from the confirmation page: acknowledges, writes the CloudSyncAlert_CL row. */
export async function performAck(
  deps: AckDependencies,
  form: { token: string | null; until: string | null; by: string | null } & Partial<SilenceForm> & {
      action?: string | null;
      /** action=remediate: which action, its object and DN (provision), the typed confirmation. */
      remediate?: string | null;
      object?: string | null;
      dn?: string | null;
      confirm?: string | null;
    },
): Promise<AckResponse> {
  const checked = check(deps, form.token);
  if ('status' in checked) {
    // A remediation attempt with a link that cannot be trusted is still recorded (nothing was sent).
    if (form.action === 'remediate' && deps.settings.alerts.ack.secret)
      await auditRefusedLink(deps, {
        action: form.remediate ?? '',
        actor: (form.by ?? '').trim() || 'unknown',
        reason: checked.status === 410 ? 'the link has expired' : 'the link is not valid',
      });
    return checked;
  }
  if (form.action === 'remediate')
    return performRemediation(remediationDeps(deps), checked, {
      action: form.remediate ?? '',
      object: form.object ?? undefined,
      dn: form.dn ?? undefined,
      by: form.by,
      confirm: form.confirm ?? null,
    });
  if (form.action === 'silence')
    return silenceFromAck(deps, checked.alertId, {
      match: form.match ?? [],
      for: form.for ?? null,
      by: form.by,
      comment: form.comment ?? null,
    });
  const choice = (form.until ?? 'resolve') as AckDuration;
  if (!(choice in ACK_DURATIONS))
    return { status: 400, html: ackResultPage('Invalid request', 'Choose how long to silence the alert.') };
  const now = deps.clock.now();
  const until = choice === 'resolve' ? 'resolve' : new Date(now.getTime() + DURATION_MS[choice]);
  const by = (form.by ?? '').trim() || 'acknowledge link';
  try {
    const { transition, row } = await acknowledge(deps.state, {
      tenantId: deps.tenantId,
      alertId: checked.alertId,
      until,
      by,
      now,
    });
    await deps.sink.write('CloudSyncAlert_CL', [row]);
    deps.log.info(`alert ${checked.alertId} acknowledged ${ACK_DURATIONS[choice]}`);
    return {
      status: 200,
      html: ackResultPage('Acknowledged', `${transition.alert.summary}: silenced ${ACK_DURATIONS[choice]}.`),
    };
  } catch (error) {
    // A second click (or a colleague's) changes nothing and says so, with who and until when.
    if (error instanceof AlreadyAcknowledgedError) return alreadyAcknowledged(error.alert);
    if (error instanceof AlertNotFoundError) {
      return { status: 404, html: ackResultPage('Nothing to acknowledge', 'This alert is no longer open.') };
    }
    throw error;
  }
}

function alreadyAcknowledged(
  alert: {
    readonly summary: string;
    readonly acknowledgedBy?: string;
    readonly silencedUntil?: string;
  },
  moreHtml = '',
): AckResponse {
  return {
    status: 200,
    html: ackResultPage(
      'Already acknowledged',
      `${alert.summary}: already acknowledged by ${alert.acknowledgedBy ?? 'someone'} ${silencedText(alert.silencedUntil)}. Nothing changed.`,
      moreHtml,
    ),
  };
}
