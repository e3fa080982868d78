import type { MonitorSignal } from '../../domain/alertDetails.js';
import type { Alert } from '../../domain/alertModel.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import { name, requireDetails, text } from './common.js';

const M365_HEALTH = 'the Microsoft 365 admin center (Health > Service health)';

/**
 * monitor-degraded: the monitor itself cannot read one of its signals. Its other alerts for that signal
 * may be missing, because "could not check" never counts as healthy; the fix is usually a permission.
 */
const SIGNALS: Readonly<
  Record<
    MonitorSignal,
    {
      label: string;
      /** Whose server errors and timeouts the signal's requests meet (see causeOf), as a sentence begins. */
      service: string;
      /** Where Microsoft reports an incident of that service. */
      health: string;
      fix: Step;
    }
  >
> = {
  jobs: {
    label: 'sync job status',
    service: 'Microsoft Graph',
    health: M365_HEALTH,
    fix: {
      text: "Grant the monitor's managed identity the Microsoft Graph application permission Synchronization.Read.All (admin consent).",
    },
  },
  provisioning: {
    label: 'provisioning logs',
    service: 'Microsoft Graph',
    health: M365_HEALTH,
    fix: {
      text: "Grant the monitor's managed identity the Microsoft Graph application permissions AuditLog.Read.All and Directory.Read.All (admin consent). Provisioning logs also need an Entra ID P1 or P2 licence.",
    },
  },
  agents: {
    label: 'provisioning agents',
    service: 'Microsoft Graph',
    health: M365_HEALTH,
    fix: {
      text: 'The agents API does not support application permissions. Set AGENTS_API=off and install the heartbeat task on the agent hosts for per-agent alerts.',
    },
  },
  sink: {
    label: 'the Log Analytics ingestion',
    service: 'Azure Monitor Logs Ingestion',
    health: 'Azure Service Health',
    fix: {
      text: "Check that the monitor's identity has the Monitoring Metrics Publisher role on the data collection rule, and that the endpoint and DCR id settings are right.",
    },
  },
  notify: {
    label: 'its notification channels',
    service: 'The notification service (Azure Communication Services or Teams)',
    health: `Azure Service Health (Communication Services) or ${M365_HEALTH} for Teams`,
    fix: {
      text: 'Check the email (ACS) and Teams webhook settings, the ACS sender domain and quota, and whether the Teams workflow still exists. Undelivered notifications are kept and retried every run.',
    },
  },
  coverage: {
    label: 'the directory (coverage check)',
    service: 'Microsoft Graph',
    health: M365_HEALTH,
    fix: {
      text: "Grant the monitor's managed identity Directory.Read.All (or User.Read.All, Group.Read.All and OrgContact.Read.All), or set COVERAGE_CHECK=off.",
    },
  },
  state: {
    label: 'its state storage',
    service: 'Azure Table storage',
    health: 'Azure Service Health',
    fix: {
      text: "Check that the monitor's identity has the Storage Table Data Contributor role on the storage account and that the account is reachable.",
    },
  },
};

type Cause = 'throttled' | 'outage' | 'other';

/**
 * What an error says of its cause, from its code and message (a Graph error's message carries its
 * status, "(503 ServiceUnavailable)"): throttled (429), a server-side outage (5xx, a timeout), or
 * anything else, which includes every permission and licence error and gets the signal's own fix.
 */
function causeOf(error: string): Cause {
  if (/throttl|\b429\b|toomanyrequests/i.test(error)) return 'throttled';
  if (
    /\(5\d\d\b|\b(?:ServiceUnavailable|GatewayTimeout|BadGateway|InternalServerError|Timeout|TimeoutError|timed out|unavailable|ETIMEDOUT|ECONNRESET|EAI_AGAIN)\b/i.test(
      error,
    ) &&
    !/\b40[13]\b|forbidden|unauthori[sz]ed|authorization_|denied|permission|privilege|licen[cs]e/i.test(error)
  )
    return 'outage';
  return 'other';
}

export function monitorDegradedView(alert: Alert, _ctx: RenderContext): KindView {
  const d = requireDetails('monitor-degraded', alert);
  const signal = SIGNALS[d.signal];
  const label = signal.label;
  const runs = d.consecutiveRuns;

  const facts: Fact[] = [];
  // alert.since is when the failures began: shown as Since by every alert.
  if (typeof runs === 'number')
    facts.push({ label: 'Failed runs in a row', value: String(runs), whileFiring: true });
  if (d.lastErrorCode || d.lastErrorMessage) {
    facts.push({
      label: 'Last error',
      value: [d.lastErrorCode ? name(d.lastErrorCode) : undefined, text(d.lastErrorMessage)]
        .filter(Boolean)
        .join(': '),
    });
  }
  const issues = (d.issues ?? []).filter((i) => i !== null && i !== undefined);
  // The advice follows what the errors were: a permission step during a Graph outage or throttling
  // would send an admin to change consent while the fault is Microsoft's and passes by itself.
  const causes = new Set(
    [
      ...(d.lastErrorCode || d.lastErrorMessage
        ? [{ code: d.lastErrorCode, message: d.lastErrorMessage }]
        : []),
      ...issues,
    ].map((i) => causeOf(`${i.code ?? ''} ${i.message ?? ''}`)),
  );
  const steps: Step[] = [];
  if (causes.has('throttled')) {
    steps.push({
      text: 'Microsoft Graph is throttling the monitor. It slows down by itself; if this lasts, run it less often (COLLECT_SCHEDULE).',
    });
  }
  if (causes.has('outage')) {
    steps.push({
      text: `${signal.service} answered with a server error or did not answer in time: that is on the service's side, usually passes by itself, and the monitor tries again every run. If it lasts, look for an incident in ${signal.health}.`,
    });
  }
  if (causes.has('other') || causes.size === 0) steps.push(signal.fix);
  steps.push({
    text: "Check the monitor's own logs (Function App logs or Application Insights) for the failed runs.",
  });

  return {
    headline: `Monitor cannot ${d.signal === 'notify' ? 'deliver through' : 'read'} ${label}${typeof runs === 'number' ? ` (${runs} runs in a row)` : ''}`,
    topic: `Monitor reading ${label}`,
    facts,
    impact: `Alerts that depend on ${label} may be missing until this is fixed: the monitor treats "could not check" as unknown, never as healthy.`,
    groups:
      issues.length > 0
        ? [
            {
              title: 'Errors of the latest run',
              items: issues.map(
                (i) =>
                  `${name(i.code, 'error')}: ${text(i.message) ?? ''}${i.target ? ` (${name(i.target)})` : ''}`,
              ),
              more: 0,
            },
          ]
        : [],
    steps,
  };
}
