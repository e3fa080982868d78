import type { Alert } from '../../domain/alertModel.js';
import type { Fact, KindView, RenderContext, Step } from '../view.js';
import { name, requireDetails, text } from './common.js';

/**
 * notification-failing: one of the monitor's own channels refuses it (a deleted Teams workflow, a
 * rotated ACS key) or gave up after retrying. This message reaches the other channels only; the
 * failing one gets its held messages, in order, once it works again.
 */
const FIX: Readonly<Record<string, string>> = {
  email:
    'Check ALERT_EMAIL_CONNECTION_STRING / ALERT_EMAIL_ENDPOINT (a rotated access key, a missing Communication and Email Service Owner role on the managed identity), ALERT_EMAIL_SENDER and that the sender domain is still connected.',
  teams:
    'Open the workflow in Power Automate: it may be turned off, deleted or its owner gone. Create a new "When a Teams webhook request is received" trigger and set TEAMS_WEBHOOK_URL to its URL.',
};

export function notificationFailingView(alert: Alert, _ctx: RenderContext): KindView {
  const d = requireDetails('notification-failing', alert);
  const channel = name(d.channel);
  // `email`, `teams`, or a routed receiver's `<receiver>.email`, `<receiver>.teams-2` (src/notify/routing.ts).
  const dot = d.channel.lastIndexOf('.');
  const medium = d.channel.slice(dot + 1).replace(/-\d+$/, '');
  const receiver = dot > 0 ? d.channel.slice(0, dot) : undefined;
  const facts: Fact[] = [{ label: 'Channel', value: channel }];
  if (d.lastStatus !== undefined) facts.push({ label: 'Answer', value: `HTTP ${d.lastStatus}` });
  if (d.reason) facts.push({ label: 'Reason', value: name(d.reason) });
  const error = text(d.lastError);
  if (error) facts.push({ label: 'Last error', value: error });
  facts.push({
    label: 'Last delivered',
    value: d.lastDeliveredAt ?? 'not since the monitor started tracking',
  });
  const steps: Step[] = [
    {
      text:
        (FIX[medium] ?? FIX.teams!) +
        (receiver
          ? ` This is receiver ${receiver} of ALERT_ROUTES: its ${medium === 'email' ? 'recipients are' : 'webhook URL is'} set there.`
          : ''),
    },
    {
      text: 'Messages for this channel are kept and retried every run (at least hourly); they arrive in order once it works, and this alert resolves by itself.',
    },
  ];
  return {
    headline: `Notifications through ${channel} are failing${d.lastStatus !== undefined ? ` (HTTP ${d.lastStatus})` : ''}`,
    topic: `Notifications through ${channel}`,
    facts,
    impact: `Nobody reading ${channel} hears of Cloud Sync problems until this is fixed.`,
    steps,
  };
}
