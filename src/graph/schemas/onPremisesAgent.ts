import { z } from 'zod';
import { nullish, text } from './common.js';

/** beta onPremisesAgent with $expand=agentGroups. `status` arrives as `active` or (in the docs' example) `Active`. */
export const onPremisesAgentGroup = z.object({
  id: z.string(),
  displayName: text,
  isDefault: nullish(z.boolean()),
  publishingType: text,
});

export const onPremisesAgent = z.object({
  id: z.string().min(1),
  machineName: text,
  externalIp: text,
  status: text,
  supportedPublishingTypes: nullish(z.array(z.string())),
  agentGroups: nullish(z.array(onPremisesAgentGroup)),
});

export type OnPremisesAgent = z.infer<typeof onPremisesAgent>;
