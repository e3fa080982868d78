import type { MonitorSignal } from '../../domain/alertDetails.js';
import type { Alert } from '../../domain/alertModel.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import { name, requireDetails, text } from './common.js';

/**
 * monitor-degraded: the monitor itself cannot read one of its signals. Its other alerts for that signal
 * may be missing, because "could not check" never counts as healthy; the fix is usually a permission.
 */
const SIGNALS: Readonly<Record<MonitorSignal, { label: string; fix: Step }>> = {
  jobs: {
    label: 'sync job status',
    fix: {
      text: "Grant the monitor's managed identity the Microsoft Graph application permission Synchronization.Read.All (admin consent).",
    },
  },
  provisioning: {
    label: 'provisioning logs',
    fix: {
      text: "Grant the monitor's managed identity the Microsoft Graph application permissions AuditLog.Read.All and Directory.Read.All (admin consent). Provisioning logs also need an Entra ID P1 or P2 licence.",
    },
  },
  agents: {
    label: 'provisioning agents',
    fix: {
      text: 'The agents API does not support application permissions. Set AGENTS_API=off and install the heartbeat task on the agent hosts for per-agent alerts.',
    },
  },
  sink: {
    label: 'the Log Analytics ingestion',
    fix: {
      text: "Check that the monitor's identity has the Monitoring Metrics Publisher role on the data collection rule, and that the endpoint and DCR id settings are right.",
    },
  },
  notify: {
    label: 'its notification channels',
    fix: {
      text: 'Check the email (ACS) and Teams webhook settings, the ACS sender domain and quota, and whether the Teams workflow still exists. Undelivered notifications are kept and retried every run.',
    },
  },
  coverage: {
    label: 'the directory (coverage check)',
    fix: {
      text: "Grant the monitor's managed identity Directory.Read.All (or User.Read.All, Group.Read.All and OrgContact.Read.All), or set COVERAGE_CHECK=off.",
    },
  },
  state: {
    label: 'its state storage',
    fix: {
      text: "Check that the monitor's identity has the Storage Table Data Contributor role on the storage account and that the account is reachable.",
    },
  },
};

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
  const steps: Step[] = [];
  if (/throttl|429|toomanyrequests/i.test(`${d.lastErrorCode ?? ''} ${d.lastErrorMessage ?? ''}`)) {
    steps.push({
      text: 'Microsoft Graph is throttling the monitor. It slows down by itself; if this lasts, run it less often (COLLECT_SCHEDULE).',
    });
  }
  if (signal) steps.push(signal.fix);
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
