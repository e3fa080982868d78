import { z } from 'zod';
import { StateConflictError, readValidated, type StateStore } from '../state/store.js';

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
  try {
    return (
      (await readValidated(state, { tenantId, name: DIGEST_SENT_KEY }, digestSentState))?.value ?? {
        days: {},
      }
    );
  } catch {
    return { days: {} }; // corrupt: dispatch's own ledger still prevents a second delivery
  }
}

/** Records that the digest of `date` (yyyy-mm-dd) went out. Compare-and-swap, retried on conflict. */
export async function writeDigestSent(
  state: StateStore,
  tenantId: string,
  entry: { date: string; messageId: string; windowEnd: string; sentAt: string },
): Promise<void> {
  const key = { tenantId, name: DIGEST_SENT_KEY };
  for (let attempt = 1; ; attempt++) {
    let current: { value: DigestSentState; etag: string } | undefined;
    let corrupt = false;
    try {
      current = await readValidated(state, key, digestSentState);
    } catch {
      corrupt = true;
    }
    const cutoff = new Date(Date.parse(`${entry.date}T00:00:00Z`) - KEEP_DAYS * 24 * 3600_000)
      .toISOString()
      .slice(0, 10);
    const days = Object.fromEntries(Object.entries(current?.value.days ?? {}).filter(([d]) => d >= cutoff));
    days[entry.date] = days[entry.date] ?? {
      messageId: entry.messageId,
      windowEnd: entry.windowEnd,
      sentAt: entry.sentAt,
    };
    try {
      await state.write(
        key,
        { days },
        current ? { ifMatch: current.etag } : corrupt ? { unconditional: true } : { ifNoneMatch: '*' },
      );
      return;
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= 5) throw error;
    }
  }
}
