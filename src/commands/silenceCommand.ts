import { userInfo } from 'node:os';
import {
  addSilence,
  expireSilence,
  isActive,
  MATCHER_LABELS,
  readSilences,
  windowSilences,
  type Silence,
  type SilenceMatchers,
} from '../alerts/silences.js';
import { systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { openLocalState } from './localState.js';

/**
 * `cloudsync-monitor silence add|list|expire`: silences by matchers and a time window, with who and
 * why. The next runs record the matching alerts' transitions and notify nobody; an alert still firing
 * when its silence ends is told then. State store only: no Graph call.
 */
export interface SilenceOptions {
  readonly action: string | undefined;
  readonly id?: string | undefined;
  readonly match?: string | undefined;
  readonly for?: string | undefined;
  readonly until?: string | undefined;
  readonly by?: string | undefined;
  readonly comment?: string | undefined;
  readonly json?: boolean;
  readonly now?: Date | undefined;
  readonly print: (line: string) => void;
}

/** Returns the exit code; a usage problem is returned as text for the CLI's usage error. */
export async function silenceCommand(
  settings: Settings,
  log: Logger,
  options: SilenceOptions,
): Promise<number | { usage: string }> {
  const now = options.now ?? systemClock.now();
  switch (options.action) {
    case 'add': {
      const matchers = parseMatchers(options.match);
      if (typeof matchers === 'string') return { usage: matchers };
      const endsAt = endOf(options, now);
      if (typeof endsAt === 'string') return { usage: endsAt };
      if (!options.comment?.trim()) return { usage: 'silence add needs --comment saying why' };
      const local = await openLocalState(settings, systemClock, log, { orAskGraph: true });
      const silence = await addSilence(
        local.state,
        local.tenantId,
        {
          matchers,
          startsAt: now.toISOString(),
          endsAt: endsAt.toISOString(),
          createdBy: options.by ?? `cli:${userInfo().username}`,
          comment: options.comment,
        },
        now,
      );
      options.print(`silence ${silence.id} added: ${describe(silence)}`);
      return 0;
    }
    case 'list': {
      const local = await openLocalState(settings, systemClock, log, { orAskGraph: true });
      const stored = await readSilences(local.state, local.tenantId);
      const windows = windowSilences(settings.alerts.maintenanceWindows, now);
      const all = [...stored, ...windows];
      if (options.json) {
        options.print(
          JSON.stringify({ silences: all.map((s) => ({ ...s, active: isActive(s, now) })) }, null, 2),
        );
        return 0;
      }
      const active = all.filter((s) => isActive(s, now));
      options.print(
        `tenant ${local.tenantId}: ${active.length} active silence${active.length === 1 ? '' : 's'}`,
      );
      for (const s of all)
        options.print(`  ${s.id}  ${isActive(s, now) ? 'active ' : 'ended  '}  ${describe(s)}`);
      if (settings.alerts.maintenanceWindows.length > windows.length)
        options.print(
          `  (${settings.alerts.maintenanceWindows.length - windows.length} maintenance window(s) not open now)`,
        );
      return 0;
    }
    case 'expire': {
      if (!options.id) return { usage: 'silence expire needs the silence id (see `silence list`)' };
      const local = await openLocalState(settings, systemClock, log, { orAskGraph: true });
      const expired = await expireSilence(local.state, local.tenantId, options.id, now);
      if (!expired) {
        options.print(`no silence ${options.id}`);
        return 1;
      }
      options.print(`silence ${expired.id} ended at ${expired.expiredAt ?? expired.endsAt}`);
      return 0;
    }
    default:
      return { usage: 'silence takes add, list or expire' };
  }
}

/** "kind=sync-errors,configuration=contoso.com" -> matchers; a string is the problem. */
export function parseMatchers(text: string | undefined): SilenceMatchers | string {
  if (!text)
    return `silence add needs --match LABEL=VALUE[,LABEL=VALUE] (labels: ${MATCHER_LABELS.join(', ')})`;
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [label, ...rest] = part.split('=');
    const value = rest.join('=').trim();
    if (!label || !(MATCHER_LABELS as readonly string[]).includes(label.trim()) || !value)
      return `--match: "${part}" is not LABEL=VALUE with a label of ${MATCHER_LABELS.join(', ')}`;
    out[label.trim()] = value;
  }
  if (out.severity && !['warning', 'critical'].includes(out.severity))
    return '--match: severity is warning or critical';
  return out;
}

function endOf(options: SilenceOptions, now: Date): Date | string {
  if (options.until) {
    const ms = Date.parse(options.until);
    if (Number.isNaN(ms) || ms <= now.getTime()) return '--until takes a future ISO 8601 instant';
    return new Date(ms);
  }
  const m = /^(\d+)\s*(m|h|d)$/.exec(options.for ?? '');
  if (!m) return 'silence add needs --for DURATION (30m, 2h, 3d) or --until ISO';
  const unit = { m: 60_000, h: 3600_000, d: 24 * 3600_000 }[m[2] as 'm' | 'h' | 'd'];
  return new Date(now.getTime() + Number(m[1]) * unit);
}

function describe(s: Silence): string {
  const matchers = Object.entries(s.matchers)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return `${matchers} from ${s.startsAt} until ${s.expiredAt ?? s.endsAt} by ${s.createdBy}: ${s.comment}`;
}
