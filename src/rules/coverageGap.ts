import { asDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { Rule } from './context.js';

/**
 * `coverage-gap` (warning): objects that claim on-premises sync but no Cloud Sync configuration
 * provisioned after the grace period, or Connect Sync still exporting beside Cloud Sync. One alert per
 * tenant; a new domain or OU with gaps is material, counts alone are tracked (a row, no message).
 * The facts come from src/coverage (the directory read with delta queries and the provisioned index).
 */
export const coverageGapRule: Rule = ({ observations }) => {
  const coverage = observations.directoryCoverage;
  if (!coverage?.checked) return { candidates: [] };
  const d = coverage.details;
  if (d.gapObjects === 0 && !d.coexistence) return { candidates: [] };
  const places = d.groups.map((g) => `${g.domain ?? 'no domain'}/${g.organizationalUnit ?? '-'}`);
  const parts = [
    d.gapObjects > 0
      ? `${d.gapObjects} on-premises objects are not covered by any Cloud Sync configuration`
      : '',
    d.coexistence ? 'Connect Sync is still exporting beside Cloud Sync' : '',
  ].filter(Boolean);
  const candidate: AlertCandidate = {
    kind: 'coverage-gap',
    subject: { tenantId: observations.tenantId, signal: 'coverage' },
    severity: 'warning',
    summary: parts.join('; '),
    since: coverage.since ?? observations.collectedAt,
    materialKey: `${d.coexistence ? 'coexistence;' : ''}${[...places].sort().join('|')}`,
    materialItems: [
      ...places.map((p) => `objects not covered in ${p}`),
      ...(d.coexistence ? ['Connect Sync still exporting'] : []),
    ],
    trackedKey: `${d.gapObjects}/${d.syncedObjects}`,
    details: asDetails('coverage-gap', d),
  };
  return { candidates: [candidate] };
};
