import type { QuarantineFacts } from '../../domain/alertDetails.js';
import { timeToDisable } from '../../domain/quarantineOutlook.js';
import { formatInstant, formatSince } from '../format.js';
import type { Fact } from '../view.js';
import { name, text, type Loose } from './common.js';

/** The quarantine facts shared by job-quarantined and deletion-threshold. */
export function quarantineFacts(q: Loose<QuarantineFacts> | null | undefined, generatedAt: Date): Fact[] {
  if (!q) return [];
  const facts: Fact[] = [];
  if (q.errorCode || q.errorMessage) {
    facts.push({
      label: 'Error',
      value: [q.errorCode ? name(q.errorCode) : undefined, text(q.errorMessage)].filter(Boolean).join(': '),
      // Its text tells what to do; a RESOLVED message names the code in its summary instead.
      whileFiring: true,
    });
  }
  if (q.quarantineSince)
    facts.push({ label: 'In quarantine since', value: formatSince(q.quarantineSince, generatedAt) });
  if (q.seriesBegan && q.seriesBegan !== q.quarantineSince) {
    facts.push({ label: 'Quarantine series began', value: formatSince(q.seriesBegan, generatedAt) });
  }
  if (q.nextAttempt)
    facts.push({
      label: 'Next retry by the service',
      value: formatInstant(q.nextAttempt),
      whileFiring: true,
    });
  const disable = disableText(q, generatedAt);
  if (disable) facts.push({ label: 'Job will be disabled', value: disable, whileFiring: true });
  return facts;
}

/** "around 2026-03-20 02:14 UTC (in 6 days)", "(in 23 h)", "(due: ...)", or undefined when unknown. */
export function disableText(
  q: Loose<QuarantineFacts> | null | undefined,
  generatedAt: Date,
): string | undefined {
  const at = q?.disable?.expectedAt;
  if (!at || Number.isNaN(Date.parse(at))) return undefined;
  const left = timeToDisable(Date.parse(at), generatedAt.getTime());
  return `around ${formatInstant(at)} (${left ? `in ${left}` : 'due: it may be disabled already'})`;
}
