import type { TokenCredential } from '@azure/identity';
import { defaultAzureCredential } from '../azure/defaultCredential.js';
import { LogAnalyticsSink, type LogAnalyticsSinkOptions } from './logAnalyticsSink.js';
import { NdjsonSink } from './ndjsonSink.js';
import type { SinkSettings } from './settings.js';
import type { RecordSink } from './sink.js';

export interface SinkDependencies {
  /** Used instead of DefaultAzureCredential (tests, the CLI with its own credential). */
  readonly credential?: TokenCredential;
  /** Client options for the Logs Ingestion client, e.g. shorter retries in tests. */
  readonly logAnalytics?: LogAnalyticsSinkOptions;
}

/**
 * Log Analytics when a DCR is configured, otherwise NDJSON files under DATA_DIR (design section 7), so a
 * newcomer without Azure still gets every record.
 */
export function createSink(settings: SinkSettings, dependencies: SinkDependencies = {}): RecordSink {
  if (!settings.logsIngestion) {
    return new NdjsonSink(settings.dataDir, { retentionDays: settings.localRetentionDays });
  }
  // A user-assigned managed identity needs its client id; without one DefaultAzureCredential tries the rest.
  const credential =
    dependencies.credential ??
    defaultAzureCredential({ managedIdentityClientId: settings.logsIngestion.managedIdentityClientId });
  return new LogAnalyticsSink(settings.logsIngestion, credential, dependencies.logAnalytics);
}
