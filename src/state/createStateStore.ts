import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { FileStateStore } from './fileStateStore.js';
import type { StateSettings } from './settings.js';
import type { StateStore } from './store.js';
import { TableStateStore } from './tableStateStore.js';

/**
 * The state store the settings ask for: Azure Table Storage when a state table is configured
 * (connection string, or account URL + Azure Identity), otherwise local files under `<dataDir>/state`.
 * `credential` replaces the default Azure Identity credential (tests, or callers that already built one).
 */
export function createStateStore(
  settings: StateSettings,
  options: { credential?: TokenCredential } = {},
): StateStore {
  if (settings.stateTable) {
    return TableStateStore.fromSettings(settings.stateTable, { credential: options.credential });
  }
  return new FileStateStore(path.join(settings.dataDir, 'state'));
}
