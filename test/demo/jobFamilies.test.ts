import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock } from '../../src/clock.js';
import { CONTOSO, DEMO_JOB_IDS, FABRIKAM } from '../../src/demo/demoDayTimeline.js';
import { jobErrors } from '../../src/demo/errorCatalog.js';
import { demoDayScenario } from '../../src/demo/scenario.js';
import type { DemoTenant } from '../../src/demo/server.js';
import type { Transition } from '../../src/domain/alertModel.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';

/**
 * Jobs are recognised by template family and never dropped: through the real Graph client against the
 * demo tenant, a device sync job (AD2AADDeviceSync, on the default demo day) and, in this test scenario,
 * a job of a family no version of the monitor knows ("Foo2Bar") and one of a known family whose template
 * is not in the table. All are collected, alerted on and named; the unknown family is reported.
 */
const DAY = new Date('2026-11-22T00:00:00Z');
const HOUR = 3600_000;
const MINUTE = 60_000;
const UNKNOWN = 'Foo2BarProvisioning';
const NEW_OF_KNOWN_FAMILY = 'Entra2ADSomethingNew';
const unknownJobId = `${UNKNOWN}.${FABRIKAM.servicePrincipalId.replace(/-/g, '')}`;

describe('jobs by template family, through the demo tenant', () => {
  let tenant: DemoTenant;
  let dataDir: string;
  const transitions: Transition[] = [];

  beforeAll(async () => {
    const clock = virtualClock(new Date(DAY.getTime() + 12 * HOUR + 50 * MINUTE));
    tenant = await startTestTenant({
      clock,
      scenario: demoDayScenario({
        dayStart: DAY,
        extraJobs: [
          {
            configuration: 'fabrikam.local',
            templateId: UNKNOWN,
            windows: [
              {
                kind: 'quarantine',
                fromMs: 12 * HOUR + 58 * MINUTE,
                toMs: 14 * HOUR,
                reason: 'EncounteredQuarantineException',
                error: jobErrors.invalidCredential,
              },
            ],
          },
          { configuration: 'contoso.com', templateId: NEW_OF_KNOWN_FAMILY },
        ],
      }),
      reportsRateLimit: false,
    });
    dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir), clock);
    for (const t of [12 * HOUR + 55 * MINUTE, 13 * HOUR]) {
      clock.set(new Date(DAY.getTime() + t));
      const result = await runMonitor(deps, { trigger: 'test', through: 'evaluate' });
      transitions.push(...result.transitions);
    }
  }, 300_000);
  afterAll(async () => {
    await tenant?.close();
  });

  it('collects every job of every configuration, whatever its template', async () => {
    const rows = await readTable(dataDir, 'CloudSyncJobStatus_CL');
    const latest = rows.filter((r) => r.TimeGenerated === rows.at(-1)?.TimeGenerated);
    expect(latest.map((r) => r.TemplateId).sort()).toEqual(
      [
        'AD2AADDeviceSync',
        'AD2AADPasswordHash',
        'AD2AADProvisioning',
        'AD2AADProvisioning',
        NEW_OF_KNOWN_FAMILY,
        UNKNOWN,
      ].sort(),
    );
    const device = latest.find((r) => r.JobId === DEMO_JOB_IDS.contosoDeviceSync);
    // The device sync job's initial sync ended paused with its errors pruned (12:56 on the demo day).
    expect(device).toMatchObject({
      StatusCode: 'Paused',
      EscrowsPruned: true,
      ConfigurationName: CONTOSO.domain,
    });
  });

  it('reports the unknown family in the run row, once per run, and only that one', async () => {
    const runs = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      const unknown = (run.Errors as { code: string; message: string }[]).filter(
        (e) => e.code === 'UnknownValue',
      );
      expect(unknown.map((e) => e.message)).toEqual([
        `Graph sent job.templateId "${UNKNOWN}", which this version does not know (1x); kept as is`,
      ]);
    }
  });

  it('monitors the unknown family generically: its quarantine is an alert, named by its template id', () => {
    const quarantine = transitions.find((t) => t.alert.kind === 'job-quarantined');
    expect(quarantine?.transition).toBe('new');
    expect(quarantine?.alert.subject.jobId).toBe(unknownJobId);
    expect(quarantine?.alert.summary).toMatch(new RegExp(`^fabrikam\\.local ${UNKNOWN} is in quarantine`));
  });

  it('alerts on the device sync job paused after its initial sync, at once', () => {
    const paused = transitions.filter((t) => t.alert.kind === 'initial-sync-paused');
    expect(paused.map((t) => `${t.at.slice(11, 16)} ${t.transition} ${t.alert.severity}`)).toEqual([
      '13:00 new critical',
    ]);
    expect(paused[0]?.alert.summary).toMatch(/^contoso\.com device sync is paused after its initial sync/);
  });
});
