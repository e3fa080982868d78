import type { HourRollup } from './rollupSchema.js';

/**
 * Keeps one hour's rollup well below the state store's value limit (STATE_VALUE_MAX_BYTES, 900 KB; an
 * Azure Table entity holds 1 MB in all). The per-item caps of the merge keep a normal hour at a few
 * kilobytes; only a pathological hour (thousands of distinct failing objects across many jobs) gets here,
 * and then detail goes first, counts last: the digest keeps its numbers and says what it dropped.
 */
export const ROLLUP_MAX_BYTES = 400_000;

const sizeOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

const steps: readonly { readonly note: string; readonly apply: (r: HourRollup) => void }[] = [
  {
    note: 'failing-objects-trimmed',
    apply: (r) => {
      for (const failing of Object.values(r.failing)) {
        const entries = Object.entries(failing.objects).sort((a, b) =>
          b[1].lastAt.localeCompare(a[1].lastAt),
        );
        failing.overflow += Math.max(0, entries.length - 200);
        failing.objects = Object.fromEntries(entries.slice(0, 200));
      }
    },
  },
  {
    note: 'failure-object-ids-trimmed',
    apply: (r) => {
      for (const job of Object.values(r.provisioning))
        for (const code of Object.values(job.failures)) {
          code.objectsOverflow += Math.max(0, code.objects.length - 10);
          code.objects = code.objects.slice(0, 10);
        }
    },
  },
  {
    note: 'cycle-ids-dropped',
    apply: (r) => {
      for (const job of Object.values(r.provisioning)) {
        job.cyclesOverflow += job.cycles.length;
        job.cycles = [];
      }
    },
  },
  {
    note: 'transitions-trimmed',
    apply: (r) => {
      r.transitions = r.transitions.slice(-50);
    },
  },
  {
    note: 'failing-objects-dropped',
    apply: (r) => {
      for (const failing of Object.values(r.failing)) {
        failing.overflow += Object.keys(failing.objects).length;
        failing.objects = {};
      }
    },
  },
];

export function boundRollup(rollup: HourRollup, maxBytes = ROLLUP_MAX_BYTES): HourRollup {
  if (sizeOf(rollup) <= maxBytes) return rollup;
  const next = structuredClone(rollup);
  const notes = new Set(next.truncated);
  for (const step of steps) {
    step.apply(next);
    notes.add(step.note);
    next.truncated = [...notes].sort();
    if (sizeOf(next) <= maxBytes) break;
  }
  return next;
}
