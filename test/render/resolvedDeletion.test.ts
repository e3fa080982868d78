import { describe, expect, it } from 'vitest';
import { advance } from '../../src/alerts/advance.js';
import { emptyAlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import type { AlertCandidate, ResolutionNote } from '../../src/domain/alertModel.js';
import { transitionRow } from '../../src/alerts/rows.js';
import { renderAlertMessage } from '../../src/render/alertMessage.js';
import { fullCoverage } from '../../src/rules/index.js';
import { sampleTransitions } from './fixtures.js';
import { brokenUrlsIn } from './messageCommands.js';

/*
 * A deletion-threshold trip resolves with what ended it (issue 10): allowed (how many objects were
 * deleted, where to see them) or rejected (0 deleted), and no firing-time prediction. Through the
 * lifecycle: the alert waits for the outcome (a note not settled yet) and then resolves with it.
 */
/** The fixture's trip (612 held in contoso.com, tripped at 02:17), as the rule raises it. */
const fixture = sampleTransitions().find((t) => t.alert.kind === 'deletion-threshold')!.alert;
const trip: AlertCandidate = {
  kind: fixture.kind,
  subject: fixture.subject,
  severity: fixture.severity,
  summary: fixture.summary,
  since: fixture.since,
  materialKey: fixture.materialKey,
  details: fixture.details,
};
const TENANT = fixture.subject.tenantId;
const JOB = fixture.subject.jobId!;
const subject = fixture.subject;
const TRIP_AT = Date.parse(fixture.since);
const MIN = 60_000;
const iso = (minutesAfterTrip: number) => new Date(TRIP_AT + minutesAfterTrip * MIN).toISOString();
const note = (outcome: 'allowed' | 'rejected', settled: boolean, deleted: number): ResolutionNote => ({
  kind: 'deletion-threshold',
  subject,
  settled,
  resolution: {
    summary: outcome,
    details: {
      outcome,
      deleted,
      held: 612,
      firstDeleteAt: deleted ? new Date(TRIP_AT + 120 * MIN).toISOString() : null,
      lastDeleteAt: deleted ? new Date(TRIP_AT + 123 * MIN).toISOString() : null,
      target: 'Entra ID',
      complete: settled,
    },
  },
});

function resolveTrip(notes: ResolutionNote[][]): {
  text: string;
  html: string;
  card: string;
  subject: string;
  at: string[];
} {
  const settings = defaultAlertSettings;
  let book = advance(emptyAlertBook(), [trip], fullCoverage, new Date(TRIP_AT + 5 * MIN), settings).book;
  const at: string[] = [];
  let t = TRIP_AT + 120 * MIN; // the deletes were allowed two hours after the trip
  for (const n of notes) {
    const step = advance(book, [], fullCoverage, new Date(t), settings, n);
    book = step.book;
    const resolved = step.transitions.find((tr) => tr.transition === 'resolved');
    if (resolved) {
      at.push(resolved.at);
      const message = renderAlertMessage({
        tenantId: TENANT,
        generatedAt: resolved.at,
        transitions: [resolved],
      });
      return {
        text: message.email.plainText,
        html: message.email.html,
        card: JSON.stringify(message.teams.card),
        subject: message.email.subject,
        at,
      };
    }
    t += 5 * 60_000;
  }
  throw new Error('never resolved');
}

describe('a resolved deletion-threshold trip says what ended it', () => {
  it('deletes allowed: waits for the deleting cycle, then says how many were deleted and where to see them', () => {
    const m = resolveTrip([[note('allowed', false, 86)], [note('allowed', true, 600)]]);
    expect(m.at).toEqual([iso(125)]); // not 5 minutes earlier, when the outcome was not in the log yet
    expect(m.subject).toMatch(
      /^\[RESOLVED\] Deletion threshold in contoso\.com: deletes allowed, 600 objects deleted · /,
    );
    // It lasted until the first run without the trip (2 h), not until the outcome was in the log.
    expect(m.text).toContain(
      'Deletes allowed after 2 h: 600 objects deleted in Entra ID (612 deletions were held)',
    );
    expect(m.text).toMatch(
      /Resolved: +\S+ \S+ UTC \(5 min ago\); this message waited until its outcome was known/,
    );
    expect(m.text).toMatch(/Lasted: +2 h\n/);
    expect(m.text).toContain(`Provisioning logs, filter Job ID = ${JOB}, Action = Delete`);
    // In Graph Explorer, which signs the reader in: a bare graph.microsoft.com link answers 401 in a browser.
    const query = `auditLogs/provisioning?$filter=contains(jobId,'${JOB}') and provisioningAction eq 'delete'`;
    expect(m.text).toContain(
      `Deleted objects (Graph Explorer): https://developer.microsoft.com/en-us/graph/graph-explorer?request=${encodeURIComponent(query)}&method=GET&version=v1.0&GraphUrl=https%3A%2F%2Fgraph.microsoft.com`,
    );
    for (const body of [m.text, m.html, m.card])
      expect(body).not.toContain('https://graph.microsoft.com/v1.0');
    expect(m.html).toContain('#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents');
    for (const body of [m.text, m.html, m.card]) {
      expect(body).not.toMatch(
        /no action needed|Job will be disabled|days left|\(in \d+ (?:days|h)\)|Next retry/,
      );
    }
    expect(brokenUrlsIn(m.text)).toEqual([]);
  });

  it('deletes rejected: 0 deleted', () => {
    const m = resolveTrip([[note('rejected', true, 0)]]);
    expect(m.at).toEqual([iso(120)]);
    expect(m.subject).toMatch(
      /^\[RESOLVED\] Deletion threshold in contoso\.com: deletes rejected, 0 deleted · /,
    );
    expect(m.text).toContain(
      'Deletes rejected after 2 h: sync restarted and deleted nothing (0 of 612 held deletions)',
    );
    expect(m.text).toMatch(/Deleted: +0 objects in Entra ID/);
    for (const body of [m.text, m.html, m.card])
      expect(body).not.toMatch(/no action needed|days left|\(in \d+ (?:days|h)\)|Next retry/);
  });

  it('the row says when the trip ended as well as when it was told; a stored alert without that is measured to its resolve', () => {
    const settings = defaultAlertSettings;
    let book = advance(emptyAlertBook(), [trip], fullCoverage, new Date(TRIP_AT + 5 * MIN), settings).book;
    book = advance(book, [], fullCoverage, new Date(iso(120)), settings, [note('allowed', false, 86)]).book;
    const { transitions } = advance(book, [], fullCoverage, new Date(iso(125)), settings, [
      note('allowed', true, 600),
    ]);
    const resolved = transitions.find((t) => t.transition === 'resolved')!;
    const row = transitionRow(resolved, ['email']);
    expect(row.TimeGenerated).toBe(iso(125));
    expect(row.Details).toMatchObject({ since: fixture.since, clearedAt: iso(120) });

    // An alert resolved by a version that did not record clearedAt: "Lasted" runs to its resolve.
    const { clearedAt: _cleared, ...older } = resolved.alert;
    const text = renderAlertMessage({
      tenantId: TENANT,
      generatedAt: resolved.at,
      transitions: [{ ...resolved, alert: older }],
    }).email.plainText;
    expect(text).toContain('Deletes allowed after 2 h 5 min');
    expect(text).toMatch(/Resolved: +\S+ \S+ UTC \(just now\)\n/);
  });

  it('an outcome that never settles is told as it stands after the wait, not held forever', () => {
    const waiting = Array.from({ length: 6 }, () => [note('rejected', false, 0)]);
    const m = resolveTrip(waiting);
    expect(m.at).toEqual([iso(135)]); // RESOLUTION_WAIT_MS (15 min) after the first run without the trip
    expect(m.text).toContain('Deletes rejected');
  });
});
