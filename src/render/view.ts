import type { AlertKind, Severity, TransitionKind } from '../domain/alertModel.js';
import type { Link } from './links.js';

/**
 * The view model of one alert transition: everything a person needs, as plain text, built once and
 * rendered per channel (HTML email, plain text, Adaptive Card). Strings here are NOT escaped: they mix
 * our wording with directory data, and each renderer escapes every one of them for its format. Links are
 * only ones that passed the checks in links.ts.
 */
export interface Fact {
  readonly label: string;
  readonly value: string;
  /** A prediction or a to-do that is only true while the alert fires (the disable countdown, the next retry). */
  readonly whileFiring?: boolean;
}

/** What a step's code is, so it can be checked whole (test/render/demoCommands.test.ts) and shown as such. */
export type CodeLanguage = 'powershell' | 'kql' | 'http';

/**
 * One thing to do; `code` is a command or query shown verbatim in a monospace block: never capped, never
 * link-broken, ids in it whole (src/render/command.ts), so it can be copied and run as it is.
 */
export interface Step {
  readonly text: string;
  readonly code?: string;
  readonly language?: CodeLanguage;
}

/** A list of affected things (failing objects of one error code, agents, issues), already capped by the rules. */
export interface ItemGroup {
  readonly title: string;
  /** Explanation of the group (error description, recommended action). */
  readonly detail?: readonly string[];
  /** What fixes it, in one sentence: shown even where space is short (the Teams card). */
  readonly advice?: string;
  readonly items: readonly string[];
  /** Items that exist but are not in `items` ("and N more"). Renderers add what they leave out. */
  readonly more: number;
}

/** Groups the rule counted but did not list (beyond its cap): renderers add them to "and N more groups". */
export interface GroupsNotListed {
  readonly groups: number;
  readonly items: number;
}

export interface KindView {
  /** Title while firing: what is broken and where, with the number that matters. */
  readonly headline: string;
  /** What and where without numbers, for RESOLVED titles. */
  readonly topic: string;
  readonly facts: readonly Fact[];
  /** What this means for users and the business. */
  readonly impact?: string;
  readonly groups?: readonly ItemGroup[];
  readonly groupsNotListed?: GroupsNotListed;
  readonly steps: readonly Step[];
  readonly links?: readonly Link[];
  /**
   * For a resolved alert: what ended the problem and what it cost (deletes allowed or rejected, how long
   * a quarantine lasted), instead of the firing summary, whose predictions are no longer true.
   */
  readonly resolved?: {
    /** After the topic in the title: "deletes allowed, 600 objects deleted". */
    readonly outcome?: string;
    readonly summary: string;
    readonly facts?: readonly Fact[];
    /** Shown first: where to see what it cost. */
    readonly links?: readonly Link[];
  };
}

export interface AlertView {
  readonly id: string;
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly transition: TransitionKind;
  /** NEW, UPDATED, ESCALATED, STILL FIRING, RESOLVED, ACKNOWLEDGED. */
  readonly status: string;
  readonly title: string;
  readonly summary: string;
  readonly facts: readonly Fact[];
  readonly impact?: string;
  /** Material changes for `updated` and `escalated`. */
  readonly changes: readonly string[];
  readonly groups: readonly ItemGroup[];
  readonly groupsNotListed?: GroupsNotListed;
  readonly steps: readonly Step[];
  readonly links: readonly Link[];
  readonly ackUrl?: string;
}

/** Everything the renderers know about the run that produced the message. */
export interface RenderContext {
  readonly tenantId: string;
  readonly tenantName?: string;
  readonly generatedAt: Date;
  readonly portalUrl: string;
  /** The monitor's workbook (DIGEST_WORKBOOK_URL): its "Open alerts" lists each alert by id. */
  readonly workbookUrl?: string;
  /** A catch-up message (src/alerts/catchUp.ts): what this channel missed, said first. */
  readonly catchUp?: CatchUpContext;
}

/** Why a catch-up message came: since when messages were given up on the channel, and how many. */
export interface CatchUpContext {
  /** When the first message given up on it was committed. */
  readonly since: string;
  readonly givenUp: number;
  /** Alerts of those messages resolved since (not in the message). */
  readonly resolved: number;
}
