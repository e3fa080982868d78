import { commonAlert } from '../../src/domain/commonAlert.js';

/** An Azure Monitor log alert (common alert schema) that fired at `firedAt`: the monitor's own "no run" rule. */
export function azureMonitorFired(firedAt: Date) {
  return commonAlert.parse({
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId:
          '/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/c0000000-0000-4000-8000-000000000001',
        alertRule: 'cloudsync-monitor: no successful run in 20 minutes',
        severity: 'Sev1',
        signalType: 'Log',
        monitorCondition: 'Fired',
        monitoringService: 'Log Alerts V2',
        alertTargetIDs: ['/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg'],
        firedDateTime: firedAt.toISOString(),
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: null,
      customProperties: null,
    },
  });
}
