import { z } from 'zod';
import type { SetAside } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';

/**
 * Which days' digests were sent, per tenant. Dispatch already refuses to deliver a message id twice;
 * this record lets the digest command say "already sent" without building and dispatching again, and
 * shows when it went out.
 */

export const DIGEST_SENT_KEY = 'digest-sent';
const KEEP_DAYS = 31;

export const digestSentState = z.object({
  days: z.record(z.string(), z.object({ messageId: z.string(), windowEnd: z.string(), sentAt: z.string() })),
});
export type DigestSentState = z.infer<typeof digestSentState>;

export async function readDigestSent(state: StateStore, tenantId: string): Promise<DigestSentState> {
  const stored = await readStoredState(state, { tenantId, name: DIGEST_SENT_KEY }, digestSentState);
  // Damaged or unreadable: dispatch's own ledger still prevents a second delivery, and the next
  // writeDigestSent sets a damaged record aside.
  return stored.kind === 'found' ? stored.value : { days: {} };
}

/**
 * Records that the digest of `date` (yyyy-mm-dd) went out (the first record of a day wins). A damaged
 * record is set aside and returned, for the caller to log.
 */
export async function writeDigestSent(
  state: StateStore,
  tenantId: string,
  entry: { date: string; messageId: string; windowEnd: string; sentAt: string },
): Promise<{ setAside?: SetAside }> {
  const cutoff = new Date(Date.parse(`${entry.date}T00:00:00Z`) - KEEP_DAYS * 24 * 3600_000)
    .toISOString()
    .slice(0, 10);
  return updateState(
    state,
    { tenantId, name: DIGEST_SENT_KEY },
    digestSentState,
    (current, { corrupt }) => {
      const days = Object.fromEntries(Object.entries(current?.days ?? {}).filter(([d]) => d >= cutoff));
      days[entry.date] = days[entry.date] ?? {
        messageId: entry.messageId,
        windowEnd: entry.windowEnd,
        sentAt: entry.sentAt,
      };
      return { value: { days }, result: corrupt ? { setAside: corrupt } : {} };
    },
    { now: new Date(entry.sentAt) },
  );
}
