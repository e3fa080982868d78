import { readingOrder } from '../../src/render/subject.js';
import { describe, expect, it } from 'vitest';
import { bySeverity, type Transition } from '../../src/domain/alertModel.js';
import { fitWorkflowsBody, payloadBytes } from '../../src/notify/teamsPayload.js';
import { GENERATED_AT, TENANT_ID, ackUrlFor, renderSample, sampleTransitions } from './fixtures.js';

/** Content that helps at 3 a.m.: what, where, since when, impact, what to do, for every kind. */
describe('renderAlertMessage', () => {
  const render = (transitions: Transition[] = sampleTransitions()) => renderSample(transitions);

  it('puts the most severe first in the subject, with counts and the tenant', () => {
    const { email } = render();
    expect(email.subject).toBe(
      '[FIRING:6] CRITICAL: Provisioning agent offline: SYNC01.corp.contoso.com, no active agent left for contoso.com · 3 critical, 3 warnings, 1 RESOLVED · Cloud Sync · Contoso',
    );
  });

  it('says RESOLVED in the subject and the title of a resolved-only message, with no to-do list', () => {
    const resolved = sampleTransitions().filter((t) => t.transition === 'resolved');
    const { email, teams } = render(resolved);
    expect(email.subject).toBe('[RESOLVED] Failing sync job in contoso.com · Cloud Sync · Contoso');
    expect(email.html).toContain('>RESOLVED</span>');
    expect(email.html).toContain('Failing sync job in contoso.com');
    expect(email.plainText).toContain('1. [RESOLVED] Failing sync job in contoso.com');
    expect(email.plainText).not.toContain('What to do');
    expect(JSON.stringify(teams.card)).toContain('"RESOLVED"');
    expect(JSON.stringify(teams.card)).toContain('Failing sync job in contoso.com');
  });

  it('leaves out of a RESOLVED message the state it had while firing (it is no longer true)', () => {
    // Each sample alert resolved: its last firing state ("Reported status: inactive", "23 failed runs in a
    // row", "2 objects failing") would read as the state now; what it was about and when stay.
    const resolved = sampleTransitions()
      .filter((t) => t.transition !== 'resolved')
      .map((t) => ({
        ...t,
        transition: 'resolved' as const,
        alert: { ...t.alert, state: 'resolved' as const, resolvedAt: GENERATED_AT },
      }));
    const { email } = render(resolved);
    for (const stale of [
      'Reported status:',
      'Last seen active:',
      'Offline for:',
      'agents active',
      'Evidence:',
      'Failing objects:',
      'By category:',
      'Failed runs in a row:',
      'Last successful run:',
      'Last successful cycle:',
      'Job status:',
      'Job will be disabled:',
      'Next retry by the service:',
    ]) {
      expect(email.plainText, stale).not.toContain(stale);
    }
    for (const kept of ['Agent:', 'Since:', 'Resolved:', 'Lasted:', 'Oldest failure:']) {
      expect(email.plainText, kept).toContain(kept);
    }
    // ...while a firing message still says all of it.
    const firing = render().email.plainText;
    for (const fact of ['Reported status:', 'Last seen active:', 'Failing objects:'])
      expect(firing).toContain(fact);
  });

  it.each([
    // Minutes from generation to the expected disable, and what the subject and the fact say.
    [23 * 60, 'disabled in 23 h', 'in 23 h'],
    [6 * 24 * 60 + 60, 'disabled in 6 days', 'in 6 days'],
    [30, 'disabled in under 1 h', 'in under 1 h'],
    [-2 * 60, 'may be disabled already', 'due: it may be disabled already'],
    [-30 * 60, 'may be disabled already', 'due: it may be disabled already'],
  ])(
    'counts down to the disable of a quarantined job in the right unit (%i min left)',
    (minutes, headline, fact) => {
      const expectedAt = new Date(Date.parse(GENERATED_AT) + minutes * 60_000).toISOString();
      const quarantined = sampleTransitions().find((t) => t.alert.kind === 'job-quarantined')!;
      const details = quarantined.alert.details as { quarantine: { disable: Record<string, unknown> } };
      const alert = {
        ...quarantined.alert,
        details: {
          ...details,
          quarantine: { ...details.quarantine, disable: { ...details.quarantine.disable, expectedAt } },
        },
      };
      const { email } = render([{ ...quarantined, alert }]);
      expect(email.subject).toContain(headline);
      expect(email.plainText).toContain(`(${fact})`);
      expect(email.plainText).not.toMatch(/0 days|1 days|today\)/);
    },
  );

  it('orders transitions news first, then resolutions, then reminders, most severe first, whatever order they come in', () => {
    const marker: Record<string, string> = {
      'agent-offline': 'Provisioning agent offline',
      'deletion-threshold': 'Deletion threshold exceeded',
      'job-quarantined': 'Sync job quarantined',
      'sync-errors': 'Sync errors:',
      'sync-stalled': 'Sync paused',
      'monitor-degraded': 'Monitor cannot read',
      'job-failing': '[RESOLVED] Failing sync job',
    };
    const shuffled = [...sampleTransitions()].reverse();
    const { email } = render(shuffled);
    const overview = email.plainText.slice(0, email.plainText.indexOf('========'));
    const ordered = readingOrder(
      [...shuffled]
        .sort(bySeverity)
        .map((t) => ({ t, transition: t.transition, severity: t.alert.severity })),
    ).map((x) => x.t);
    const positions = ordered.map((t) => overview.indexOf(marker[t.alert.kind]!));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(email.subject).toMatch(/^\[FIRING:\d\] CRITICAL: Provisioning agent offline/);
  });

  it('gives reason- and code-specific guidance', () => {
    const { plainText } = render().email;
    // deletion threshold: how to review, allow (portal and Graph ForceDeletes) or reject
    expect(plainText).toContain('filter Action = StagedDelete');
    expect(plainText).toContain('Allow deletes');
    expect(plainText).toContain('{"criteria":{"resetScope":"ForceDeletes"}}');
    expect(plainText).toContain(
      "Invoke-MgGraphRequest -Method POST -Uri 'https://graph.microsoft.com/v1.0/servicePrincipals/",
    );
    expect(plainText).toContain('Restart sync');
    // quarantine with invalid credentials
    expect(plainText).toContain('Repair-AADCloudSyncToolsAccount');
    expect(plainText).toContain('disabled in 6 days');
    // agent host: which services on which machine
    expect(plainText).toContain(
      'On SYNC01.corp.contoso.com: check that the Windows services "Microsoft Entra Provisioning Agent" and "Microsoft Entra Connect Agent Updater" are running',
    );
    expect(plainText).toContain('*.servicebus.windows.net');
    // sync errors grouped by code and category, capped
    expect(plainText).toContain(
      'AzureDirectoryServiceAttributeValueMustBeUnique (Duplicate attribute): 37 objects',
    );
    expect(plainText).toContain('AzureDirectoryServiceInvalidValue (Data validation failure): 142 objects');
    expect(plainText).toContain('... and 127 more'); // 20 listed (15 shown) + 122 not listed
    expect(plainText).toContain('... and 22 more'); // 37 listed, 15 shown
    // paused sync, monitor permissions
    expect(plainText).toContain('Sync paused for 26 h in northwind.local');
    expect(plainText).toContain('AuditLog.Read.All and Directory.Read.All');
  });

  it('says where and since when', () => {
    const { plainText } = render().email;
    expect(plainText).toContain('Tenant:');
    expect(plainText).toContain(`Contoso (${TENANT_ID})`);
    expect(plainText).toMatch(/Since:\s+2026-03-02 02:17 UTC \(48 min ago\)/);
    expect(plainText).toContain('Job:');
    expect(plainText).toContain(
      'AD to Entra ID provisioning: AD2AADProvisioning.3f9a1c7e5b2d4e6f8a0b1c2d3e4f5a6b',
    );
    expect(plainText).toMatch(/Agent:\s+SYNC01\.corp\.contoso\.com/);
  });

  it('carries an acknowledge link for each firing alert, none for resolved ones', () => {
    const { email, teams } = render();
    const firing = sampleTransitions().filter((t) => t.transition !== 'resolved');
    for (const t of firing) {
      const url = ackUrlFor(t.alert);
      expect(email.plainText).toContain(url);
      expect(email.html).toContain(`href="${url.replace(/=/g, '&#61;')}"`);
      // The card carries every alert that fits (it says how many it left out, pointing to the email).
      const card = JSON.stringify(teams.card);
      if (card.includes(JSON.stringify(t.alert.id).slice(1, -1)))
        expect(card).toContain(JSON.stringify(url).slice(1, -1));
    }
    const resolved = sampleTransitions().find((t) => t.transition === 'resolved')!;
    expect(email.plainText).not.toContain(ackUrlFor(resolved.alert));
  });

  it('links only to URLs it built or https Microsoft ones', () => {
    const { email, teams } = render(sampleTransitions({ hostile: true }));
    const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((m) =>
      m[1]!.replace(/&#61;/g, '=').replace(/&amp;/g, '&'),
    );
    const cardUrls = [...JSON.stringify(teams.card).matchAll(/"url":"([^"]*)"/g)].map((m) => m[1]!);
    for (const url of [...hrefs, ...cardUrls]) {
      expect(url).toMatch(
        /^(#alert-\d+|https:\/\/(learn\.microsoft\.com|go\.microsoft\.com|entra\.microsoft\.com|cloudsync-monitor\.azurewebsites\.net)\/)/,
      );
    }
  });

  it('leaves out record-only transitions', () => {
    const transitions = sampleTransitions().map((t) =>
      t.transition === 'resolved' ? { ...t, recordOnly: true } : t,
    );
    const { email } = render(transitions);
    expect(email.subject).not.toContain('RESOLVED');
    expect(email.plainText).not.toContain('Failing sync job');
  });

  it('builds an Adaptive Card 1.4 of TextBlocks, FactSets and Action.OpenUrl within 28 KB', () => {
    const { teams } = render(sampleTransitions({ hostile: true }));
    expect(teams.card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const types = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === 'object') {
        const { type } = node as { type?: unknown };
        if (typeof type === 'string') types.add(type);
        Object.values(node).forEach(walk);
      }
    };
    walk(teams.card.body);
    walk(teams.card.actions);
    expect([...types].sort()).toEqual([
      'Action.OpenUrl',
      'ActionSet',
      'Container',
      'FactSet',
      'RichTextBlock',
      'TextBlock',
      'TextRun',
    ]);
    const body = fitWorkflowsBody(teams.card);
    expect(payloadBytes(body)).toBeLessThanOrEqual(28_000);
    expect(body.attachments[0].content).toBe(teams.card); // fitted by the renderer already: nothing cut
  });

  it('keeps every alert in the card while they fit, and says how many it had to leave out', () => {
    const many = Array.from({ length: 40 }, () => sampleTransitions()).flat();
    const { teams } = render(many);
    const text = JSON.stringify(teams.card);
    expect(payloadBytes(fitWorkflowsBody(teams.card))).toBeLessThanOrEqual(28_000);
    const hidden = /and (\d+) more alert changes not shown/.exec(text);
    expect(Number(hidden?.[1])).toBeGreaterThan(0);
    const containers = (teams.card.body as { type: string; separator?: boolean }[]).filter(
      (e) => e.type === 'Container' && e.separator,
    );
    expect(containers.length + Number(hidden?.[1])).toBe(many.length);
  });

  it('says a deletion count may still grow while its cycle is arriving in the log (540 now, 600 later)', () => {
    const trip = sampleTransitions().find((t) => t.alert.kind === 'deletion-threshold')!;
    const staged = (trip.alert.details as { stagedDeletes: Record<string, unknown> }).stagedDeletes;
    const fresh = (minutesAgo: number): Transition => ({
      ...trip,
      alert: {
        ...trip.alert,
        details: {
          ...trip.alert.details,
          stagedDeletes: {
            ...staged,
            lastAt: new Date(Date.parse(trip.at) - minutesAgo * 60_000).toISOString(),
          },
        },
      },
    });
    expect(renderSample([fresh(3)]).email.plainText).toMatch(
      /Deletions held: +612 .*; so far: the log is still arriving/,
    );
    expect(renderSample([fresh(30)]).email.plainText).not.toContain('so far');
  });
});
