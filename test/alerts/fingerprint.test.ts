import { describe, expect, it } from 'vitest';
import { fingerprint, subjectKey } from '../../src/alerts/fingerprint.js';
import { JOB, SP, TENANT, compact } from '../rules/fixtures.js';

describe('fingerprints', () => {
  it('are short, stable hex ids (a fixed value guards against accidental changes to the recipe)', () => {
    const id = fingerprint('sync-errors', { tenantId: TENANT, jobId: JOB });
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint('sync-errors', { tenantId: TENANT, jobId: JOB })).toBe(id);
    // sha256("<tenant>\nsync-errors\njob=ad2aadprovisioning.<compact sp id>"), first 16 hex digits.
    expect(id).toBe('64a25e39cc145061');
  });

  it.each([
    {
      title: 'the 2- and 3-part forms of a job id are one job',
      a: { tenantId: TENANT, jobId: `AD2AADProvisioning.${compact(SP)}` },
      b: { tenantId: TENANT, jobId: `AD2AADProvisioning.${compact(SP)}.${TENANT}` },
      same: true,
    },
    {
      title: 'case does not matter',
      a: { tenantId: TENANT.toUpperCase(), jobId: JOB.toUpperCase() },
      b: { tenantId: TENANT, jobId: JOB },
      same: true,
    },
    {
      title: 'display fields do not matter',
      a: { tenantId: TENANT, jobId: JOB, configurationName: 'contoso.com', servicePrincipalId: SP },
      b: { tenantId: TENANT, jobId: JOB, configurationName: 'renamed' },
      same: true,
    },
    {
      title: 'agents by id, not machine name',
      a: { tenantId: TENANT, agentId: 'A1', machineName: 'old' },
      b: { tenantId: TENANT, agentId: 'a1', machineName: 'new' },
      same: true,
    },
    {
      title: 'tenants apart',
      a: { tenantId: TENANT, jobId: JOB },
      b: { tenantId: 'other', jobId: JOB },
      same: false,
    },
    {
      title: 'jobs apart',
      a: { tenantId: TENANT, jobId: JOB },
      b: { tenantId: TENANT, jobId: `AD2AADPasswordHash.${compact(SP)}` },
      same: false,
    },
    {
      title: 'a configuration apart from its job',
      a: { tenantId: TENANT, servicePrincipalId: SP },
      b: { tenantId: TENANT, servicePrincipalId: SP, jobId: JOB },
      same: false,
    },
  ])('$title', ({ a, b, same }) => {
    expect(fingerprint('job-failing', a) === fingerprint('job-failing', b)).toBe(same);
  });

  it('kinds apart', () => {
    const subject = { tenantId: TENANT, jobId: JOB };
    expect(fingerprint('sync-errors', subject)).not.toBe(fingerprint('job-failing', subject));
  });

  it('subject keys say what identifies the subject', () => {
    expect(subjectKey({ tenantId: TENANT, signal: 'jobs' })).toBe('signal=jobs');
    expect(subjectKey({ tenantId: TENANT })).toBe('tenant');
  });
});
