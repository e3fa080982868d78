import { describe, expect, it } from 'vitest';
import { detailsOf } from '../../src/domain/alertDetails.js';
import { HOUR, JOB2, MIN, SP, SP2, agent, at, iso, job, observations, settings } from './fixtures.js';
import { evaluate } from './run.js';

const primary = (overrides = {}) => agent({ ...overrides });
const secondary = (overrides = {}) =>
  agent({
    AgentId: 'e2f3a4b5-c6d7-4e8f-90a1-b2c3d4e5f6a7',
    MachineName: 'CSYNC02.contoso.com',
    ...overrides,
  });
const inactive = (lastSeenOffset: number | null) => ({
  Status: 'inactive',
  LastSeenActive: lastSeenOffset === null ? null : iso(lastSeenOffset),
});

describe('agent-offline rule with the agents API', () => {
  it.each([
    {
      title: 'inactive 14 minutes: not yet',
      agents: [primary(), secondary(inactive(-14 * MIN))],
      expected: [],
    },
    {
      title: 'inactive 15 minutes while another agent is active: warning, HA degraded',
      agents: [primary(), secondary(inactive(-15 * MIN))],
      expected: [['CSYNC02.contoso.com', 'warning']],
    },
    {
      // One outage, one alert: the configuration's (its group is named after the domain), both agents as evidence.
      title: 'the last active agent of the group gone: critical, one alert for the configuration',
      agents: [primary(inactive(-20 * MIN)), secondary(inactive(-60 * MIN))],
      expected: [['contoso.com', 'critical', 'CSYNC01.contoso.com, CSYNC02.contoso.com']],
    },
    {
      title: 'an active agent of another group does not help',
      agents: [
        primary(inactive(-20 * MIN)),
        secondary({ AgentGroups: [{ id: 'group-fabrikam', displayName: 'fabrikam.local' }] }),
      ],
      expected: [['contoso.com', 'critical', 'CSYNC01.contoso.com']],
    },
    {
      title: 'status casing is tolerated',
      agents: [primary({ Status: 'Active' }), secondary(inactive(-15 * MIN))],
      expected: [['CSYNC02.contoso.com', 'warning']],
    },
  ])('$title', ({ agents, expected }) => {
    const { candidates } = evaluate('agent-offline', observations({ agents, agentsApi: 'available' }));
    expect(
      candidates.map((c) => {
        const evidence = (c.details as { offlineAgents?: { machineName: string }[] }).offlineAgents;
        return [
          c.subject.machineName ?? c.subject.configurationName,
          c.severity,
          ...(evidence ? [evidence.map((a) => a.machineName).join(', ')] : []),
        ];
      }),
    ).toEqual(expected);
  });

  it('describes the agent, its groups and who is still active', () => {
    const { candidates } = evaluate(
      'agent-offline',
      observations({ agents: [primary(), secondary(inactive(-90 * MIN))], agentsApi: 'available' }),
    );
    expect(candidates[0]?.summary).toBe(
      'Provisioning agent CSYNC02.contoso.com offline for 1 h 30 min; 1 other agent still active (high availability degraded)',
    );
    const details = detailsOf('agent-offline', {
      kind: 'agent-offline',
      details: candidates[0]?.details ?? {},
    })!;
    expect(details).toMatchObject({
      scope: 'agent',
      machineName: 'CSYNC02.contoso.com',
      sources: ['graph'],
      offlineMinutes: 90,
      noActiveAgent: false,
      groups: [
        { id: 'group-contoso', displayName: 'contoso.com', activeAgents: ['CSYNC01.contoso.com'], agents: 2 },
      ],
    });
  });

  it('an agent never seen active counts from the first run that saw it inactive', () => {
    const obs = observations({ agents: [primary(), secondary(inactive(null))], agentsApi: 'available' });
    const first = evaluate('agent-offline', obs, { now: at(0) });
    expect(first.candidates).toEqual([]);
    const later = evaluate('agent-offline', obs, { now: at(15 * MIN), memory: first.evaluation.memory });
    expect(later.candidates.map((c) => c.since)).toEqual([iso(0)]);
  });

  it('ignores agent records when the agents API did not answer this run', () => {
    const { candidates } = evaluate(
      'agent-offline',
      observations({ agents: [primary(inactive(-60 * MIN))], agentsApi: 'failed' }),
    );
    expect(candidates).toEqual([]);
  });

  it('the threshold is a setting', () => {
    const { candidates } = evaluate(
      'agent-offline',
      observations({ agents: [primary(), secondary(inactive(-6 * MIN))], agentsApi: 'available' }),
      { settings: settings({ agentOfflineMs: 5 * MIN }) },
    );
    expect(candidates).toHaveLength(1);
  });
});

