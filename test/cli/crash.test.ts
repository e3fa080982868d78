import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { seededRandom } from '../../src/demo/prng.js';
import { demoDayScenario } from '../../src/demo/scenario.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { silentLogger } from '../../src/log.js';
import { createMonitorDependencies } from '../../src/wiring.js';
import { duplicatesOf, readTable, startTestTenant, tempDataDir } from '../support/collectHarness.js';
import { buildProject } from '../support/buildProject.js';

/**
 * Issue 9's crash test: the demo day, a run every 10 minutes; at seeded random slots the run is a real
 * `cloudsync-monitor run` process killed with SIGKILL at a seeded random moment, the other runs go
 * through the staged run in this process. The next run picks up whatever the killed one left. At the
 * end: every event once (compared with the same day run without kills), every alert row once, and
 * every notified transition in exactly one message per channel, in commit order.
 */
const DAY = new Date('2026-11-21T00:00:00Z');
const STEP_MS = 10 * 60_000;
const SLOTS = 144;
const SEED = 'crash-2026-12-01';
const KILL_SLOTS = 48;
/** Short leases, so the slot after a killed run finds the lease expired. */
const LIMITS = { RUN_LEASE_SECONDS: '120', RUN_TIME_BUDGET_SECONDS: '30', RUN_MAX_SECONDS: '100' };

interface Day {
  readonly dataDir: string;
  kills: number;
}

/**
 * Replays the day. `kill`: slots whose run is a CLI process killed mid-work (`build`: the built project).
 * Without kills (the reference), the in-process runs go through collection only: the reference is there
 * for the set of events a day without kills collects, which no later stage of a run changes.
 */
async function replay(
  kill: ReadonlySet<number>,
  fractions: readonly number[],
  build: string | undefined,
): Promise<Day> {
  let typicalMs: number | undefined;
  const clock = virtualClock(DAY);
  const tenant: DemoTenant = await startTestTenant({
    clock,
    scenario: demoDayScenario({ dayStart: DAY }),
    reportsRateLimit: false,
  });
  const dataDir = await tempDataDir();
  const env = {
    GRAPH_BASE_URL: tenant.baseUrl,
    GRAPH_ACCESS_TOKEN: 'crash-token',
    TENANT_ID: tenant.tenantId,
    DATA_DIR: dataDir,
    ...LIMITS,
  };
  const day: Day = { dataDir, kills: 0 };
  try {
    for (let slot = 1; slot <= SLOTS; slot++) {
      const at = new Date(DAY.getTime() + slot * STEP_MS);
      clock.set(at);
      if (kill.has(slot)) {
        // The first such slot runs to the end and tells how long a CLI run takes on this machine; the
        // others are killed at a seeded fraction of the latest run that ended by itself, so the kills
        // land inside the runs' work whatever the machine's speed, and as its load changes over the day.
        const began = Date.now();
        const killed = await runAndKill(
          build!,
          at,
          env,
          typicalMs === undefined ? undefined : typicalMs * (fractions[slot] ?? 0.5),
        );
        if (killed) day.kills += 1;
        else typicalMs = Date.now() - began;
      } else {
        const deps = await createMonitorDependencies(loadSettings({}, env), clock, silentLogger);
        await runMonitor(
          deps,
          kill.size === 0 ? { trigger: 'test', through: 'collect' } : { trigger: 'test' },
        );
      }
    }
  } finally {
    await tenant.close();
  }
  return day;
}

