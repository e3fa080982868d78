import type { TokenCredential } from '@azure/identity';
import type { Clock } from '../clock.js';
import type { Channel, ChannelName } from './channel.js';
import { createEmailChannel } from './email.js';
import { acsEmailMessage } from './emailPayload.js';
import { createOutboxChannel } from './outbox.js';
import { receiverChannels, routeDigest, type ReceiverChannel, type Routing } from './routing.js';
import type { NotifySettings } from './settings.js';
import type { TenantIdentity } from './tenantIdentity.js';
import { createTeamsChannel } from './teams.js';
import { fitWorkflowsBody } from './teamsPayload.js';

/**
 * The receiver channels of a deployment and the channel behind each: a configured service (ACS email,
 * a Teams webhook), or else the local outbox with the same payload. Without routing there is one
 * implicit receiver (ALERT_EMAIL_TO, TEAMS_WEBHOOK_URL) whose channels are `email` and `teams`, each
 * going to the outbox when not configured, exactly as before routing existed.
 */
const IMPLICIT = '';
const IMPLICIT_ROUTING: Routing = {
  receivers: [{ name: IMPLICIT, email: [], teams: [] }],
  routes: [],
  defaultReceiver: IMPLICIT,
  digestReceivers: [IMPLICIT],
};

/** The routing in force: the document's, or the implicit receiver that gets everything. */
export function routingIn(settings: NotifySettings): Routing {
  return settings.routing ?? IMPLICIT_ROUTING;
}

export function notifyChannels(settings: NotifySettings): ReceiverChannel[] {
  if (settings.routing) return receiverChannels(settings.routing);
  return [
    { id: 'email', receiver: IMPLICIT, kind: 'email', to: settings.email.to },
    {
      id: 'teams',
      receiver: IMPLICIT,
      kind: 'teams',
      ...(settings.teams ? { webhookUrl: settings.teams.webhookUrl } : {}),
    },
  ];
}

/**
 * The channels a message goes to when nothing routes it per alert: the digest's, else the default's.
 * A tenant's digest in fleet mode (`tenant` given) goes where its tenant routes send it (routeDigest).
 */
export function channelsForMessage(
  settings: NotifySettings,
  kind: 'alerts' | 'digest',
  tenant?: TenantIdentity,
): ChannelName[] {
  const routing = routingIn(settings);
  const receivers =
    kind === 'digest'
      ? tenant && settings.routing
        ? routeDigest(settings.routing, tenant)
        : routing.digestReceivers
      : [routing.defaultReceiver];
  return notifyChannels(settings)
    .filter((c) => receivers.includes(c.receiver))
    .map((c) => c.id);
}

export function channelsFor(
  settings: NotifySettings,
  deps: {
    dataDir: string;
    /** LOCAL_RETENTION_DAYS: how long outbox files are kept. */
    retentionDays?: number;
    clock: Clock;
    secrets: readonly string[];
    credential?: TokenCredential;
    overrides?: Readonly<Record<ChannelName, Channel>>;
  },
): Record<ChannelName, Channel> {
  const { email, delivery } = settings;
  const out: Record<ChannelName, Channel> = {};
  for (const target of notifyChannels(settings)) {
    const override = deps.overrides?.[target.id];
    if (override) {
      out[target.id] = override;
      continue;
    }
    if (target.kind === 'email') {
      const recipients = { ...email, to: target.to ?? email.to };
      out[target.id] = email.connection
        ? createEmailChannel({
            name: target.id,
            email: { ...recipients, connection: email.connection },
            timeoutMs: delivery.timeoutMs,
            clock: deps.clock,
            secrets: deps.secrets,
            ...(deps.credential ? { credential: deps.credential } : {}),
          })
        : createOutboxChannel(target.id, {
            dataDir: deps.dataDir,
            retentionDays: deps.retentionDays,
            payloadFor: (message) => acsEmailMessage(message, recipients),
          });
    } else {
      out[target.id] = target.webhookUrl
        ? createTeamsChannel({
            name: target.id,
            webhookUrl: target.webhookUrl,
            timeoutMs: delivery.timeoutMs,
            clock: deps.clock,
            secrets: deps.secrets,
          })
        : createOutboxChannel(target.id, {
            dataDir: deps.dataDir,
            retentionDays: deps.retentionDays,
            payloadFor: (message) => fitWorkflowsBody(message.teams.card),
          });
    }
  }
  return out;
}
