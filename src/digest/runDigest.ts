import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OutboundMessage } from '../notify/message.js';
import type { StateStore } from '../state/store.js';
import { buildDigestModel } from './buildModel.js';
import { digestMessage } from './digestMessage.js';
import type { DigestModel } from '../domain/digestModel.js';
import { expectedRunIntervalMs } from './collectInterval.js';
import { readRollups } from './rollup.js';
import { DIGEST_WINDOW_MS, hourStart } from './rollupSchema.js';
import { readDigestSent, writeDigestSent } from './sentState.js';
import { readCoverageSummary } from '../coverage/coverageSummary.js';
import { readCanaryHistory } from '../canary/canaryHistory.js';
import { buildLatency } from './latency.js';
import type { BuildDigestSettings } from './settings.js';

/**
 * The digest's entry point for the CLI command and the Functions timer:
 *
 *   const digest = await buildDigest({ state, tenantId, now, settings });
 *   if (!digest.alreadySent) { await dispatch(digest.message, notifyDeps); await markDigestSent({ state, tenantId, message: digest.message, now }); }
 *
 * Dispatch is idempotent per message id and the id is per tenant and day, so a crash between dispatch and
 * markDigestSent cannot send the day's digest twice either.
 */

const DAY = DIGEST_WINDOW_MS;

export { expectedRunIntervalMs };

export interface BuildDigestInput {
  readonly state: StateStore;
  readonly tenantId: string;
  readonly now: Date;
  readonly settings: BuildDigestSettings;
  /** How the digest names the tenant (fleet mode: its display name); default from its domains. */
  readonly tenantLabel?: string;
}

export interface BuiltDigest {
  readonly model: DigestModel;
  readonly message: OutboundMessage;
  /** The day's digest was already marked sent (by an earlier timer firing or CLI run). */
  readonly alreadySent: boolean;
  readonly sentAt: string | undefined;
}

/**
 * Builds the digest of the 24 hours before `now`, in whole hours (the rollups are hourly): a timer that
 * fires at 07:00:03 reports on 07:00 to 07:00.
 */
export async function buildDigest(input: BuildDigestInput): Promise<BuiltDigest> {
  const { state, tenantId, now, settings } = input;
  const windowEnd = hourStart(now);
  const windowStart = new Date(windowEnd.getTime() - DAY);
  const [window, previous, sent, scope, canary] = await Promise.all([
    readRollups(state, tenantId, windowStart, windowEnd),
    readRollups(state, tenantId, new Date(windowStart.getTime() - DAY), windowStart),
    readDigestSent(state, tenantId),
    readCoverageSummary(state, tenantId, windowStart, windowEnd).catch(() => undefined),
    readCanaryHistory(state, tenantId, windowStart, windowEnd).catch(() => []),
  ]);
  const built = buildDigestModel({
    tenantId,
    ...(input.tenantLabel ? { tenantLabel: input.tenantLabel } : {}),
    windowEnd,
    hours: window.hours,
    previousDay: previous.hours,
    expectedRunIntervalMs: expectedRunIntervalMs(settings.collectSchedule),
    unreadableHours: window.unreadable,
  });
  const latency = buildLatency(canary);
  const model = { ...built, ...(scope ? { scope } : {}), ...(latency ? { latency } : {}) };
  const message = digestMessage(model, { workbookUrl: settings.digest.workbookUrl });
  const entry = sent.days[model.date];
  return { model, message, alreadySent: entry !== undefined, sentAt: entry?.sentAt };
}

/** Records that the message's day was sent: later buildDigest calls for that day report alreadySent. */
export async function markDigestSent(input: {
  readonly state: StateStore;
  readonly tenantId: string;
  readonly message: OutboundMessage;
  readonly now: Date;
}): Promise<void> {
  await writeDigestSent(input.state, input.tenantId, {
    date: dateOfMessage(input.message),
    messageId: input.message.id,
    windowEnd: input.message.createdAt,
    sentAt: input.now.toISOString(),
  });
}

/**
 * Writes the email HTML to `<dataDir>/digest/digest-<day>.html`, named after the day it covers (the
 * digest of 30 Nov, sent on 1 Dec at midnight or 07:00, is digest-2026-11-30.html), and returns the path.
 */
export async function writeDigestHtml(dataDir: string, message: OutboundMessage): Promise<string> {
  const dir = path.join(dataDir, 'digest');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `digest-${coveredDay(message)}.html`);
  await writeFile(file, message.email.html, 'utf8');
  return file;
}

/** The day of the window's last instant (createdAt is the window end): the day the digest is about. */
function coveredDay(message: OutboundMessage): string {
  const end = Date.parse(message.createdAt);
  if (!Number.isFinite(end)) throw new Error(`not a digest message: createdAt ${message.createdAt}`);
  return new Date(end - 1).toISOString().slice(0, 10);
}

function dateOfMessage(message: OutboundMessage): string {
  const date = /(\d{4}-\d{2}-\d{2})$/.exec(message.id)?.[1];
  if (!date) throw new Error(`not a digest message id: ${message.id}`);
  return date;
}
