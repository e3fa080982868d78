import { z } from 'zod';
import { isNoAgentCode } from '../domain/noAgentCodes.js';
import { capFlat } from '../domain/text.js';

/**
 * What `provisionOnDemand` answers (a stringKeyStringValuePair, Graph docs
 * synchronization-synchronizationjob-provisionondemand): `key` is JSON `{result, details: {errorCode,
 * errorMessage}}`, `value` is JSON with `provisioningSteps` [{name, type, status, description}]. Both are
 * parsed leniently: an answer the monitor cannot read is a failure with code UnreadableAnswer, not a crash.
 */
const envelope = z.object({ key: z.string(), value: z.string().nullable().optional() });
const keySchema = z.object({
  result: z.string(),
  details: z
    .object({ errorCode: z.string().nullable().optional(), errorMessage: z.string().nullable().optional() })
    .passthrough()
    .nullable()
    .optional(),
});
const stepSchema = z.object({
  name: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
});
const valueSchema = z.object({ provisioningSteps: z.array(stepSchema).optional() }).passthrough();

export interface OnDemandStep {
  readonly name: string | null;
  readonly type: string | null;
  readonly status: string | null;
  readonly description: string | null;
}

export interface OnDemandResult {
  /** success: Success, or Skipped with every step fine (nothing to change: the path still worked). */
  readonly outcome: 'success' | 'failure';
  readonly result: string;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly failedStep: string | null;
  readonly agentStep: boolean;
  readonly steps: readonly OnDemandStep[];
}

const parseJson = (text: string | null | undefined): unknown => {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

export function readOnDemandResult(body: unknown): OnDemandResult {
  const outer = envelope.safeParse(body);
  const key = outer.success ? keySchema.safeParse(parseJson(outer.data.key)) : undefined;
  if (!outer.success || !key?.success) {
    return {
      outcome: 'failure',
      result: 'Unknown',
      errorCode: 'UnreadableAnswer',
      errorMessage: 'provisionOnDemand answered in a shape the monitor cannot read',
      failedStep: null,
      agentStep: false,
      steps: [],
    };
  }
  const value = valueSchema.safeParse(parseJson(outer.data.value));
  const steps: OnDemandStep[] = (value.success ? (value.data.provisioningSteps ?? []) : [])
    .slice(0, 20)
    .map((s) => ({
      name: capFlat(s.name, 120),
      type: capFlat(s.type, 60),
      status: capFlat(s.status, 40),
      description: capFlat(s.description, 300),
    }));
  const failed = steps.find((s) => s.status !== null && !/^(success|skipped)$/i.test(s.status));
  const result = key.data.result;
  const errorCode = capFlat(key.data.details?.errorCode, 120);
  const ok = /^success$/i.test(result) || (/^skipped$/i.test(result) && !failed);
  // Reading AD goes through the agent: a failed import step, or a no-agent code, is the agent path.
  const agentStep = !ok && (isNoAgentCode(errorCode) || /import/i.test(failed?.type ?? failed?.name ?? ''));
  return {
    outcome: ok ? 'success' : 'failure',
    result,
    errorCode,
    errorMessage: capFlat(key.data.details?.errorMessage, 300),
    failedStep: ok ? null : (failed?.name ?? null),
    agentStep,
    steps,
  };
}
