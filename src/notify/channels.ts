import type { TokenCredential } from '@azure/identity';
import type { Clock } from '../clock.js';
import type { Channel, ChannelName } from './channel.js';
import { createEmailChannel } from './email.js';
import { acsEmailMessage } from './emailPayload.js';
import { createOutboxChannel } from './outbox.js';
import type { NotifySettings } from './settings.js';
import { createTeamsChannel } from './teams.js';
import { fitWorkflowsBody } from './teamsPayload.js';

/**
 * The channel behind each name, from settings: a configured service, or else the local outbox with the
 * same payload. An exhaustive record, so a channel name without a channel does not compile.
 */
export function channelsFor(
  settings: NotifySettings,
  deps: {
    dataDir: string;
    /** LOCAL_RETENTION_DAYS: how long outbox files are kept. */
    retentionDays?: number;
    clock: Clock;
    secrets: readonly string[];
    credential?: TokenCredential;
    overrides?: Partial<Record<ChannelName, Channel>>;
  },
): Record<ChannelName, Channel> {
  const { email, teams, delivery } = settings;
  const emailConnection = email.connection;
  return {
    email:
      deps.overrides?.email ??
      (emailConnection
        ? createEmailChannel({
            email: { ...email, connection: emailConnection },
            timeoutMs: delivery.timeoutMs,
            clock: deps.clock,
            secrets: deps.secrets,
            ...(deps.credential ? { credential: deps.credential } : {}),
          })
        : createOutboxChannel('email', {
            dataDir: deps.dataDir,
            retentionDays: deps.retentionDays,
            payloadFor: (message) => acsEmailMessage(message, email),
          })),
    teams:
      deps.overrides?.teams ??
      (teams
        ? createTeamsChannel({
            webhookUrl: teams.webhookUrl,
            timeoutMs: delivery.timeoutMs,
            clock: deps.clock,
            secrets: deps.secrets,
          })
        : createOutboxChannel('teams', {
            dataDir: deps.dataDir,
            retentionDays: deps.retentionDays,
            payloadFor: (message) => fitWorkflowsBody(message.teams.card),
          })),
  };
}
