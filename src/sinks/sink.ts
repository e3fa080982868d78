import type { TableName, TableRecords } from '../tables/definitions.js';

/**
 * Where records go: Log Analytics (Logs Ingestion API) in Azure, NDJSON files locally.
 * `write` resolves only when every row of the batch is stored; it rejects with SinkError otherwise,
 * and the caller must then not advance any watermark past these rows (they are sent again next run).
 */
export interface RecordSink {
  write<N extends TableName>(table: N, rows: readonly TableRecords[N][]): Promise<void>;
}

export class SinkError extends Error {
  constructor(
    message: string,
    readonly table: TableName,
    readonly failedRows: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SinkError';
  }
}
