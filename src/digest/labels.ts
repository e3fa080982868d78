/** Names people know from the Entra portal, for job templates and problem states. */

const TEMPLATE_LABELS: Readonly<Record<string, string>> = {
  ad2aadprovisioning: 'Provisioning (AD to Entra ID)',
  ad2aadpasswordhash: 'Password hash sync',
  aad2adgroupprovisioning: 'Group writeback (Entra ID to AD)',
  aad2adexchangehybridwriteback: 'Exchange hybrid writeback',
};

const TEMPLATE_ORDER = [
  'ad2aadprovisioning',
  'ad2aadpasswordhash',
  'aad2adgroupprovisioning',
  'aad2adexchangehybridwriteback',
];

export function jobLabel(templateId: string | null, jobId: string): string {
  const template = templateId ?? jobId.split('.')[0] ?? jobId;
  return TEMPLATE_LABELS[template.toLowerCase()] ?? template;
}

export function templateRank(templateId: string | null): number {
  const i = TEMPLATE_ORDER.indexOf((templateId ?? '').toLowerCase());
  return i < 0 ? TEMPLATE_ORDER.length : i;
}

const STATE_LABELS: Readonly<Record<string, string>> = {
  ok: 'Active',
  quarantine: 'Quarantined',
  'no-agent': 'No active agent',
  failing: 'Cycles failing',
  paused: 'Paused',
  'not-running': 'Not running',
  unknown: 'Unknown status',
};

export const stateLabel = (state: string): string => STATE_LABELS[state] ?? state;
