import { z } from 'zod';

/**
 * Azure Monitor's common alert schema (action group webhooks with useCommonAlertSchema), the parts we
 * use. `alertContext` differs per signal type and is kept opaque.
 */
export const commonAlert = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema'),
  data: z.object({
    essentials: z.object({
      alertId: z.string().min(1).max(1024),
      alertRule: z.string().min(1).max(512),
      severity: z.enum(['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4']),
      signalType: z.string().max(64).optional(),
      monitorCondition: z.enum(['Fired', 'Resolved']),
      monitoringService: z.string().max(128).optional(),
      alertTargetIDs: z.array(z.string().max(1024)).max(50).optional(),
      firedDateTime: z.iso.datetime({ offset: true, local: true }).or(z.string().max(40)),
      resolvedDateTime: z.string().max(40).optional(),
      description: z.string().max(4096).nullish(),
      essentialsVersion: z.string().max(16).optional(),
      alertContextVersion: z.string().max(16).optional(),
    }),
    alertContext: z.unknown().optional(),
    customProperties: z.record(z.string(), z.string()).nullish(),
  }),
});

export type CommonAlert = z.infer<typeof commonAlert>;
