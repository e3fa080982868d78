import { readdirSync, readFileSync } from 'node:fs';
import type { StateKey, StateStore } from '../../src/state/store.js';

/**
 * What the fleet bench counts besides time: the state store's round trips per tenant run (each call of
 * the store is one request to the table service, a conditional write that meets a conflict one more)
 * and the CPU seconds of each process of the fleet.
 */
export type StoreOp = 'read' | 'write' | 'delete' | 'list';

/** Round trips per tenant (every key carries its tenant id), by operation and state name. */
export class StoreCounter {
  private readonly byTenant = new Map<string, Map<string, number>>();

  /** `store`, counting each call under the key's tenant. */
  wrap(store: StateStore): StateStore {
    const count = (tenantId: string, op: StoreOp, name: string) => {
      const counts = this.byTenant.get(tenantId) ?? new Map<string, number>();
      const label = `${op} ${name}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      this.byTenant.set(tenantId, counts);
    };
    return {
      read: (key: StateKey) => (count(key.tenantId, 'read', key.name), store.read(key)),
      write: (key, value, condition) => (
        count(key.tenantId, 'write', key.name),
        store.write(key, value, condition)
      ),
      delete: (key, condition) => (count(key.tenantId, 'delete', key.name), store.delete(key, condition)),
      list: (tenantId, prefix) => (count(tenantId, 'list', `${prefix ?? ''}*`), store.list(tenantId, prefix)),
    };
  }

  /** The counts of one tenant since the last take, and forgets them. */
  take(tenantId: string): Record<string, number> {
    const counts = this.byTenant.get(tenantId);
    this.byTenant.delete(tenantId);
    return Object.fromEntries([...(counts ?? [])].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; undefined elsewhere). */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th
    // field of the line, stime the 15th, in clock ticks of USER_HZ (100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The pids of this process's children whose command line contains `needle`. */
export function childPidsMatching(needle: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSafe('/proc')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) found.push(Number(pid));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
}
