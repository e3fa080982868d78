import { z } from 'zod';

/**
 * Settings of opt-in remediation (issue 15 item 4): the actions the ack page and
 * `cloudsync-monitor remediate` may perform. Off by default: with REMEDIATION unset or `off`, nothing the
 * monitor does writes to the tenant through these actions (the canary has its own opt-in,
 * CANARY_OBJECTS). Performing an action needs the application permission Synchronization.ReadWrite.All.
 * Composed into the one settings schema by src/config.ts.
 */
export const REMEDIATION_ACTIONS = ['allow-deletes', 'restart', 'provision'] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

export const isRemediationAction = (value: string): value is RemediationAction =>
  (REMEDIATION_ACTIONS as readonly string[]).includes(value);

/** "off", "on", or the allowed actions, comma-separated. */
const actionList = z.string().transform((value, ctx): 'off' | 'on' | RemediationAction[] => {
  const items = value
    .split(/[\s,;]+/)
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
  const [only] = items;
  if (items.length === 1 && (only === 'off' || only === 'on')) return only;
  const unknown = items.filter((i) => !isRemediationAction(i));
  if (items.length === 0 || unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be off, on, or a list of ${REMEDIATION_ACTIONS.join(', ')}${unknown.length > 0 ? ` (not ${unknown.join(', ')})` : ''}`,
    });
    return z.NEVER;
  }
  return items.filter(isRemediationAction);
});

/** jobId -> synchronization rule id (the job schema's synchronizationRules[].id), for provisionOnDemand. */
const ruleIds = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of job id to rule id' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1), z.string().min(1).max(100)));

export const remediationSettingsShape = {
  /** off (default), on (every action), or the actions allowed: allow-deletes, restart, provision. */
  REMEDIATION: actionList.optional(),
  /** {"<jobId>": "<ruleId>"}: the rule provisionOnDemand applies for a job ("provision this object now"). */
  REMEDIATION_RULE_IDS: ruleIds.optional(),
} satisfies z.ZodRawShape;

export interface RemediationSettings {
  /** Empty: remediation is off, nothing is sent to the tenant. */
  readonly actions: readonly RemediationAction[];
  readonly ruleIds: Readonly<Record<string, string>>;
}

type Raw = z.output<z.ZodObject<typeof remediationSettingsShape>>;

export function toRemediationSettings(raw: Raw): RemediationSettings {
  const listed = raw.REMEDIATION ?? 'off';
  const actions: RemediationAction[] =
    listed === 'on'
      ? [...REMEDIATION_ACTIONS]
      : listed === 'off'
        ? []
        : REMEDIATION_ACTIONS.filter((a) => listed.includes(a));
  return { actions, ruleIds: raw.REMEDIATION_RULE_IDS ?? {} };
}
