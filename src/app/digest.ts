import { buildDigest, markDigestSent, writeDigestHtml, type BuiltDigest } from '../digest/runDigest.js';
import type { SendDigestSettings } from '../digest/settings.js';
import { dispatch, type DispatchReport, type NotifyDependencies } from '../notify/dispatch.js';
import type { StateStore } from '../state/store.js';

export interface SentDigest {
  readonly digest: BuiltDigest;
  /** Absent when the day's digest had already been sent: nothing was sent again. */
  readonly report: DispatchReport | undefined;
  /** The digest HTML under DATA_DIR, for a look in a browser. */
  readonly htmlPath: string;
}

/**
 * The daily digest use case (the digest timer, `cloudsync-monitor digest`, the demo's last step).
 *
 * Builds the digest of the 24 hours before `now` and sends it through every channel, once per day:
 * a second call for the same day (the timer firing twice, a CLI run after the timer) sends nothing,
 * and a message that was dispatched but not marked sent is still delivered only once (dispatch's ledger).
 */
export async function sendDailyDigest(input: {
  readonly state: StateStore;
  readonly tenantId: string;
  readonly now: Date;
  readonly settings: SendDigestSettings;
  readonly notify: NotifyDependencies;
  /** How the digest names the tenant (fleet mode: its display name). */
  readonly tenantLabel?: string;
}): Promise<SentDigest> {
  const digest = await buildDigest(input);
  const htmlPath = await writeDigestHtml(input.settings.dataDir, digest.message);
  if (digest.alreadySent) return { digest, report: undefined, htmlPath };
  const report = await dispatch(digest.message, input.notify);
  // Deferred: the state store failed before the digest was queued on that channel. Not marked sent, so
  // a second call sends it there (the ledger keeps the channels that have it from getting it twice).
  const deferred = report.channels.filter((c) => c.outcome === 'deferred');
  if (deferred.length > 0) {
    throw new Error(
      `digest ${digest.message.id} could not be queued on ${deferred.map((c) => c.channel).join(', ')}: ${deferred[0]?.error ?? 'state store failure'}`,
    );
  }
  await markDigestSent({
    state: input.state,
    tenantId: input.tenantId,
    message: digest.message,
    now: input.now,
  });
  return { digest, report, htmlPath };
}
