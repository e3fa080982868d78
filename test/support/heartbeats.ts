import { heartbeatBody, type HeartbeatBody } from '../../src/heartbeat/heartbeatBody.js';

/** A heartbeat as the agent host's script posts it at `at`: the provisioning agent service running. */
export function runningAgentHeartbeat(machineName: string, tenantId: string, at: Date): HeartbeatBody {
  return heartbeatBody.parse({
    machineName,
    agentVersion: '1.1.1370.0',
    services: [
      {
        name: 'AADConnectProvisioningAgent',
        displayName: 'Microsoft Entra Provisioning Agent',
        status: 'Running',
        startType: 'Automatic',
      },
    ],
    lastTraceLogAt: at.toISOString(),
    sentAt: at.toISOString(),
    tenantId,
  });
}
