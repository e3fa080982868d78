import type { Scenario } from '../../src/demo/scenario.js';

export interface Provisioned {
  readonly id: string;
  readonly name: string;
  readonly kind: 'user' | 'group';
  /** The object's first provisioning event (epoch ms). */
  readonly firstAt: number;
}

/** The objects a demo scenario's log provisions (not skips), with their first event: the coverage tests' directory. */
export function provisionedObjects(scenario: Scenario): Map<string, Provisioned> {
  const objects = new Map<string, Provisioned>();
  for (let i = 0; i < scenario.provisioning.count; i++) {
    const event = scenario.provisioning.eventAt(i) as unknown as {
      activityDateTime: string;
      targetIdentity: { id: string; displayName: string; identityType: string };
      sourceIdentity: { displayName: string };
      provisioningStatusInfo: { status: string };
    };
    const id = event.targetIdentity.id;
    if (!id || event.provisioningStatusInfo.status === 'skipped' || objects.has(id)) continue;
    objects.set(id, {
      id,
      name: event.sourceIdentity.displayName,
      kind: event.targetIdentity.identityType === 'Group' ? 'group' : 'user',
      firstAt: Date.parse(event.activityDateTime),
    });
  }
  return objects;
}
