import { afterEach, beforeEach } from 'vitest';
import { tempDataDir } from './collectHarness.js';

/**
 * App settings for a handler test: a fresh DATA_DIR and the given settings before each test, the
 * original environment after it (handlers read settings through loadSettings, as in Azure).
 * Returns the current test's data dir.
 */
export function useFunctionEnvironment(settings: Record<string, string>): () => string {
  const saved = { ...process.env };
  let dataDir = '';
  beforeEach(async () => {
    dataDir = await tempDataDir();
    Object.assign(process.env, { ...settings, DATA_DIR: dataDir });
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  return () => dataDir;
}
