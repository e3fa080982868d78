import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { NotifyDependencies } from '../../src/notify/dispatch.js';
import type { OutboundMessage } from '../../src/notify/message.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';

export const TENANT = '8f3c2a10-5b7e-4c1d-9a2f-0e6b7d4c3b21';
export const START = new Date('2026-03-02T03:05:00.000Z');

export function message(id: string, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id,
    tenantId: TENANT,
    kind: 'alerts',
    createdAt: '2026-03-02T03:05:00.000Z',
    email: {
      subject: `[Cloud Sync] CRITICAL: test ${id}`,
      html: `<p>alert ${id}</p>`,
      plainText: `alert ${id}`,
    },
    teams: {
      card: {
        type: 'AdaptiveCard',
        version: '1.4',
        body: [{ type: 'TextBlock', text: `alert ${id}`, wrap: true }],
      },
    },
    ...overrides,
  };
}

export interface RecordingLogger extends Logger {
  readonly lines: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const logger = createLogger((level, line) => lines.push(`${level} ${line}`), 'debug');
  return Object.assign(logger, { lines });
}

export interface Harness {
  readonly dir: string;
  readonly clock: VirtualClock;
  readonly log: RecordingLogger;
  readonly state: FileStateStore;
  deps(env?: Record<string, string>, extra?: Partial<NotifyDependencies>): NotifyDependencies;
  cleanup(): Promise<void>;
}

/** A data dir, a file state store, a virtual clock (sleeps are instant) and settings parsed by config.ts. */
export async function harness(): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'notify-'));
  const clock = virtualClock(START);
  const log = recordingLogger();
  const state = new FileStateStore(path.join(dir, 'state'));
  return {
    dir,
    clock,
    log,
    state,
    deps(env = {}, extra = {}) {
      const settings = loadSettings({ DATA_DIR: dir, NOTIFY_TIMEOUT_SECONDS: '5', ...env });
      return { state, clock, log, settings: settings.notify, dataDir: dir, ...extra };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