/** True when the process was killed (after `delayMs`; never without it) before it ended by itself. */
function runAndKill(
  build: string,
  at: Date,
  env: Record<string, string>,
  delayMs: number | undefined,
): Promise<boolean> {
  const child = spawn(process.execPath, [path.join(build, 'src/cli.js'), 'run', '--now', at.toISOString()], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  return new Promise((resolve) => {
    let exited = false;
    const timer =
      delayMs === undefined
        ? undefined
        : setTimeout(() => {
            if (!exited) child.kill('SIGKILL');
          }, delayMs);
    child.on('exit', (_code, signal) => {
      exited = true;
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

interface Sent {
  readonly channel: string;
  readonly createdAt: string;
  readonly text: string;
}

async function outbox(dataDir: string): Promise<Sent[]> {
  const dir = path.join(dataDir, 'outbox');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      channel: file.includes('-email-') ? 'email' : 'teams',
      createdAt: file.slice(0, 24),
      text: await readFile(path.join(dir, file), 'utf8'),
    })),
  );
}

describe('kill -9 at random points across a demo day (issue 9)', () => {
  let reference: Day;
  let crashed: Day;

  beforeAll(async () => {
    const build = buildProject();
    const random = seededRandom(SEED.length * 7919);
    const kill = new Set<number>();
    while (kill.size < KILL_SLOTS) kill.add(1 + Math.floor(random() * (SLOTS - 1)));
    const fractions = Array.from({ length: SLOTS + 1 }, () => 0.15 + random() * 0.8);
    reference = await replay(new Set(), fractions, undefined);
    crashed = await replay(kill, fractions, build);
  }, 900_000);

  it('killed at least 30 runs in the middle of their work', () => {
    expect(
      crashed.kills,
      `${crashed.kills} of ${KILL_SLOTS} runs killed before they ended`,
    ).toBeGreaterThanOrEqual(30);
  });

  it('wrote every provisioning event exactly once', async () => {
    const ids = (await readTable(crashed.dataDir, 'CloudSyncProvisioning_CL')).map((r) => r.EventId);
    const expected = (await readTable(reference.dataDir, 'CloudSyncProvisioning_CL')).map((r) => r.EventId);
    expect(duplicatesOf(ids)).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(expected));
  });

  it('wrote every alert transition once and told each exactly once per channel, in order', async () => {
    const rows = await readTable(crashed.dataDir, 'CloudSyncAlert_CL');
    const keys = rows.map((r) => `${String(r.AlertId)}|${String(r.Transition)}|${String(r.TimeGenerated)}`);
    expect(duplicatesOf(keys)).toEqual([]);
    const notified = rows.filter((r) => (r.Details as { notified?: boolean }).notified);
    expect(notified.length).toBeGreaterThan(10);
    const sent = await outbox(crashed.dataDir);
    const markOf = (row: Record<string, unknown>) => `${String(row.AlertId)} (${String(row.Transition)})`;
    for (const channel of ['email', 'teams']) {
      const messages = sent.filter((m) => m.channel === channel);
      // Each notified row is in exactly one message: as many messages carry a mark as rows have it.
      const rowsPerMark = new Map<string, number>();
      for (const row of notified) rowsPerMark.set(markOf(row), (rowsPerMark.get(markOf(row)) ?? 0) + 1);
      for (const [mark, count] of rowsPerMark) {
        const carrying = messages.filter((m) => m.text.includes(mark)).length;
        expect(carrying, `${channel}: ${mark}`).toBe(count);
      }
      // In order: an alert's transitions reach the channel in the order they were committed.
      const byAlert = new Map<string, string[]>();
      for (const row of notified)
        byAlert.set(String(row.AlertId), [
          ...(byAlert.get(String(row.AlertId)) ?? []),
          String(row.Transition),
        ]);
      for (const [alertId, transitions] of byAlert) {
        let at = -1;
        for (const transition of transitions) {
          const next = messages.findIndex((m, i) => i > at && m.text.includes(`${alertId} (${transition})`));
          expect(next, `${channel}: ${alertId} ${transition} after message ${at}`).toBeGreaterThan(at);
          at = next;
        }
      }
    }
    // One file per message and channel: a message re-sent after a kill lands in the same file.
    expect(sent.filter((m) => m.channel === 'email').length).toBe(
      sent.filter((m) => m.channel === 'teams').length,
    );
  });
});
