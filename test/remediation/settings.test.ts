import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config.js';

/** REMEDIATION is off unless set: nothing is sent to the tenant by default. */
describe('REMEDIATION setting', () => {
  const load = (env: Record<string, string>) =>
    loadSettings({}, { TENANT_ID: '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d', ...env });

  it('is off by default and when off', () => {
    expect(load({}).remediation.actions).toEqual([]);
    expect(load({ REMEDIATION: 'off' }).remediation.actions).toEqual([]);
  });

  it('on allows every action; a list allows those', () => {
    expect(load({ REMEDIATION: 'on' }).remediation.actions).toEqual([
      'allow-deletes',
      'restart',
      'provision',
    ]);
    expect(load({ REMEDIATION: 'restart, provision' }).remediation.actions).toEqual(['restart', 'provision']);
  });

  it('refuses an unknown action and a rule map that is not JSON, in plain words', () => {
    expect(() => load({ REMEDIATION: 'restart,delete-everything' })).toThrow(ConfigError);
    expect(() => load({ REMEDIATION: 'restart,delete-everything' })).toThrow(
      /REMEDIATION must be off, on, or a list of allow-deletes, restart, provision \(not delete-everything\)/,
    );
    expect(() => load({ REMEDIATION_RULE_IDS: 'job=rule' })).toThrow(/JSON object of job id to rule id/);
    expect(load({ REMEDIATION_RULE_IDS: '{"AD2AADProvisioning.x":"r1"}' }).remediation.ruleIds).toEqual({
      'AD2AADProvisioning.x': 'r1',
    });
  });
});
