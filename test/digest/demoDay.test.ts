import { describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID } from '../../src/demo/demoDayTimeline.js';
import { buildDigest } from '../../src/digest/runDigest.js';
import { testCertificate } from '../support/tls.js';
import { replayDemoDay } from './demoReplay.js';
import { tempStore } from './fixtures.js';

/**
 * The built-in demo day (src/demo/demoDayTimeline.ts) collected by the real collector, every run recorded
 * into the rollups, then the digest: what `npm start` will show, checked against the day's timeline.
 */
describe('the digest of the demo day', () => {
  it('tells the day as it happened, worst first', async () => {
    const { dir } = await tempStore();
    const dayStart = new Date('2026-11-22T00:00:00Z');
    // Every 10 minutes rather than 5: half the runs, the same incidents (all start and end on the grid).
    const { state, tenantId, runs } = await replayDemoDay({
      dataDir: dir,
      dayStart,
      tls: testCertificate(),
      runEveryMs: 10 * 60_000,
    });
    expect(tenantId).toBe(DEMO_TENANT_ID);
    const { model, message } = await buildDigest({
      state,
      tenantId,
      now: new Date('2026-11-23T00:00:00Z'),
      settings: {
        collectSchedule: '0 */10 * * * *',
        digest: { schedule: '0 0 7 * * *', workbookUrl: undefined },
      },
    });

    expect(model.coverage).toMatchObject({ runs, fullyObserved: true, gaps: [] });
    // The reporting outage 21:00-21:30: provisioning read late, nothing lost.
    expect(model.coverage.partial).toEqual([
      expect.objectContaining({ signals: ['provisioning'], caughtUp: true, lost: false }),
    ]);
    // The server-busy outage is one problem now: job-failing waits for the retried code to persist and
    // opens with sync-stalled (16:40), so the job's span is 'stalled' only (its last error names the cause).
    expect(model.problems.map((p) => p.kind)).toEqual([
      'deletion-threshold',
      'job-quarantined',
      'initial-sync-paused',
      'no-active-agent',
      'sync-errors',
      'job-stalled',
      'agent-inactive',
    ]);
    const [trip, phs, devices, agent, failing, stalled, ha] = model.problems;
    expect(devices!.title).toBe(
      'contoso.com device sync was paused after its initial sync: errors to clean up',
    );
    expect(trip!.periods).toEqual([{ from: '2026-11-22T09:02:00.000Z', to: '2026-11-22T11:30:00.000Z' }]);
    expect(trip!.facts).toContain(
      '600 deletions staged (StagedDelete events) today, each retry of a held cycle counted again; the threshold is 500 per cycle.',
    );
    // The RESOLVED message's count of the deletes the trip held back, not the 610 Delete events of the
    // rest of the day (ordinary later deletes among them).
    expect(trip!.facts).toContain(
      'After the quarantine ended, the deletes were allowed: 600 objects deleted in Entra ID.',
    );
    expect(phs!.facts.join(' ')).toMatch(/13:00 – 14:30.*AzureActiveDirectoryInvalidCredential/);
    expect(agent!.facts.join(' ')).toMatch(
      /HybridIdentityServiceNoActiveAgents.*FABSYNC01\.fabrikam\.local inactive 18:00 – 19:00/,
    );
    expect(failing!.facts[0]).toMatch(/Megan Bowen/);
    // The digest says what the alerts said: sync-stalled (and job-failing) open 16:40-16:50.
    expect(stalled!.title).toBe('Sync stalled: contoso.com provisioning (AzureDirectoryServiceServerBusy)');
    expect(stalled!.periods).toEqual([{ from: '2026-11-22T16:40:00.000Z', to: '2026-11-22T16:50:00.000Z' }]);
    // ...but without a successful cycle since 15:58, as the alert's "Last successful cycle" said.
    expect(stalled!.facts).toEqual(['No successful sync cycle 15:58 – 16:50 (51 min)']);
    expect(ha!.title).toBe('Agent CSYNC02.contoso.com was inactive (high availability degraded)');
    // The state now (one object still failing), then the day's worst (four critical, all resolved).
    expect(message.email.subject).toBe(
      'Cloud Sync daily digest: 1 warning open now, worst today 4 critical (resolved) — contoso tenant, 22 Nov',
    );

    // One number per job: the open sync-errors alert says what the job section and the verdict say.
    const contoso = model.configurations
      .flatMap((c) => c.jobs)
      .find((j) => j.label.startsWith('Provisioning') && j.configurationName === 'contoso.com')!;
    expect(model.totals.failingObjectsAtEnd).toBe(1);
    expect(contoso.stillFailing.objects).toBe(1);
    const open = model.alerts.stillOpen.filter((l) => l.kind === 'sync-errors');
    expect(open.map((l) => l.summary)).toEqual([
      'contoso.com provisioning: 1 object failing to sync at the end of the window',
    ]);
    // Resolved alerts are told as over: no firing-time prediction, how long they lasted, what ended them.
    const resolved = Object.fromEntries(
      model.alerts.resolved.map((l) => [l.kind + (l.agentId ? ':agent' : ''), l]),
    );
    expect(resolved['job-quarantined']).toMatchObject({
      summary:
        'contoso.com password hash sync is in quarantine (EncounteredQuarantineException, AzureActiveDirectoryInvalidCredential)',
      lastedMs: 90 * 60_000,
      ended: "the job's state then: Active",
    });
    expect(resolved['deletion-threshold']).toMatchObject({
      // Out of quarantine at 11:30 and told at 11:40, once the allowed deletes showed in the log (the
      // cycle after the restart): it lasted until 11:30, as the quarantine line of the job says.
      // The number is the RESOLVED message's (600 objects deleted), not the hour's 610 Delete events.
      resolvedAt: expect.stringMatching(/T11:30:00\.000Z$/),
      lastedMs: (2 * 60 + 28) * 60_000,
      ended: 'the deletes were allowed: 600 objects deleted in Entra ID',
    });
    expect(resolved['agent-offline:agent']!.ended).toBe('the agent was active again');
    // One duration for the pause: its problem line and its resolved alert both date it from the end of
    // the job's last cycle (before, the line said 1 h 30 min from the first run that saw it, the alert
    // and its RESOLVED message 1 h 35 min).
    const text = message.email.plainText;
    const pausedLine = /Paused (\d\d:\d\d) – 14:30 \(([^)]+)\): too many objects failed/.exec(text);
    const pausedAlert = /paused after its initial sync[^\n]*\(resolved 14:30 after ([^;]+);/.exec(text);
    expect(pausedLine?.slice(1)).toEqual(['12:55', pausedAlert?.[1]]);
    const attribute = (html: string) => html.replace(/&#61;/g, '=').replace(/&amp;/g, '&');
    for (const text of [attribute(message.email.html), message.email.plainText]) {
      expect(text).not.toMatch(/[2-9] objects failing to sync \(/);
      expect(text).not.toMatch(/disables the job in|days left|\(in \d+ (?:days|h)\)/);
      // Links: the admin center's Cloud sync pane and each configuration's provisioning log of the day.
      expect(text).toContain(
        'https://entra.microsoft.com/#view/Microsoft_AAD_Connect_Provisioning/AADConnectMenuBlade/~/CloudSync',
      );
      expect(text).toContain('https://developer.microsoft.com/en-us/graph/graph-explorer?request=');
    }

    const fabrikam = model.configurations[0]!.jobs[0]!;
    expect(fabrikam).toMatchObject({ configurationName: 'fabrikam.local', stagedDeletes: 600 });
    const failures = Object.fromEntries(
      model.configurations
        .flatMap((c) => c.jobs)
        .flatMap((j) => j.failures.byCategory.map((c) => [c.category, c.objects])),
    );
    expect(failures).toMatchObject({
      DuplicateAttribute: 2,
      DataMismatch: 1,
      DataValidationFailure: 1,
      LargeAttribute: 1,
      FederatedDomainChange: 1,
    });
  });
});
