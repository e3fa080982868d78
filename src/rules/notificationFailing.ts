import { asDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import { failingChannels } from '../domain/deliveryHealth.js';
import type { Rule } from './context.js';

/**
 * `notification-failing` (warning): a notification channel refuses the monitor (401/403/404/410) or
 * gave up on a message after retrying; one alert per channel, open until that channel delivers again.
 * A dead channel is exactly when the product must not go quiet, so it is raised at once (no run count)
 * and told through every other channel (deliverOutbox keeps it off the failing one).
 */
export const notificationFailingRule: Rule = ({ observations }) => {
  const candidates: AlertCandidate[] = failingChannels(observations.deliveryHealth).map(
    ({ channel, health }) => {
      const since = health.failingSince ?? observations.collectedAt;
      const why =
        health.reason === 'expired'
          ? 'gave up after retrying'
          : health.lastStatus !== undefined
            ? `answers HTTP ${health.lastStatus}`
            : `fails (${health.reason ?? 'error'})`;
      return {
        kind: 'notification-failing',
        subject: { tenantId: observations.tenantId, signal: 'notify', channel },
        severity: 'warning',
        summary: `Notifications through ${channel} are not delivered: the channel ${why}`,
        since,
        materialKey: 'failing',
        details: asDetails('notification-failing', {
          channel,
          failingSince: since,
          ...(health.reason ? { reason: health.reason } : {}),
          ...(health.lastStatus !== undefined ? { lastStatus: health.lastStatus } : {}),
          ...(health.lastError ? { lastError: health.lastError } : {}),
          ...(health.lastDeliveredAt ? { lastDeliveredAt: health.lastDeliveredAt } : {}),
        }),
      };
    },
  );
  return { candidates };
};
