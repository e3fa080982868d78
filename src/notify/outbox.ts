import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeliveryError, type Channel, type ChannelName } from './channel.js';
import type { OutboundMessage } from './message.js';
import { DEFAULT_RETENTION_DAYS, pruneOutbox } from '../sinks/localRetention.js';

/**
 * The local outbox (design section 7): with a channel not configured, its messages become files
 * `<dataDir>/outbox/<time>-<channel>-<id>.json` holding exactly the payload that channel would send
 * (the ACS EmailMessage, the Workflows body). Names are safe on Windows (no colons) and derived from the
 * message only, so writing the same message again finds its file and writes nothing new.
 * Files last written more than `retentionDays` (LOCAL_RETENTION_DAYS) ago are deleted at a channel's
 * first send: the outbox only grows when something is sent, so that is when it is pruned.
 */
export function createOutboxChannel(
  name: ChannelName,
  options: {
    dataDir: string;
    retentionDays?: number | undefined;
    payloadFor: (message: OutboundMessage) => unknown;
    /** The real clock (ms) that file times are compared with; tests set it. */
    now?: () => number;
  },
): Channel {
  const dir = path.join(options.dataDir, 'outbox');
  let pruned = false;
  return {
    name,
    transport: 'outbox',
    async send(message) {
      const file = path.join(dir, outboxFileName(name, message));
      const json = `${JSON.stringify(options.payloadFor(message), null, 2)}\n`;
      if (!pruned) {
        pruned = true;
        const now = options.now?.() ?? Date.now();
        // Housekeeping: a failure to delete an old file must not cost a notification.
        await pruneOutbox(dir, now, options.retentionDays ?? DEFAULT_RETENTION_DAYS).catch(() => undefined);
      }
      try {
        await mkdir(dir, { recursive: true });
        await writeOnce(file, json);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // A full or read-only disk may clear up; anything else will not.
        const retryable = code === 'ENOSPC' || code === 'EBUSY' || code === 'EAGAIN' || code === 'EMFILE';
        throw new DeliveryError(
          `could not write outbox file ${path.basename(file)}: ${String(code ?? error)}`,
          'rejected',
          retryable,
        );
      }
    },
  };
}

/** `20260301T070000Z-email-<id>.json`; the id reduced to characters every file system accepts. */
export function outboxFileName(channel: ChannelName, message: OutboundMessage): string {
  const at = new Date(message.createdAt);
  const time = Number.isNaN(at.getTime())
    ? 'unknown-time'
    : at
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
        .replace(/[-:]/g, '');
  let id = message.id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/[._]+$/, '');
  if (id !== message.id || id.length > 100) {
    // Keep distinct ids distinct after reducing them.
    id = `${id.slice(0, 100)}-${createHash('sha256').update(message.id).digest('hex').slice(0, 8)}`;
  }
  return `${time}-${channel}-${id}.json`;
}

/** Complete file or nothing, never overwriting: write a temp file, then hard-link it into place. */
async function writeOnce(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  await writeFile(temp, content, { encoding: 'utf8', flag: 'wx' });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
