import type { Alert } from './alertModel.js';
import { templateFamily } from './jobTemplates.js';

/**
 * The labels an alert is matched on, by silences (src/alerts/silences.ts) and by notification routes
 * (src/notify/routing.ts) alike (Alertmanager's label set): one definition, so a matcher means the same
 * in both. Values compare exactly, in any case. `tenant` is the alert's tenant id.
 */
export const MATCHER_LABELS = [
  'kind',
  'severity',
  'configuration',
  'jobFamily',
  'tenant',
  'alertId',
] as const;
export type MatcherLabel = (typeof MATCHER_LABELS)[number];

export function alertLabels(alert: Alert): Record<MatcherLabel, string | undefined> {
  return {
    kind: alert.kind,
    severity: alert.severity,
    configuration: alert.subject.configurationName,
    jobFamily: alert.subject.templateId ? templateFamily(alert.subject.templateId) : undefined,
    tenant: alert.subject.tenantId,
    alertId: alert.id,
  };
}

/** Whether one label value matches one wanted value (exact, any case). */
export const labelMatches = (value: string | undefined, wanted: string): boolean =>
  value !== undefined && value.toLowerCase() === wanted.toLowerCase();
