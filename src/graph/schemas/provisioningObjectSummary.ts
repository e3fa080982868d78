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

/*
 * The same schema checked by hand, for the collector's hot path: zod costs about 2.5 µs per event and
 * allocates a copy of every object it checks (a sixth of a large run's CPU with the garbage it makes).
 * It is never wider than the schema: what it accepts, `provisioningObjectSummary` accepts (a test
 * checks this field by field); what it rejects is handed to zod, which decides and says why.
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const isNone = (v: unknown) => v === undefined || v === null;

const identityOk = (v: unknown) =>
  isNone(v) || (isObject(v) && isText(v.id) && isText(v.displayName) && isText(v.identityType));
const servicePrincipalOk = (v: unknown) =>
  isObject(v) && isText(v.id) && isText(v.displayName) && isText(v.name);
const errorOk = (v: unknown) =>
  isNone(v) || (isObject(v) && isText(v.errorCode) && isText(v.reason) && isText(v.recommendedAction));

function listOk(v: unknown, entryOk: (entry: Json) => boolean): boolean {
  if (isNone(v)) return true;
  if (!Array.isArray(v)) return false;
  for (const entry of v as unknown[]) if (!isObject(entry) || !entryOk(entry)) return false;
  return true;
}
const stepOk = (s: Json) =>
  isText(s.name) && isText(s.provisioningStepType) && isText(s.status) && isText(s.description);
const propertyOk = (p: Json) => isText(p.displayName) && isText(p.oldValue) && isText(p.newValue);

export function isProvisioningObjectSummary(item: unknown): item is ProvisioningObjectSummary {
  if (!isObject(item)) return false;
  const { id, activityDateTime, durationInMilliseconds: duration, provisioningStatusInfo: status } = item;
  if (typeof id !== 'string' || id.length === 0) return false;
  if (typeof activityDateTime !== 'string' || Number.isNaN(Date.parse(activityDateTime))) return false;
  if (!isText(item.jobId) || !isText(item.cycleId) || !isText(item.changeId)) return false;
  if (!isText(item.provisioningAction)) return false;
  if (!isNone(duration) && !(typeof duration === 'number' && Number.isFinite(duration))) return false;
  if (!isNone(status)) {
    if (!isObject(status) || !isText(status.status)) return false;
    if (!errorOk(status.errorInformation) || !errorOk(status.errorInfo)) return false;
  }
  if (!listOk(item.provisioningSteps, stepOk) || !listOk(item.modifiedProperties, propertyOk)) return false;
  const sp = item.servicePrincipal;
  if (!isNone(sp) && !servicePrincipalOk(sp) && !(Array.isArray(sp) && sp.every(servicePrincipalOk)))
    return false;
  return identityOk(item.sourceIdentity) && identityOk(item.targetIdentity) && initiatorOk(item.initiatedBy);
}

const initiatorOk = (v: unknown) =>
  isNone(v) || (isObject(v) && isText(v.id) && isText(v.displayName) && isText(v.initiatorType));
