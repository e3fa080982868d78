import { z } from 'zod';

/**
 * What rules remember between runs, for facts Graph does not give: how many runs in a row a signal
 * failed, since when an agent never seen active has been inactive, since when a job is paused or has
 * run without any successful cycle. Stored inside the alert book, so it is written with the same ETag
 * as the alerts it led to.
 */
const time = z.iso.datetime();

export const signalFailure = z.object({
  failures: z.number().int().positive(),
  since: time,
  code: z.string(),
  message: z.string(),
  issues: z.array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() })),
});
export type SignalFailure = z.infer<typeof signalFailure>;

export const ruleMemory = z.object({
  /** The run these counters last advanced for: a second evaluation at the same instant changes nothing. */
  evaluatedAt: time.optional(),
  signals: z.record(z.string(), signalFailure).default({}),
  /** Agent id (lower case) -> first run that saw it inactive, for agents the monitor never saw active. */
  agentInactiveSince: z.record(z.string(), time).default({}),
  /** Job key -> first run that saw it paused. */
  pausedSince: z.record(z.string(), time).default({}),
  /** Job key -> first run that saw it Active without any successful cycle on record. */
  noSuccessSince: z.record(z.string(), time).default({}),
  /**
   * Job key -> last run that saw it quarantined or paused. Cycles do not run then, so the clock for
   * "no successful cycle" starts again when it is released, not at the last success before the hold.
   */
  heldSeenAt: z.record(z.string(), time).default({}),
});
export type RuleMemory = z.infer<typeof ruleMemory>;

export const emptyRuleMemory = (): RuleMemory => ({
  signals: {},
  agentInactiveSince: {},
  pausedSince: {},
  noSuccessSince: {},
  heldSeenAt: {},
});
