import { describe, expect, it } from 'vitest';
import type { AlertKind, AlertSubject } from '../../src/domain/alertModel.js';
import { coverageOf } from '../../src/rules/coverage.js';
import type { Observations } from '../../src/rules/observations.js';
import { emptyObjectStatus } from '../../src/rules/objectStatusState.js';
import {
  DAY,
  JOB,
  JOB2,
  SP,
  SP2,
  TENANT,
  agent,
  at,
  iso,
  issue,
  observations,
  settings,
} from './fixtures.js';

const contosoJob: AlertSubject = { tenantId: TENANT, servicePrincipalId: SP, jobId: JOB };
const fabrikamJob: AlertSubject = { tenantId: TENANT, servicePrincipalId: SP2, jobId: JOB2 };
const goneConfiguration: AlertSubject = {
  tenantId: TENANT,
  servicePrincipalId: '99999999-0000-4000-8000-000000000000',
  jobId: 'AD2AADProvisioning.999',
};
const agentSubject: AlertSubject = { tenantId: TENANT, agentId: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6' };

function checked(
  kind: AlertKind,
  subject: AlertSubject,
  overrides: Partial<Observations>,
  openedAt = iso(-DAY),
): boolean {
  return coverageOf(observations(overrides), at(0), settings()).isChecked({ kind, subject, openedAt });
}

describe('coverage: could not check is not clear', () => {
  it.each([
    {
      title: 'a clean run checks every job kind',
      kind: 'job-failing',
      subject: contosoJob,
      obs: {},
      expected: true,
    },
    {
      title: 'a configuration whose job read failed: its jobs are not checked',
      kind: 'job-quarantined',
      subject: contosoJob,
      obs: { issues: [issue({ signal: 'jobs', target: 'contoso.com' })] },
      expected: false,
    },
    {
      title: '... the other configuration still is',
      kind: 'job-quarantined',
      subject: fabrikamJob,
      obs: { issues: [issue({ signal: 'jobs', target: 'contoso.com' })] },
      expected: true,
    },
    {
      title: 'a job of the configuration skipped as malformed: not checked (it may be the one)',
      kind: 'sync-stalled',
      subject: contosoJob,
      obs: {
        issues: [issue({ signal: 'jobs', severity: 'warning', code: 'MalformedJob', target: 'contoso.com' })],
      },
      expected: false,
    },
    {
      title: 'discovery failed: nothing job-related is checked',
      kind: 'deletion-threshold',
      subject: fabrikamJob,
      obs: { issues: [issue({ signal: 'discovery' })], configurations: [] },
      expected: false,
    },
    {
      title: 'a configuration discovery no longer lists is gone (checked) when discovery was clean',
      kind: 'job-failing',
      subject: goneConfiguration,
      obs: {},
      expected: true,
    },
    {
      title: '... but not when discovery served a stale cache',
      kind: 'job-failing',
      subject: goneConfiguration,
      obs: { issues: [issue({ signal: 'discovery', severity: 'warning' })] },
      expected: false,
    },
    {
      title: 'configuration-level agent-offline follows its jobs',
      kind: 'agent-offline',
      subject: { tenantId: TENANT, servicePrincipalId: SP },
      obs: { issues: [issue({ signal: 'jobs', target: 'contoso.com' })] },
      expected: false,
    },
    {
      title: 'agents: API answered',
      kind: 'agent-offline',
      subject: agentSubject,
      obs: { agentsApi: 'available' },
      expected: true,
    },
    {
      title: 'agents: API failed',
      kind: 'agent-offline',
      subject: agentSubject,
      obs: { agentsApi: 'failed' },
      expected: false,
    },
    {
      title: 'agents: app-only',
      kind: 'agent-offline',
      subject: agentSubject,
      obs: { agentsApi: 'unavailable' },
      expected: false,
    },
    {
      title: 'agents: a heartbeat from this very agent is evidence',
      kind: 'agent-offline',
      subject: agentSubject,
      obs: { agentsApi: 'unavailable', heartbeats: [agent({ Source: 'heartbeat' })] },
      expected: true,
    },
    {
      title: 'agents: heartbeats of other agents are not',
      kind: 'agent-offline',
      subject: agentSubject,
      obs: { agentsApi: 'unavailable', heartbeats: [agent({ Source: 'heartbeat', AgentId: 'other' })] },
      expected: false,
    },
    {
      title: 'sync-errors: checked through evidence even when the provisioning read failed',
      kind: 'sync-errors',
      subject: contosoJob,
      obs: { issues: [issue({ signal: 'provisioning' })], provisioningComplete: false },
      expected: true,
    },
    {
      title: 'sync-errors: not when the object status is unavailable',
      kind: 'sync-errors',
      subject: contosoJob,
      obs: { objectStatus: { health: 'unavailable' as const, state: emptyObjectStatus(at(-30 * DAY)) } },
      expected: false,
    },
    {
      title: 'sync-errors: not for an alert older than a reset object status',
      kind: 'sync-errors',
      subject: contosoJob,
      obs: { objectStatus: { health: 'ok' as const, state: emptyObjectStatus(at(-1000)) } },
      expected: false,
    },
    {
      title: 'sync-errors: ... until the stale window has passed since the reset',
      kind: 'sync-errors',
      subject: contosoJob,
      obs: { objectStatus: { health: 'ok' as const, state: emptyObjectStatus(at(-8 * DAY)) } },
      expected: true,
    },
    {
      title: 'monitor-degraded: the run is the check',
      kind: 'monitor-degraded',
      subject: { tenantId: TENANT, signal: 'jobs' },
      obs: { issues: [issue({ signal: 'jobs' })] },
      expected: true,
    },
  ] as const)('$title', ({ kind, subject, obs, expected }) => {
    expect(
      checked(
        kind,
        subject,
        obs as Partial<Observations>,
        kind === 'sync-errors' ? iso(-10 * DAY) : iso(-DAY),
      ),
    ).toBe(expected);
  });
});
