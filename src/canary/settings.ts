import { z } from 'zod';

/**
 * Settings of the end-to-end canary (issue 15 item 2): one designated object per configuration,
 * provisioned on demand every CANARY_INTERVAL_MINUTES. Opt-in: without CANARY_OBJECTS nothing is sent.
 * It writes to the tenant (provisionOnDemand re-provisions the canary object) and needs
 * Synchronization.ReadWrite.All. Composed into the one settings schema by src/config.ts.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const canaryObjectSchema = z.object({
  /** The configuration's service principal. */
  servicePrincipalId: z.string().regex(GUID, 'servicePrincipalId must be a GUID'),
  /** The AD2AADProvisioning job id (as the jobs API lists it). */
  jobId: z.string().min(1),
  /** The synchronization rule id from the job's schema (synchronizationRules[].id). */
  ruleId: z.string().min(1),
  /** The canary object's distinguished name in AD, e.g. CN=CloudSync Canary,OU=Service,DC=contoso,DC=com. */
  objectId: z.string().min(1),
  objectTypeName: z.enum(['user', 'group']).default('user'),
});
export type CanaryObject = z.infer<typeof canaryObjectSchema>;

const canaryObjects = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of canary objects' });
      return z.NEVER;
    }
  })
  .pipe(z.array(canaryObjectSchema).max(20, 'at most 20 canary objects'));

export const canarySettingsShape = {
  /** JSON array of {servicePrincipalId, jobId, ruleId, objectId, objectTypeName}; unset: no canary. */
  CANARY_OBJECTS: canaryObjects.optional(),
  CANARY_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(60),
} satisfies z.ZodRawShape;

export interface CanarySettings {
  readonly objects: readonly CanaryObject[];
  readonly intervalMs: number;
}

type Raw = z.output<z.ZodObject<typeof canarySettingsShape>>;

export function toCanarySettings(raw: Raw): CanarySettings {
  return { objects: raw.CANARY_OBJECTS ?? [], intervalMs: raw.CANARY_INTERVAL_MINUTES * 60_000 };
}
