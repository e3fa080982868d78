import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, TRANSITIONS, type Alert, type Transition } from '../../src/domain/alertModel.js';
import { renderAlertMessage } from '../../src/render/alertMessage.js';
import { formatSince } from '../../src/render/format.js';
import { formatDuration, formatIsoDuration } from '../../src/domain/duration.js';
import { isMicrosoftUrl, isOwnUrl } from '../../src/render/links.js';
import { GENERATED_AT, TENANT_ID } from './fixtures.js';

/** Stored alerts may come from an older version: missing details never crash or print "undefined". */
describe('renderers with sparse details', () => {
  const bare = (kind: Alert['kind'], details: Record<string, unknown>): Alert => ({
    id: `${kind}:x`,
    kind,
    subject: { tenantId: TENANT_ID },
    severity: 'warning',
    summary: `a ${kind} alert`,
    since: GENERATED_AT,
    materialKey: 'k',
    details,
    state: 'open',
    openedAt: GENERATED_AT,
    lastChangedAt: GENERATED_AT,
    lastNotifiedAt: GENERATED_AT,
  });

  it.each(ALERT_KINDS.flatMap((kind) => TRANSITIONS.map((t) => [kind, t] as const)))('%s %s', (kind, t) => {
    for (const details of [
      {},
      { job: null, groups: [null], quarantine: {}, jobs: [{}], scope: 'configuration' },
    ]) {
      const transition: Transition = { transition: t, at: GENERATED_AT, alert: bare(kind, details) };
      const { email, teams } = renderAlertMessage({
        tenantId: TENANT_ID,
        generatedAt: GENERATED_AT,
        transitions: [transition],
      });
      for (const text of [email.subject, email.html, email.plainText, JSON.stringify(teams.card)]) {
        expect(text).not.toMatch(/\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]/);
      }
      expect(email.subject).toMatch(
        t === 'resolved'
          ? /^\[RESOLVED\] /
          : t === 'acknowledged'
            ? /^\[ACKNOWLEDGED\] /
            : /^\[FIRING:1\] (WARNING|CRITICAL)/,
      );
      expect(email.subject).toContain(' · Cloud Sync · ');
    }
  });

  it('renders an empty message without failing', () => {
    const { email } = renderAlertMessage({ tenantId: TENANT_ID, generatedAt: GENERATED_AT, transitions: [] });
    expect(email.subject).toBe(`[Cloud Sync] No alert changes · ${TENANT_ID}`);
  });
});

describe('formatting and links', () => {
  it('formats times and durations for people', () => {
    const now = new Date(GENERATED_AT);
    expect(formatSince('2026-03-02T00:05:00Z', now)).toBe('2026-03-02 00:05 UTC (3 h ago)');
    expect(formatDuration(95 * 60_000)).toBe('1 h 35 min');
    expect(formatDuration(50 * 3600_000)).toBe('2 d 2 h');
    expect(formatIsoDuration('PT2M')).toBe('2 min');
    expect(formatIsoDuration('PT40M')).toBe('40 min');
    expect(formatIsoDuration('P1D')).toBe('24 h');
    expect(formatIsoDuration('weird')).toBe('weird');
  });

  it('trusts only https Microsoft hosts for troubleshooting links', () => {
    expect(isMicrosoftUrl('https://go.microsoft.com/fwlink/?linkid=2150988')).toBe(true);
    expect(isMicrosoftUrl('https://portal.azure.com/#blade')).toBe(true);
    for (const url of [
      'http://go.microsoft.com/x',
      'https://microsoft.com.evil.example/',
      'https://evilmicrosoft.com/',
      'javascript:alert(1)',
      'https://user:pw@learn.microsoft.com/',
    ]) {
      expect(isMicrosoftUrl(url)).toBe(false);
    }
    expect(isOwnUrl('https://monitor.example/api/ack?t=1')).toBe(true);
    expect(isOwnUrl('http://localhost:7071/api/ack')).toBe(true);
    expect(isOwnUrl('http://monitor.example/api/ack')).toBe(false);
    expect(isOwnUrl('javascript:alert(1)')).toBe(false);
  });
});
