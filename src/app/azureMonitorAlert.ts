import { AlertReplayed, routeAzureMonitorAlert } from '../azureMonitor/routeAzureMonitorAlert.js';
import type { CommonAlert } from '../domain/commonAlert.js';
import type { NotifyDependencies } from '../notify/dispatch.js';
import type { WebhookDependencies } from './webhook.js';

export interface AzureMonitorAlertDependencies extends WebhookDependencies {
  readonly notify: NotifyDependencies;
}

export type AzureMonitorAlertOutcome =
  | { readonly accepted: true; readonly messageId: string }
  /** 409: this notification was already received and handled; nothing was stored or sent again. */
  | { readonly accepted: false; readonly status: 409; readonly error: string };

/**
 * The Azure Monitor alert use case (functions/azureMonitorAlert.ts): an alert in the common alert
 * schema, already validated, becomes one CloudSyncAlert_CL row and one message through our channels,
 * once per (alert, condition). A sink or state store failure throws: the caller answers 500 and Azure
 * Monitor's retry does the work.
 */
export async function acceptAzureMonitorAlert(
  deps: AzureMonitorAlertDependencies,
  alert: CommonAlert,
): Promise<AzureMonitorAlertOutcome> {
  try {
    const { messageId } = await routeAzureMonitorAlert(deps, alert);
    return { accepted: true, messageId };
  } catch (error) {
    if (!(error instanceof AlertReplayed)) throw error;
    deps.log.info(error.message);
    return { accepted: false, status: 409, error: error.message };
  }
}