describe('agent-offline rule from heartbeats', () => {
  const beat = (offset: number, overrides = {}) =>
    agent({
      Source: 'heartbeat',
      TimeGenerated: iso(offset),
      LastSeenActive: iso(offset),
      AgentVersion: '1.1.1107.0',
      ...overrides,
    });

  it.each([
    { title: 'heartbeat 10 minutes ago: fine', heartbeats: [beat(-10 * MIN)], expected: [] },
    {
      title: 'heartbeat 16 minutes ago: offline, critical (no other agent)',
      heartbeats: [beat(-16 * MIN)],
      expected: ['critical'],
    },
    {
      title: 'another agent beating: warning',
      heartbeats: [beat(-16 * MIN), beat(-MIN, { AgentId: 'other', MachineName: 'CSYNC02' })],
      expected: ['warning'],
    },
  ])('$title', ({ heartbeats, expected }) => {
    const { candidates } = evaluate('agent-offline', observations({ heartbeats }));
    expect(candidates.map((c) => c.severity)).toEqual(expected);
  });

  it('the agents API decides for an agent it lists; the heartbeat adds version and services', () => {
    const { candidates } = evaluate(
      'agent-offline',
      observations({
        agents: [primary(inactive(-20 * MIN)), secondary()],
        agentsApi: 'available',
        heartbeats: [beat(-MIN, { ServiceStates: { AADConnectProvisioningAgent: 'Running' } })],
      }),
    );
    const details = detailsOf('agent-offline', {
      kind: 'agent-offline',
      details: candidates[0]?.details ?? {},
    })!;
    expect(details).toMatchObject({
      sources: ['graph', 'heartbeat'],
      agentVersion: '1.1.1107.0',
      serviceStates: { AADConnectProvisioningAgent: 'Running' },
    });
  });
});

describe('agent-offline rule without the agents API (job error codes)', () => {
  it.each([
    'HybridIdentityServiceNoActiveAgents',
    'HybridIdentityServiceNoAgentsAssigned',
    'hybrididentityserviceagentsignalingerror',
  ])('%s makes a critical "no active agent" for the configuration', (code) => {
    const { candidates } = evaluate(
      'agent-offline',
      observations({
        jobs: [
          job({
            JobId: JOB2,
            ServicePrincipalId: SP2,
            ConfigurationName: 'fabrikam.local',
            LastExecutionState: 'Failed',
            LastErrorCode: code,
            LastSuccessfulExecutionEnded: iso(-10 * MIN),
          }),
          job(),
        ],
      }),
    );
    expect(candidates).toHaveLength(1);
    expect(candidates[0]?.subject).toEqual({
      tenantId: candidates[0]?.subject.tenantId,
      servicePrincipalId: SP2,
      configurationName: 'fabrikam.local',
    });
    expect(candidates[0]?.severity).toBe('critical');
    expect(candidates[0]?.since).toBe(iso(-10 * MIN));
    const details = detailsOf('agent-offline', {
      kind: 'agent-offline',
      details: candidates[0]?.details ?? {},
    })!;
    expect(details.scope).toBe('configuration');
  });

  it('a quarantine error code counts too, and all jobs of the configuration are in one alert', () => {
    const { candidates } = evaluate(
      'agent-offline',
      observations({
        jobs: [
          job({
            QuarantineErrorCode: 'HybridIdentityServiceNoActiveAgents',
            StatusCode: 'Quarantine',
            QuarantineReason: 'EncounteredQuarantineException',
            QuarantineSince: iso(-HOUR),
          }),
          job({
            JobId: `AD2AADPasswordHash.${SP.replace(/-/g, '')}`,
            TemplateId: 'AD2AADPasswordHash',
            LastErrorCode: 'HybridIdentityServiceNoActiveAgents',
          }),
        ],
      }),
    );
    expect(candidates).toHaveLength(1);
    const details = detailsOf('agent-offline', {
      kind: 'agent-offline',
      details: candidates[0]?.details ?? {},
    })!;
    expect(details.scope === 'configuration' && details.jobs.length).toBe(2);
  });
});
