import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertSettingsShape, defaultAlertSettings, toAlertSettings } from '../../src/alerts/settings.js';

const schema = z.object(alertSettingsShape);
const parse = (env: Record<string, string>) => toAlertSettings(schema.parse(env));

describe('alert settings', () => {
  it('have sensible defaults', () => {
    expect(defaultAlertSettings).toEqual({
      syncErrors: { criticalCount: 50, listMax: 50, trackMaxPerJob: 500, staleMs: 7 * 24 * 3_600_000 },
      transientPersistMs: 30 * 60_000,
      agentOfflineMs: 15 * 60_000,
      syncStalledMs: 30 * 60_000,
      pausedMs: 24 * 3_600_000,
      jobFailingMinFailures: 3,
      monitorDegradedRuns: 3,
      quarantine: { disableDays: 28, remindDaysLeft: [7, 1] },
      repeatMs: 4 * 3_600_000,
      repeatWarningMs: 24 * 3_600_000,
      sendResolved: true,
      flapWindowMs: 60 * 60_000,
      holdDownMs: 10 * 60_000,
      groupIntervalMs: 60 * 60_000,
      ack: { secret: undefined, baseUrl: undefined, linkTtlMs: 72 * 3_600_000 },
      maintenanceWindows: [],
    });
  });

  it.each<{
    env: Record<string, string>;
    pick: (s: typeof defaultAlertSettings) => unknown;
    expected: unknown;
  }>([
    {
      env: { AGENT_OFFLINE_MINUTES: '5' },
      pick: (s: typeof defaultAlertSettings) => s.agentOfflineMs,
      expected: 5 * 60_000,
    },
    {
      env: { ALERT_REPEAT_HOURS: '0.5' },
      pick: (s: typeof defaultAlertSettings) => s.repeatMs,
      expected: 30 * 60_000,
    },
    {
      env: { ALERT_SEND_RESOLVED: 'false' },
      pick: (s: typeof defaultAlertSettings) => s.sendResolved,
      expected: false,
    },
    {
      env: { ALERT_SEND_RESOLVED: 'On' },
      pick: (s: typeof defaultAlertSettings) => s.sendResolved,
      expected: true,
    },
    {
      env: { QUARANTINE_REMIND_DAYS_LEFT: '1, 14;7 7' },
      pick: (s: typeof defaultAlertSettings) => s.quarantine.remindDaysLeft,
      expected: [14, 7, 1],
    },
    {
      env: { ACK_SECRET: 'x'.repeat(32), ACK_BASE_URL: 'https://func.example.net/api/ack' },
      pick: (s: typeof defaultAlertSettings) => [s.ack.secret?.length, s.ack.baseUrl],
      expected: [32, 'https://func.example.net/api/ack'],
    },
  ])('parses $env', ({ env, pick, expected }) => {
    expect(pick(parse(env))).toEqual(expected);
  });

  it.each([
    { ALERT_SEND_RESOLVED: 'maybe' },
    { ACK_SECRET: 'short' },
    { ACK_BASE_URL: 'ftp://example.net/ack' },
    { AGENT_OFFLINE_MINUTES: '0' },
    { QUARANTINE_REMIND_DAYS_LEFT: '7,x' },
  ])('rejects %o', (env) => {
    expect(schema.safeParse(env).success).toBe(false);
  });
});
