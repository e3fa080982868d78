import { beforeAll, describe, expect, it } from 'vitest';
import type { DigestModel } from '../../src/domain/digestModel.js';
import { jobErrorGuidance } from '../../src/render/guidance/jobErrors.js';
import { renderDigestHtml } from '../../src/render/digestEmail.js';
import { digestSubject } from '../../src/render/digestFormat.js';
import { renderDigestText } from '../../src/render/digestText.js';
import { HOUR, JOBS, healthyRun, recordDay, recordSpec, tempStore } from './fixtures.js';
import {
  DAY_START,
  INTERVAL,
  WINDOW_END,
  badDay,
  dayBeforeBadDay,
  gapDay,
  greenDay,
  modelOf,
  transition,
} from './scenarios.js';

const at = (hours: number, minutes = 0) =>
  new Date(DAY_START.getTime() + hours * HOUR + minutes * 60_000).toISOString();

describe('digest model over recorded collect runs', () => {
  it('an all-green day is healthy, fully observed, and short', async () => {
    const { store } = await tempStore();
    await greenDay(store);
    const model = await modelOf(store);

    expect(model.verdict).toMatchObject({ level: 'healthy', fullyObserved: true, critical: 0, warnings: 0 });
    expect(model.problems).toEqual([]);
    expect(model.coverage.gaps).toEqual([]);
    expect(model.coverage.runs).toBe(144);
    expect(model.configurations.map((c) => c.name)).toEqual(['contoso.com', 'fabrikam.local']);
    expect(model.configurations.flatMap((c) => c.jobs).every((j) => j.now?.state === 'healthy')).toBe(true);
    expect(model.agents.list.map((a) => a.availabilityPct)).toEqual([100, 100, 100]);
    expect(model.date).toBe('2026-11-23');
    expect(digestSubject(model)).toBe('Cloud Sync daily digest: healthy — contoso tenant, 22 Nov');

    // Short: the verdict, the jobs, the agents, one line of comparison and coverage; no problem sections.
    const html = renderDigestHtml(model);
    expect(html.match(/<h2/g)).toHaveLength(4);
    expect(html).not.toContain('Error code');
    // Two link lines per configuration (admin center, provisioning log) on top of the short report.
    expect(renderDigestText(model).split('\n').length).toBeLessThan(36);
  });

  it('a day with gaps lists the missed and failed runs and is never called healthy', async () => {
    const { store } = await tempStore();
    await gapDay(store);
    const model = await modelOf(store);

    expect(model.verdict.level).toBe('unknown');
    expect(model.verdict.fullyObserved).toBe(false);
    expect(model.verdict.headline).toMatch(/^Not fully observed/);
    expect(model.coverage.gaps).toEqual([
      expect.objectContaining({ kind: 'missed', from: at(2, 55), to: at(4, 35), runs: 9, ongoing: false }),
      expect.objectContaining({
        kind: 'failed',
        from: at(10, 5),
        to: at(10, 35),
        runs: 3,
        codes: ['Unauthorized'],
      }),
    ]);
    expect(model.coverage.failedRuns).toBe(3);
    expect(model.coverage.hourly[3]!.state).toBe('none');
    expect(model.coverage.hourly[12]!.state).toBe('ok');
    expect(model.problems).toHaveLength(1);
    expect(model.problems[0]).toMatchObject({ kind: 'monitoring-gap', severity: 'warning' });
    expect(model.problems[0]!.facts.join('\n')).toMatch(
      /No collect run 02:55 – 04:35 \(1 h 40 min\): about 9 runs missed/,
    );
    expect(model.problems[0]!.facts.join('\n')).toMatch(
      /Collect runs failed 10:05 – 10:35 \(30 min\): 3 runs \(Unauthorized\)/,
    );
    expect(digestSubject(model)).toBe('Cloud Sync daily digest: not fully observed — contoso tenant, 22 Nov');
  });

  it('a monitor that stopped before the end of the window shows an ongoing gap', async () => {
    const { store } = await tempStore();
    await recordDay(store, DAY_START, (t, offset) => (offset < 20 * HOUR ? healthyRun(t) : null), INTERVAL);
    const model = await modelOf(store);
    expect(model.coverage.gaps).toEqual([
      expect.objectContaining({
        kind: 'missed',
        from: at(19, 55),
        to: WINDOW_END.toISOString(),
        ongoing: true,
      }),
    ]);
    expect(model.problems[0]).toMatchObject({ kind: 'monitoring-gap', ongoing: true });
    expect(model.verdict.level).toBe('unknown');
  });

  it('no run at all is "not observed", not healthy', async () => {
    const { store } = await tempStore();
    const model = await modelOf(store);
    expect(model.verdict.level).toBe('unknown');
    expect(model.verdict.headline).toMatch(/no collect run recorded/);
    expect(model.totals.observedPct).toBe(0);
  });

  it('partial runs that a later run caught up with do not make the day unobserved; lost job status does', async () => {
    const { store } = await tempStore();
    await recordDay(
      store,
      DAY_START,
      (t, offset) => {
        if (offset >= 21 * HOUR && offset < 21.5 * HOUR)
          return { ...healthyRun(t), outcome: 'partial', failedSignals: ['provisioning'] };
        if (offset >= 12 * HOUR && offset < 12 * HOUR + INTERVAL)
          return { outcome: 'partial', failedSignals: ['jobs'], agents: healthyRun(t).agents };
        return healthyRun(t);
      },
      INTERVAL,
    );
    const model = await modelOf(store);
    expect(model.coverage.partial).toEqual([
      expect.objectContaining({ from: at(12, 5), signals: ['jobs'], lost: true }),
      expect.objectContaining({
        from: at(21, 5),
        runs: 3,
        signals: ['provisioning'],
        caughtUp: true,
        lost: false,
      }),
    ]);
    expect(model.verdict.fullyObserved).toBe(false);
    expect(model.problems[0]!.facts.join('\n')).toMatch(/jobs could not be read 12:05/);
    expect(model.problems[0]!.facts.join('\n')).not.toMatch(/provisioning/);
  });

  describe('a bad day after a quieter one', () => {
    let model: DigestModel;
    beforeAll(async () => {
      const { store } = await tempStore();
      await dayBeforeBadDay(store);
      await badDay(store);
      model = await modelOf(store);
    });

    it('a deletion-threshold trip puts the worst first, with StagedDelete counts and quarantine days left', () => {
      expect(model.verdict.level).toBe('critical');
      expect(model.problems.map((p) => [p.kind, p.severity, p.ongoing])).toEqual([
        ['deletion-threshold', 'critical', true],
        ['job-quarantined', 'critical', true],
        ['sync-errors', 'warning', true],
        ['agent-inactive', 'warning', false],
      ]);
      expect(model.verdict.headline).toMatch(
        /^Accidental-deletion threshold tripped: fabrikam\.local provisioning is stopped \(still ongoing\); 3 more problems/,
      );
      expect(digestSubject(model)).toBe(
        'Cloud Sync daily digest: 2 critical, 1 warning open now — contoso tenant, 22 Nov',
      );

      const trip = model.problems[0]!;
      // Graph's quarantine.currentBegan (09:02), not the run that first saw it (09:05).
      expect(trip.periods).toEqual([{ from: at(9, 2), to: null }]);
      expect(trip.facts).toContain(
        '600 deletions staged (StagedDelete events) today, each retry of a held cycle counted again; the threshold is 500 per cycle.',
      );
      expect(trip.facts.join('\n')).toMatch(/around 20 Dec \(in 27 days\)/);
      expect(trip.action).toMatch(/ForceDeletes/);

      const fabrikam = model.configurations[0]!;
      expect(fabrikam.name).toBe('fabrikam.local');
      expect(fabrikam.worst).toBe('critical');
      const job = fabrikam.jobs[0]!;
      expect(job.stagedDeletes).toBe(600);
      expect(job.events.StagedDelete).toMatchObject({ skipped: 600, failure: 0 });
      expect(job.quarantine).toMatchObject({
        reason: 'TooManyDeletes',
        seriesBegan: at(9, 2),
        disableIn: 'in 27 days',
      });
      expect(job.hourly.slice(8, 10).map((c) => c.state)).toEqual(['ok', 'critical']);

      const phs = model.problems[1]!;
      expect(phs.title).toBe(
        'contoso.com password hash sync is quarantined (EncounteredQuarantineException)',
      );
      expect(phs.facts.join('\n')).toMatch(/AzureActiveDirectoryInvalidCredential/);
      expect(phs.facts.join('\n')).toMatch(/\(in 7 days\)/);
      expect(phs.action).toMatch(/Repair-AADCloudSyncToolsAccount/);
      // The alert messages' advice (src/render/guidance), not a digest copy of it.
      expect(phs.action).toContain(jobErrorGuidance('AzureActiveDirectoryInvalidCredential')!.meaning);

      const failing = model.problems[2]!;
      expect(failing.title).toBe('1 object failing to sync: contoso.com provisioning');
      expect(failing.facts[0]).toMatch(
        /AzureDirectoryServiceAttributeValueMustBeUnique \(DuplicateAttribute\): 1 object, e\.g\. Megan Bowen/,
      );
      expect(failing.facts).toContain('1 other object failed today and was fixed since.');
      const contosoProvisioning = model.configurations[1]!.jobs.find(
        (j) => j.templateId === 'AD2AADProvisioning',
      )!;
      expect(contosoProvisioning.failures).toMatchObject({
        objects: 2,
        byCategory: [{ category: 'DuplicateAttribute', objects: 2 }],
      });
      expect(contosoProvisioning.failures.topCodes[0]).toMatchObject({
        code: 'AzureDirectoryServiceAttributeValueMustBeUnique',
        objects: 2,
        examples: ['Megan Bowen', 'Adele Vance'],
      });

      const agent = model.problems[3]!;
      expect(agent.title).toBe('Agent CSYNC02.contoso.com was inactive (high availability degraded)');
      expect(agent.facts).toContain('CSYNC01.contoso.com stayed active: sync continued, without a standby.');
      // On the host that was down; the services by their names, which every agent version keeps.
      expect(agent.action).toMatch(/^On CSYNC02\.contoso\.com: check that the Windows services/);
      expect(agent.action).toContain('Start-Service -Name AADConnectProvisioningAgent.');
      expect(agent.action).not.toContain('Microsoft Azure AD Connect Provisioning Agent service');
      expect(model.agents.list[0]).toMatchObject({
        machineName: 'CSYNC02.contoso.com',
        availabilityPct: 91.7,
        inactive: [{ from: at(5, 5), to: at(7, 5) }],
      });
    });

    it('compares with the previous day and carries alerts and failing objects across it', () => {
      expect(model.change.previousObserved).toBe(true);
      const rows = Object.fromEntries(model.change.rows.map((r) => [r.metric, [r.today, r.previous]]));
      expect(rows.critical).toEqual([2, 1]);
      expect(rows.warnings).toEqual([2, 1]);
      expect(rows.failingObjectsAtEnd).toEqual([1, 1]);
      expect(rows.alertsOpened).toEqual([2, 1]);
      expect(rows.failedEvents![0]).toBeGreaterThan(rows.failedEvents![1]!);

      // Megan Bowen has been failing since 20:05 the day before: the failing state crossed the day boundary.
      expect(model.problems.find((p) => p.kind === 'sync-errors')!.facts[0]).toMatch(
        /Megan Bowen \(since 21 Nov 20:05\)/,
      );

      const kinds = (lines: readonly { kind: string }[]) => lines.map((l) => l.kind).sort();
      expect(kinds(model.alerts.opened)).toEqual(['agent-offline', 'deletion-threshold']);
      expect(kinds(model.alerts.stillOpen)).toEqual(['deletion-threshold', 'job-quarantined', 'sync-errors']);
      expect(kinds(model.alerts.resolved)).toEqual(['agent-offline']);
      // Critical first, the longest-standing first: the quarantine alert was opened before the two days read.
      expect(model.alerts.stillOpen.map((l) => [l.kind, l.severity])).toEqual([
        ['job-quarantined', 'critical'],
        ['deletion-threshold', 'critical'],
        ['sync-errors', 'warning'],
      ]);
      expect(model.alerts.stillOpen[1]).toMatchObject({
        subject: 'fabrikam.local / AD2AADProvisioning',
        openedAt: at(9, 5),
      });
    });
  });

  it('says why agents are missing when the agents API is unavailable in app-only mode', async () => {
    const { store } = await tempStore();
    await recordDay(
      store,
      DAY_START,
      (t) => ({ ...healthyRun(t), agents: [], agentsApi: 'unavailable' }),
      INTERVAL,
    );
    const model = await modelOf(store);
    expect(model.agents.list).toEqual([]);
    expect(model.agents.note).toMatch(/delegated permissions only/);
    expect(model.verdict.level).toBe('healthy');
  });

  it('a no-active-agent job error is critical and absorbs the agent outage of the same configuration', async () => {
    const { store } = await tempStore();
    await recordDay(
      store,
      DAY_START,
      (t, offset) => {
        const down = offset >= 18 * HOUR && offset < 19 * HOUR;
        return healthyRun(
          t,
          down
            ? {
                fabrikamProvisioning: {
                  lastExecutionState: 'Failed',
                  lastErrorCode: 'HybridIdentityServiceNoActiveAgents',
                },
              }
            : {},
          { fabsync01: down ? 'inactive' : 'active' },
        );
      },
      INTERVAL,
    );
    const model = await modelOf(store);
    expect(model.problems).toHaveLength(1);
    expect(model.problems[0]).toMatchObject({
      kind: 'no-active-agent',
      severity: 'critical',
      ongoing: false,
      machineName: 'FABSYNC01.fabrikam.local',
    });
    expect(model.problems[0]!.facts).toEqual([
      'Cycles failed with HybridIdentityServiceNoActiveAgents 18:05 – 19:05 (1 h)',
      'FABSYNC01.fabrikam.local inactive 18:05 – 19:05 (1 h)',
      'No other agent of fabrikam.local was active meanwhile: sync stopped.',
    ]);
  });

  it('a failed cycle alone is not a problem; an open job-failing alert is (the rules decide, the digest agrees)', async () => {
    const { store } = await tempStore();
    await recordSpec(
      store,
      new Date(at(1)),
      healthyRun(new Date(at(1)), {
        contosoProvisioning: { lastExecutionState: 'Failed', lastErrorCode: 'TimeOut' },
      }),
    );
    const job = { jobId: JOBS.contosoProvisioning.jobId, configurationName: 'contoso.com' };
    const failingAlert = (kind: 'new' | 'resolved', t: Date) =>
      transition('job-failing', 'warning', kind, t.toISOString(), job, 'contoso.com provisioning: failing');
    await recordDay(
      store,
      DAY_START,
      (t, offset) =>
        offset < 2 * HOUR
          ? null
          : {
              ...healthyRun(
                t,
                offset >= 16 * HOUR && offset < 16.5 * HOUR
                  ? {
                      contosoProvisioning: {
                        lastExecutionState: 'Failed',
                        lastErrorCode: 'AzureDirectoryServiceServerBusy',
                      },
                    }
                  : {},
              ),
              ...(offset === 16 * HOUR + 1.5 * INTERVAL
                ? { transitions: [failingAlert('new', t)] }
                : offset === 16.5 * HOUR + INTERVAL / 2
                  ? { transitions: [failingAlert('resolved', t)] }
                  : {}),
            },
      INTERVAL,
    );
    const model = await modelOf(store);
    const failing = model.problems.filter((p) => p.kind === 'job-failing');
    expect(failing).toHaveLength(1);
    expect(failing[0]!.title).toBe(
      'Sync cycles failed: contoso.com provisioning (AzureDirectoryServiceServerBusy)',
    );
    // Runs at :05, :15, ...: the alert opened at 16:15 and resolved at 16:35.
    expect(failing[0]!.periods).toEqual([{ from: at(16, 15), to: at(16, 35) }]);
    expect(model.configurations[0]!.jobs[0]!.incidents.map((i) => i.detail)).toEqual([
      'AzureDirectoryServiceServerBusy',
    ]);
  });

  it('a resolved alert is told as over: no prediction, how long it lasted, what ended it (deletes rejected)', async () => {
    const { store } = await tempStore();
    const fab = { jobId: JOBS.fabrikamProvisioning.jobId, configurationName: 'fabrikam.local' };
    const phs = { jobId: JOBS.contosoPasswordHash.jobId, configurationName: 'contoso.com' };
    const quarantined = `contoso.com password hash sync is in quarantine (EncounteredQuarantineException); Entra disables the job in 27 days`;
    const trip = 'fabrikam.local provisioning: sync stopped, accidental-deletion threshold exceeded';
    // Runs at :05, :15, ...: the trip 09:05-11:05 (no Delete event after it), the quarantine 13:05-14:05.
    await recordDay(
      store,
      DAY_START,
      (t, offset) => {
        const tripped = offset >= 9 * HOUR && offset < 11 * HOUR;
        const inQuarantine = offset >= 13 * HOUR && offset < 14 * HOUR;
        const run = healthyRun(t, {
          ...(tripped
            ? {
                fabrikamProvisioning: {
                  status: 'Quarantine',
                  quarantineReason: 'TooManyDeletes',
                  quarantineSince: at(9),
                  seriesBegan: at(9),
                },
              }
            : {}),
          ...(inQuarantine
            ? {
                contosoPasswordHash: {
                  status: 'Quarantine',
                  quarantineReason: 'EncounteredQuarantineException',
                  quarantineSince: at(13),
                  seriesBegan: at(13),
                },
              }
            : {}),
        });
        const on = (h: number) => offset === h * HOUR + INTERVAL / 2;
        const transitions = on(9)
          ? [transition('deletion-threshold', 'critical', 'new', t.toISOString(), fab, trip)]
          : on(11)
            ? [transition('deletion-threshold', 'critical', 'resolved', t.toISOString(), fab, trip, at(9, 5))]
            : on(13)
              ? [transition('job-quarantined', 'critical', 'new', t.toISOString(), phs, quarantined)]
              : on(14)
                ? [
                    transition(
                      'job-quarantined',
                      'critical',
                      'resolved',
                      t.toISOString(),
                      phs,
                      quarantined,
                      at(13, 5),
                    ),
                  ]
                : [];
        return { ...run, transitions };
      },
      INTERVAL,
    );
    const model = await modelOf(store);
    // The fixture's alerts began at their `new` transition (since = at): 09:05 and 13:05.
    const byKind = Object.fromEntries(model.alerts.resolved.map((l) => [l.kind, l]));
    expect(byKind['deletion-threshold']).toMatchObject({
      lastedMs: 2 * HOUR,
      ended: 'the deletes were not allowed: no Delete event after it',
    });
    // Recorded without the RESOLVED message's count: the problem says what the hourly rollup shows.
    const tripProblem = model.problems.find((p) => p.kind === 'deletion-threshold');
    expect(tripProblem?.facts).toContain('No Delete event after the quarantine ended (11:05).');
    expect(byKind['job-quarantined']).toMatchObject({
      summary: 'contoso.com password hash sync is in quarantine (EncounteredQuarantineException)',
      lastedMs: HOUR,
      ended: "the job's state then: Active",
    });
    // The Opened list tells the same alert as over too.
    expect(model.alerts.opened.map((l) => l.summary).join(' ')).not.toContain('disables');
    const html = renderDigestHtml(model).replace(/&#39;/g, "'");
    const text = renderDigestText(model);
    for (const rendered of [html, text]) {
      expect(rendered).not.toMatch(/Entra disables|days left|\(in \d+ (?:days|h)\)/);
      expect(rendered).toContain("resolved 14:05 after 1 h; ended: the job's state then: Active");
      expect(rendered).toContain('resolved 11:05 after 2 h; ended: the deletes were not allowed');
    }
  });
});
