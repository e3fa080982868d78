import { z } from 'zod';
import { nullish, text } from './common.js';

/** The servicePrincipal properties discovery selects. */
export const servicePrincipalSummary = z.object({
  id: z.string().min(1),
  appId: text,
  displayName: text,
  appDisplayName: text,
  applicationTemplateId: text,
  servicePrincipalNames: nullish(z.array(z.string())),
});

export type ServicePrincipalSummary = z.infer<typeof servicePrincipalSummary>;

export const organization = z.object({ id: z.string().min(1), displayName: text });
