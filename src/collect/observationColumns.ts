import { StringIndex } from '../domain/stringIndex.js';
import type { StringPool } from '../domain/stringPool.js';
import type { ProvisioningObservation } from '../tables/definitions.js';

/**
 * A page's observations in columns, the form they cross from a worker thread in (see provisioningPage).
 *
 * Why: structured clone copies each object's every property name and value, so the main thread paid
 * for 17 strings and an object per event, 200,000 events a run; most of those strings are the same
 * few values (a job's ids, its configuration, the enumerations). Columns send those once per page, as
 * indexes, and the main thread shares one copy of each across the run (a StringPool).
 */
export interface ObservationColumns {
  /** Distinct values of the SHARED columns on the page, `null` first. */
  readonly shared: (string | null)[];
  /** SHARED.length indexes into `shared` per event. */
  readonly sharedIndex: Uint32Array;
  /** OWN.length values per event. */
  readonly own: (string | null)[];
}

const SHARED = [
  'JobId',
  'CycleId',
  'ServicePrincipalId',
  'ConfigurationName',
  'ProvisioningAction',
  'ResultType',
  'ResultSignature',
  'ErrorCategory',
  'SourceType',
  'TargetType',
] as const;
const OWN = [
  'TimeGenerated',
  'ResultDescription',
  'RecommendedAction',
  'SourceId',
  'SourceDisplayName',
  'TargetId',
  'TargetDisplayName',
] as const;
// Every column of an observation is in exactly one of the lists (tsc checks it).
type Unlisted = Exclude<keyof ProvisioningObservation, (typeof SHARED)[number] | (typeof OWN)[number]>;
const everyColumnListed: [Unlisted] extends [never] ? true : never = true;
void everyColumnListed;

/** Builds the columns of one page, event by event. */
export class ObservationColumnsBuilder {
  private readonly shared = new StringIndex();
  private readonly sharedIndex: number[] = [];
  private readonly own: (string | null)[] = [];

  push(o: ProvisioningObservation): void {
    // 0 is null; a value is its number in `shared`, plus one.
    for (const column of SHARED) {
      const value = o[column];
      this.sharedIndex.push(value === null ? 0 : this.shared.indexOf(value) + 1);
    }
    for (const column of OWN) this.own.push(o[column]);
  }

  build(): ObservationColumns {
    return {
      shared: [null, ...this.shared.values],
      sharedIndex: Uint32Array.from(this.sharedIndex),
      own: this.own,
    };
  }
}

/** Reads the observations back, one object per event, with one copy of each shared value per run. */
export class ObservationColumnsReader {
  private readonly shared: (string | null)[];

  constructor(
    private readonly columns: ObservationColumns,
    pool: StringPool,
  ) {
    this.shared = columns.shared.map((value) => (value === null ? null : pool.share(value)));
  }

  observation(event: number): ProvisioningObservation {
    const s = this.shared;
    const i = this.columns.sharedIndex;
    const o = this.columns.own;
    const at = event * SHARED.length;
    const own = event * OWN.length;
    return {
      TimeGenerated: o[own] as string,
      JobId: s[i[at]!] ?? null,
      CycleId: s[i[at + 1]!] ?? null,
      ServicePrincipalId: s[i[at + 2]!] ?? null,
      ConfigurationName: s[i[at + 3]!] ?? null,
      ProvisioningAction: s[i[at + 4]!] ?? null,
      ResultType: s[i[at + 5]!] ?? null,
      ResultSignature: s[i[at + 6]!] ?? null,
      ResultDescription: o[own + 1] ?? null,
      ErrorCategory: s[i[at + 7]!] ?? null,
      RecommendedAction: o[own + 2] ?? null,
      SourceId: o[own + 3] ?? null,
      SourceDisplayName: o[own + 4] ?? null,
      SourceType: s[i[at + 8]!] ?? null,
      TargetId: o[own + 5] ?? null,
      TargetDisplayName: o[own + 6] ?? null,
      TargetType: s[i[at + 9]!] ?? null,
    };
  }
}
