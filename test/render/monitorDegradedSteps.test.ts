import { describe, expect, it } from 'vitest';
import { issueFrom } from '../../src/collect/runErrors.js';
import { asDetails } from '../../src/domain/alertDetails.js';
import type { Transition } from '../../src/domain/alertModel.js';
import { toGraphRequestError } from '../../src/graph/errors.js';
import { renderSample, sampleTransitions } from './fixtures.js';

/*
 * monitor-degraded says what to do from what the errors were: the signal's permission fix for a
 * refusal (or an error it cannot place), never for a Graph outage or throttling, where it would send an
 * admin to change consent and licences during a fault on Microsoft's side that passes by itself.
 */
const PERMISSION = 'Grant the monitor';
const OUTAGE = 'answered with a server error or did not answer in time';
const THROTTLED = 'Microsoft Graph is throttling the monitor';
const PATH = '/auditLogs/provisioning';

/** A Graph failure as the collector turns it into a run issue. */
const graphIssue = (statusCode: number, code: string, message: string) =>
  issueFrom('provisioning', toGraphRequestError({ name: 'GraphError', statusCode, code, message }, PATH));

/** The fixture's monitor-degraded alert (provisioning), with these issues, as every channel renders it. */
function rendered(issues: { code: string; message: string }[]): string[] {
  const sample = sampleTransitions().find((t) => t.alert.kind === 'monitor-degraded')!;
  const transition: Transition = {
    ...sample,
    alert: {
      ...sample.alert,
      details: asDetails('monitor-degraded', {
        signal: 'provisioning',
        consecutiveRuns: 3,
        failingSince: sample.alert.since,
        thresholdRuns: 3,
        lastErrorCode: issues[0]!.code,
        lastErrorMessage: issues[0]!.message,
        issues,
      }),
    },
  };
  const message = renderSample([transition]);
  return [message.email.plainText, message.email.html, JSON.stringify(message.teams.card)];
}

describe('monitor-degraded steps follow the cause of the errors', () => {
  it('the message of a Graph outage is what the collector records', () => {
    expect(graphIssue(503, 'ServiceUnavailable', 'The service is temporarily unavailable').message).toBe(
      `Graph request ${PATH} failed (503 ServiceUnavailable): The service is temporarily unavailable`,
    );
  });

  const timedOut = issueFrom('provisioning', toGraphRequestError({ name: 'TimeoutError' }, PATH));
  const cases: [string, { code: string; message: string }[], string[], string[]][] = [
    [
      'a Graph outage (503): the service side, passing by itself; no permission step',
      [graphIssue(503, 'ServiceUnavailable', 'The service is temporarily unavailable')],
      [`Microsoft Graph ${OUTAGE}`],
      [PERMISSION, THROTTLED],
    ],
    ['a request that timed out is an outage too', [timedOut], [OUTAGE], [PERMISSION]],
    [
      'throttling (429): the throttling step only',
      [graphIssue(429, 'TooManyRequests', 'Too many requests')],
      [THROTTLED],
      [PERMISSION, OUTAGE],
    ],
    [
      'a refusal (403): the permission and licence step, nothing about outages',
      [graphIssue(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')],
      ['managed identity the Microsoft Graph application permissions AuditLog.Read.All'],
      [OUTAGE],
    ],
    [
      'a 503 whose text speaks of a licence is not taken for an outage',
      [graphIssue(503, 'ServiceUnavailable', 'Tenant does not have a valid licence for this request')],
      [PERMISSION],
      [OUTAGE],
    ],
    [
      'an outage and an error it cannot place in the same run: both steps',
      [
        graphIssue(502, 'BadGateway', 'Bad gateway'),
        {
          code: 'CredentialUnavailableError',
          message: 'ManagedIdentityCredential: no managed identity endpoint found',
        },
      ],
      [OUTAGE, PERMISSION],
      [],
    ],
  ];
  it.each(cases)('%s', (_name, issues, present, absent) => {
    // Every channel: the plain text, the HTML email and the Teams card.
    for (const body of rendered(issues)) {
      for (const text of present) expect(body).toContain(text);
      for (const text of absent) expect(body).not.toContain(text);
    }
  });
});
