import { z } from 'zod';

/**
 * The body the agent-host script posts (agent-heartbeat/README.md is the contract). Strict: a body
 * with other fields did not come from our script and is rejected, not half-read.
 */
const isoUtc = z.iso.datetime({ offset: false });

const SERVICE_STATUS = [
  'Running',
  'Stopped',
  'StartPending',
  'StopPending',
  'ContinuePending',
  'PausePending',
  'Paused',
  'Unknown',
  'NotInstalled',
] as const;

export const heartbeatBody = z
  .object({
    machineName: z.string().trim().min(1).max(255),
    agentVersion: z.string().max(64).nullable(),
    services: z
      .array(
        z
          .object({
            name: z.string().min(1).max(128),
            displayName: z.string().max(256),
            status: z.enum(SERVICE_STATUS),
            startType: z.string().max(32).nullable(),
          })
          .strict(),
      )
      .min(1)
      .max(8),
    lastTraceLogAt: isoUtc.nullable(),
    sentAt: isoUtc,
    tenantId: z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
      .optional(),
  })
  .strict();

export type HeartbeatBody = z.infer<typeof heartbeatBody>;

/** The Windows service that does the provisioning work; the updater only keeps it current. */
export const PROVISIONING_AGENT_SERVICE = 'AADConnectProvisioningAgent';
