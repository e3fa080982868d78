import type { StateKey } from '../state/store.js';

/**
 * Delivery state is kept per deployment, not per tenant: the ACS quota belongs to the subscription,
 * and `retryPending` must find every waiting message without knowing which tenants sent them. The
 * messages themselves carry their tenant id.
 */
export const NOTIFY_STATE_SCOPE = '_notify';

export function notifyKey(name: string): StateKey {
  return { tenantId: NOTIFY_STATE_SCOPE, name };
}
