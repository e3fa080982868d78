import { z } from 'zod';
import { parseNcrontab } from './ncrontab.js';

/**
 * Settings of the daily digest (schedule, workbook link).
 * Composed into the one settings schema by src/config.ts, which alone reads the environment.
 * Env var name -> schema; blank values never reach these schemas (config.ts drops them).
 */

/** Flex Consumption timers are UTC only, so the default is simply 07:00 UTC. */
export const DEFAULT_DIGEST_SCHEDULE = '0 0 7 * * *';

const ncrontab = z.string().superRefine((value, ctx) => {
  const parsed = parseNcrontab(value);
  if (!parsed.ok) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a 6-field NCRONTAB expression (second minute hour day month day-of-week, UTC): ${parsed.error}`,
    });
  }
});

export const digestSettingsShape = {
  DIGEST_SCHEDULE: ncrontab.default(DEFAULT_DIGEST_SCHEDULE),
  /** Link target of the digest ("open the workbook"): the Azure Monitor workbook of this deployment. */
  DIGEST_WORKBOOK_URL: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
} satisfies z.ZodRawShape;

export interface DigestSettings {
  /** NCRONTAB of the digest timer (the Functions binding reads it as %DIGEST_SCHEDULE%). */
  readonly schedule: string;
  readonly workbookUrl: string | undefined;
}

/** The parsed values of this module's settings (optional ones may be absent, as config.ts passes them). */
type Raw = z.output<z.ZodObject<typeof digestSettingsShape>>;

export function toDigestSettings(raw: Raw): DigestSettings {
  return { schedule: raw.DIGEST_SCHEDULE.trim(), workbookUrl: raw.DIGEST_WORKBOOK_URL };
}

/** What building the digest needs of the settings (src/config.ts's Settings satisfies it). */
export interface BuildDigestSettings {
  readonly digest: DigestSettings;
  /** COLLECT_SCHEDULE: how often runs are expected, for the digest's coverage of the day. */
  readonly collectSchedule: string;
}

/** What sending the daily digest needs: building it, and DATA_DIR for its HTML copy. */
export interface SendDigestSettings extends BuildDigestSettings {
  readonly dataDir: string;
}
