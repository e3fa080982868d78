import { z } from 'zod';
import { nullish, text } from './common.js';

/*
 * provisioningObjectSummary (GET /auditLogs/provisioning, v1.0): only the properties that become a
 * CloudSyncProvisioning_CL column (see collect/provisioningRecord). Validation runs on every field of
 * hundreds of thousands of events, and zod copies what it checks: properties the table does not use
 * (tenantId, sourceSystem, targetSystem, every `details`, errorCategory, additionalDetails) are neither
 * checked nor copied, so a change in one of them cannot cost an event either.
 * Every documented quirk of the used ones is kept:
 * - `servicePrincipal` is an object in the examples but a collection in the property table;
 *   it carries `displayName` (typings) or `name` (property table).
 * - the error lives in `errorInformation`, or `errorInfo` in older payloads.
 * - enumerations vary in casing (`stageddelete`/`stagedDelete`, `Import`/`import`); kept as strings here
 *   and normalised by the collector, which records values it does not know.
 */

const identity = z.object({ id: text, displayName: text, identityType: text });

const servicePrincipalRef = z.object({ id: text, displayName: text, name: text });

const errorInformation = z.object({ errorCode: text, reason: text, recommendedAction: text });

const provisioningStep = z.object({
  name: text,
  provisioningStepType: text,
  status: text,
  description: text,
});

const modifiedProperty = z.object({
  displayName: text,
  oldValue: z.string().nullish(),
  newValue: z.string().nullish(),
});

const initiator = z.object({ id: text, displayName: text, initiatorType: text });

export const provisioningObjectSummary = z.object({
  id: z.string().min(1),
  activityDateTime: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), { message: 'activityDateTime is not a date-time' }),
  jobId: text,
  cycleId: text,
  changeId: text,
  durationInMilliseconds: nullish(z.number()),
  provisioningAction: text,
  provisioningStatusInfo: nullish(
    z.object({
      status: text,
      errorInformation: nullish(errorInformation),
      errorInfo: nullish(errorInformation),
    }),
  ),
  provisioningSteps: nullish(z.array(provisioningStep)),
  modifiedProperties: nullish(z.array(modifiedProperty)),
  servicePrincipal: nullish(z.union([servicePrincipalRef, z.array(servicePrincipalRef)])),
  sourceIdentity: nullish(identity),
  targetIdentity: nullish(identity),
  initiatedBy: nullish(initiator),
});

export type ProvisioningObjectSummary = z.infer<typeof provisioningObjectSummary>;
