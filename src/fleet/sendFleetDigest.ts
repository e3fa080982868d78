import type { DispatchReport, NotifyDependencies } from '../notify/dispatch.js';
import { dispatch } from '../notify/dispatch.js';
import type { OutboundMessage } from '../notify/message.js';
import {
  fleetDigestSubject,
  renderFleetDigestCard,
  renderFleetDigestHtml,
  renderFleetDigestText,
} from '../render/fleetDigest.js';
import { buildFleetDigest, type FleetDigestModel } from './fleetDigest.js';
import { FLEET_SCOPE, type TenantRegistry } from './registry.js';
import type { StateStore } from '../state/store.js';
import type { BuildDigestInput } from '../digest/runDigest.js';

/** The fleet digest as one message; its id names the day, so a second build of the day sends nothing. */
export function fleetDigestMessage(model: FleetDigestModel): OutboundMessage {
  return {
    id: `fleet-digest-${model.date}`,
    tenantId: FLEET_SCOPE,
    kind: 'digest',
    createdAt: model.windowEnd,
    email: {
      subject: fleetDigestSubject(model),
      html: renderFleetDigestHtml(model),
      plainText: renderFleetDigestText(model),
    },
    teams: { card: renderFleetDigestCard(model) },
  };
}

/**
 * Builds the fleet digest and sends it to the deployment's own channels (the MSP's). Each tenant's
 * own digest goes to that tenant's receivers through the routing (see README, fleet mode).
 */
export async function sendFleetDigest(input: {
  readonly registry: TenantRegistry;
  readonly state: StateStore;
  readonly now: Date;
  readonly settings: BuildDigestInput['settings'];
  readonly notify: NotifyDependencies;
}): Promise<{ model: FleetDigestModel; report: DispatchReport }> {
  const model = await buildFleetDigest(input);
  const report = await dispatch(fleetDigestMessage(model), input.notify);
  return { model, report };
}
