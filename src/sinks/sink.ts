import type { TableName, TableRecords } from '../tables/definitions.js';
import type { SerialisedRows } from '../tables/serialisedRows.js';

/**
 * Where records go: Log Analytics (Logs Ingestion API) in Azure, NDJSON files locally.
 * `write` resolves only when every row of the batch is stored; it rejects with SinkError otherwise,
 * and the caller must then not advance any watermark past these rows: it sends again the rows the error
 * names as not stored (`unstoredRows`), and only those, so an accepted row is never written twice.
 */
export interface RecordSink {
  write<N extends TableName>(table: N, rows: readonly TableRecords[N][]): Promise<void>;
  /**
   * Optional: `write` for rows already serialised, each the `rowJson` of its record (src/tables/schema.ts),
   * with the same outcome and errors. The provisioning collector serialises each event's row as it reads
   * it, so a batch waiting to be written holds its text, not its records, and no row is serialised twice.
   */
  writeJson?(table: TableName, rows: SerialisedRows): Promise<void>;
  /**
   * Optional, for a sink that can look back after a crash (NDJSON files can; Logs Ingestion cannot):
   * where the table's durable data ends now. A collector records it before a write it may not live to
   * confirm, and asks `heldSince` about it on the next run.
   */
  position?(table: TableName): Promise<SinkPosition>;
  /**
   * Which of `eventIds` (row identities: src/tables/rowIdentity.ts) the table holds in what was written after `position`. A torn last row (the
   * process died mid-write) is cut off first, so the answer and the file agree.
   */
  heldSince?(table: TableName, position: SinkPosition, eventIds: ReadonlySet<string>): Promise<Set<string>>;
}

/** JSON-serialisable, opaque to callers. */
export type SinkPosition = string | number;

export class SinkError extends Error {
  /**
   * Positions (in the batch given to `write`) of the rows that were not stored, when the sink knows
   * them: a caller resends exactly these (`unstoredRows`), never the rows that were accepted.
   * Undefined: treat every row of the batch as not stored.
   */
  readonly rejected: readonly number[] | undefined;

  constructor(
    message: string,
    readonly table: TableName,
    readonly failedRows: number,
    options?: { cause?: unknown; rejected?: readonly number[] },
  ) {
    super(message, options);
    this.name = 'SinkError';
    this.rejected = options?.rejected;
  }
}

/** Writes rows serialised by `rowJson`: through `writeJson` where the sink has it, else as records again. */
export function writeJsonRows<N extends TableName>(
  sink: RecordSink,
  table: N,
  rows: SerialisedRows,
): Promise<void> {
  if (sink.writeJson) return sink.writeJson(table, rows);
  const records: TableRecords[N][] = [];
  for (let i = 0; i < rows.count; i++) records.push(JSON.parse(rows.rowText(i)) as TableRecords[N]);
  return sink.write(table, records);
}

/** The rows of `rows` that a failed `write` did not store: what to send again. */
export function unstoredRows<T>(rows: readonly T[], error: SinkError): T[] {
  if (!error.rejected) return [...rows];
  return error.rejected.flatMap((index) => (index >= 0 && index < rows.length ? [rows[index]!] : []));
}
