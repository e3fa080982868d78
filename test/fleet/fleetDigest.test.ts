import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/domain/digestModel.js';
import { worstTenantFirst, type FleetDigestRow } from '../../src/fleet/fleetDigest.js';
import { fleetDigestMessage } from '../../src/fleet/sendFleetDigest.js';

const problem = (
  kind: Problem['kind'],
  severity: Problem['severity'],
  title: string,
  ongoing = true,
): Problem => ({
  id: `${kind}:${title}`,
  kind,
  severity,
  title,
  ongoing,
  periods: [{ from: '2026-11-30T08:00:00.000Z', to: null }],
  facts: [],
  action: 'Do the thing',
});

const row = (displayName: string, level: FleetDigestRow['level'], worst?: Problem): FleetDigestRow => ({
  tenantId: `${displayName.length.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
  displayName,
  level,
  headline: worst ? worst.title : level === 'healthy' ? 'All synced.' : 'Not fully observed.',
  worst,
  critical: worst?.severity === 'critical' ? 1 : 0,
  warnings: worst?.severity === 'warning' ? 1 : 0,
});

describe('fleet digest', () => {
  it('orders tenants by their worst problem, worst first; unobserved before healthy', () => {
    const rows = [
      row('Healthy Co', 'healthy'),
      row(
        'Errors Ltd',
        'degraded',
        problem('sync-errors', 'warning', 'Sync errors: errors.com provisioning'),
      ),
      row('Blind Inc', 'unknown'),
      row(
        'Deletes plc',
        'critical',
        problem('deletion-threshold', 'critical', 'Accidental-deletion threshold tripped'),
      ),
      row('Quarantine AG', 'critical', problem('job-quarantined', 'critical', 'Job quarantined')),
    ].sort(worstTenantFirst);
    expect(rows.map((r) => r.displayName)).toEqual([
      'Deletes plc',
      'Quarantine AG',
      'Errors Ltd',
      'Blind Inc',
      'Healthy Co',
    ]);
  });

  it('is one message for the MSP with every tenant, names escaped', () => {
    const rows = [
      row(
        '<script>alert(1)</script> Corp',
        'critical',
        problem('job-quarantined', 'critical', 'Job <b>quarantined</b>'),
      ),
      row('Healthy Co', 'healthy'),
    ];
    const message = fleetDigestMessage({
      date: '2026-12-01',
      windowStart: '2026-11-30T07:00:00.000Z',
      windowEnd: '2026-12-01T07:00:00.000Z',
      rows,
      counts: { critical: 1, degraded: 0, unknown: 0, healthy: 1 },
    });
    expect(message.id).toBe('fleet-digest-2026-12-01');
    expect(message.kind).toBe('digest');
    expect(message.email.subject).toBe('Cloud Sync fleet 2026-12-01: 1 critical, 1 healthy of 2 tenants');
    expect(message.email.html).not.toContain('<script>');
    expect(message.email.html).toContain('&lt;script&gt;');
    expect(message.email.plainText.split('\n')[3]).toMatch(/^Critical .*Corp: Job <b>quarantined<\/b>$/);
    expect(JSON.stringify(message.teams.card)).toContain('Healthy Co');
  });
});
