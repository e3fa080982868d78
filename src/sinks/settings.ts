/**
 * What choosing and opening the record sink needs of the settings: declared beside the adapter so it
 * depends on nothing above it. src/config.ts maps the environment to it (Settings satisfies it).
 */

/** LOGS_INGESTION_ENDPOINT and LOGS_INGESTION_DCR_IMMUTABLE_ID, with the AZURE_CLOUD's token audience. */
export interface LogsIngestionSettings {
  readonly endpoint: string;
  readonly dcrImmutableId: string;
  readonly audience: string;
  /** AZURE_CLIENT_ID: the user-assigned managed identity (none: the system-assigned one). */
  readonly managedIdentityClientId?: string | undefined;
}

export interface SinkSettings {
  /** Without Logs Ingestion the records go to `<dataDir>/tables/*.ndjson`. */
  readonly logsIngestion: LogsIngestionSettings | undefined;
  readonly dataDir: string;
  /** LOCAL_RETENTION_DAYS: dated NDJSON files older than this are deleted. */
  readonly localRetentionDays?: number;
}
