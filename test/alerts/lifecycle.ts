import { advance } from '../../src/alerts/advance.js';
import { applyAcknowledgement } from '../../src/alerts/ack.js';
import { emptyAlertBook, type AlertBook } from '../../src/alerts/book.js';
import { fingerprint } from '../../src/alerts/fingerprint.js';
import type { AlertCandidate, AlertKind, AlertSubject, Severity } from '../../src/domain/alertModel.js';
import { defaultAlertSettings, type AlertSettings } from '../../src/alerts/settings.js';
import { fullCoverage, type Coverage } from '../../src/rules/coverage.js';
import { JOB, SP, SP2, TENANT, at } from '../rules/fixtures.js';

export const jobSubject: AlertSubject = {
  tenantId: TENANT,
  servicePrincipalId: SP,
  configurationName: 'contoso.com',
  jobId: JOB,
};
export const otherJob: AlertSubject = {
  tenantId: TENANT,
  servicePrincipalId: SP2,
  jobId: `AD2AADProvisioning.${SP2.replace(/-/g, '')}`,
};

export function candidate(
  kind: AlertKind,
  overrides: Partial<Omit<AlertCandidate, 'kind'>> = {},
): AlertCandidate {
  return {
    kind,
    subject: jobSubject,
    severity: 'warning',
    summary: `${kind} summary`,
    since: at(0).toISOString(),
    materialKey: 'same',
    details: {},
    ...overrides,
  };
}

export const idOf = (c: Pick<AlertCandidate, 'kind' | 'subject'>) => fingerprint(c.kind, c.subject);

export interface Step {
  /** Minutes after T0. */
  readonly minute: number;
  readonly candidates?: readonly AlertCandidate[];
  readonly coverage?: Coverage;
  /** Acknowledge these (kind of the default subject) before the run, until resolve or for N minutes. */
  readonly ack?: { readonly candidate: AlertCandidate; readonly forMinutes?: number };
}

/** Runs the engine over the steps; per step, the transitions as "transition kind severity[ quiet]". */
export function replay(
  steps: readonly Step[],
  settings: Partial<AlertSettings> = {},
): { perStep: string[][]; book: AlertBook } {
  let book = emptyAlertBook();
  // The noise controls (hold-down, group interval, warnings riding along) are off unless a test sets
  // them: each lifecycle test states the behaviour it exercises.
  const all = {
    ...defaultAlertSettings,
    holdDownMs: 0,
    groupIntervalMs: 0,
    repeatWarningMs: defaultAlertSettings.repeatMs,
    ...settings,
  };
  const perStep = steps.map((step) => {
    const now = at(step.minute * 60_000);
    if (step.ack) {
      book = applyAcknowledgement(book, {
        alertId: idOf(step.ack.candidate),
        until:
          step.ack.forMinutes === undefined
            ? 'resolve'
            : new Date(now.getTime() + step.ack.forMinutes * 60_000),
        by: 'ops@contoso.com',
        now,
      }).book;
    }
    const result = advance(book, step.candidates ?? [], step.coverage ?? fullCoverage, now, all);
    book = result.book;
    return result.transitions.map(
      (t) => `${t.transition} ${t.alert.kind} ${t.alert.severity}${t.recordOnly ? ' quiet' : ''}`,
    );
  });
  return { perStep, book };
}

export const severity = (s: Severity) => ({ severity: s });
