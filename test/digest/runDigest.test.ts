import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config.js';
import { longestDailyIntervalMs, parseNcrontab } from '../../src/digest/ncrontab.js';
import {
  buildDigest,
  expectedRunIntervalMs,
  markDigestSent,
  writeDigestHtml,
} from '../../src/digest/runDigest.js';
import { TENANT, tempStore } from './fixtures.js';
import { DAY_START, greenDay } from './scenarios.js';

const settings = (workbookUrl?: string) => ({
  collectSchedule: '0 */10 * * * *',
  digest: { schedule: '0 0 7 * * *', workbookUrl },
});

describe('buildDigest, markDigestSent, writeDigestHtml', () => {
  it('builds the 24 whole hours before now, one message id per tenant and day, and remembers it was sent', async () => {
    const { store, dir } = await tempStore();
    await greenDay(store);
    // A timer firing a few seconds late still reports on 00:00-00:00.
    const now = new Date('2026-11-23T00:00:04Z');
    const first = await buildDigest({
      state: store,
      tenantId: TENANT,
      now,
      settings: settings('https://portal.azure.com/#wb'),
    });
    expect(first.alreadySent).toBe(false);
    expect(first.model.windowStart).toBe(DAY_START.toISOString());
    expect(first.model.windowEnd).toBe('2026-11-23T00:00:00.000Z');
    expect(first.model.verdict.level).toBe('healthy');
    expect(first.model.coverage.expectedIntervalMs).toBe(10 * 60_000);
    expect(first.message).toMatchObject({
      id: `digest-${TENANT}-2026-11-23`,
      tenantId: TENANT,
      kind: 'digest',
      createdAt: '2026-11-23T00:00:00.000Z',
      email: { subject: 'Cloud Sync daily digest: healthy — contoso tenant, 22 Nov' },
      teams: { card: { type: 'AdaptiveCard', version: '1.4' } },
    });
    expect(first.message.email.html).toContain('https://portal.azure.com/#wb');
    expect(first.message.email.plainText).toMatch(/^CLOUD SYNC DAILY DIGEST/);

    await markDigestSent({
      state: store,
      tenantId: TENANT,
      message: first.message,
      now: new Date('2026-11-23T00:00:09Z'),
    });
    // The timer fires twice: same id, and the second call knows it was sent.
    const second = await buildDigest({
      state: store,
      tenantId: TENANT,
      now: new Date('2026-11-23T00:05:00Z'),
      settings: settings('https://portal.azure.com/#wb'),
    });
    expect(second.message).toEqual(first.message);
    expect(second).toMatchObject({ alreadySent: true, sentAt: '2026-11-23T00:00:09.000Z' });
    const nextDay = await buildDigest({
      state: store,
      tenantId: TENANT,
      now: new Date('2026-11-24T00:00:00Z'),
      settings: settings(),
    });
    expect(nextDay.alreadySent).toBe(false);
    expect(nextDay.model.verdict.level).toBe('unknown');

    const file = await writeDigestHtml(dir, first.message);
    // Named after the day it covers (22 Nov), not the day it is sent (23 Nov at 00:00).
    expect(file).toBe(path.join(dir, 'digest', 'digest-2026-11-22.html'));
    expect(await readFile(file, 'utf8')).toBe(first.message.email.html);
  });

  it('derives the expected run interval from the collect schedule', () => {
    expect(expectedRunIntervalMs('0 */5 * * * *')).toBe(5 * 60_000);
    expect(expectedRunIntervalMs('30 0,15,30,45 * * * *')).toBe(15 * 60_000);
    // Office hours only: the longest pause is the night, so nights are not gaps.
    expect(expectedRunIntervalMs('0 0,30 8-17 * * MON-FRI')).toBe(14.5 * 3600_000);
    expect(expectedRunIntervalMs('every five minutes')).toBe(5 * 60_000);
  });

  it('parses NCRONTAB like the Functions host', () => {
    const parsed = parseNcrontab('0 */20 6-8 * JAN-MAR 1-5');
    expect(parsed).toEqual({
      ok: true,
      schedule: expect.objectContaining({
        minutes: [0, 20, 40],
        hours: [6, 7, 8],
        months: [1, 2, 3],
        daysOfWeek: [1, 2, 3, 4, 5],
      }),
    });
    // Last firing 08:40, next 06:00 the next day.
    if (parsed.ok) expect(longestDailyIntervalMs(parsed.schedule)).toBe(21 * 3600_000 + 20 * 60_000);
    expect(parseNcrontab('0 7 * * *')).toMatchObject({ ok: false, error: expect.stringMatching(/6 fields/) });
    expect(parseNcrontab('0 0 24 * * *')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/hour field "24": 24 is outside 0-23/),
    });
    expect(parseNcrontab('0 0 7 * * FUNDAY')).toMatchObject({ ok: false });
    expect(parseNcrontab('0 0 9-5 * * *')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/backwards/),
    });
  });
});

describe('digest settings', () => {
  it('defaults to 07:00 UTC daily and no workbook link', () => {
    expect(loadSettings({}).digest).toEqual({ schedule: '0 0 7 * * *', workbookUrl: undefined });
  });

  it('accepts a valid schedule and an https workbook URL', () => {
    const digest = loadSettings({
      DIGEST_SCHEDULE: '0 30 6 * * 1-5',
      DIGEST_WORKBOOK_URL: 'https://portal.azure.com/#@contoso/resource/wb',
    }).digest;
    expect(digest).toEqual({
      schedule: '0 30 6 * * 1-5',
      workbookUrl: 'https://portal.azure.com/#@contoso/resource/wb',
    });
  });

  it('rejects a five-field cron and a plain-http workbook URL, naming the setting', () => {
    let error: unknown;
    try {
      loadSettings({ DIGEST_SCHEDULE: '0 7 * * *', DIGEST_WORKBOOK_URL: 'http://example.com/wb' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DIGEST_SCHEDULE must be a 6-field NCRONTAB expression .*needs 6 fields/);
    expect(problems).toMatch(/DIGEST_WORKBOOK_URL must be an https:\/\/ URL/);
  });
});
