import { createHash } from 'node:crypto';
import type { Alert } from '../domain/alertModel.js';

/**
 * What an alert looked like when a link to it was made: its state, severity, what makes it material
 * (error codes, reason), the numbers it tracks (objects failing, deletions staged) and its last
 * transition. A signed link carries it, and an action from that link is refused once the alert book
 * says otherwise: the admin confirms what they saw, not what the alert became since.
 */
export function alertVersion(
  alert: Pick<Alert, 'state' | 'severity' | 'materialKey' | 'trackedKey' | 'lastChangedAt'>,
): string {
  const facts = [alert.state, alert.severity, alert.materialKey, alert.trackedKey ?? '', alert.lastChangedAt];
  return createHash('sha256').update(JSON.stringify(facts)).digest('base64url').slice(0, 22);
}
