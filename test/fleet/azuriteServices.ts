import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  answers,
  AZURITE_ACCOUNT,
  AZURITE_FLAGS,
  AZURITE_KEY,
  freePort,
  stopChild,
} from '../support/azurite.js';

/**
 * Azurite with its blob, queue and table services in one child process (`azurite.js`, the all-in-one
 * entry; test/support/azurite.ts starts the table service alone). Fleet mode needs the queue (the work
 * and poison queues) and the table (state and registry) of one storage account, and a Functions host
 * would use its blob service for timer locks: one account, as in Azure.
 */
export interface AzuriteServices {
  readonly connectionString: string;
  readonly ports: { readonly blob: number; readonly queue: number; readonly table: number };
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

export async function startAzuriteServices(
  options: { startTimeoutMs?: number } = {},
): Promise<AzuriteServices> {
  const [blob, queue, table] = [await freePort(), await freePort(), await freePort()];
  const location = await mkdtemp(path.join(os.tmpdir(), 'azurite-fleet-'));
  const main = require.resolve('azurite/dist/src/azurite.js');
  const child = spawn(
    process.execPath,
    [
      main,
      ...AZURITE_FLAGS,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(blob),
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(queue),
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(table),
    ],
    { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(location, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (const port of [blob, queue, table]) {
    while (!(await answers(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`Azurite did not start (port ${port}):\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const endpoint = (service: string, port: number) =>
    `${service}Endpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      endpoint('Blob', blob) +
      endpoint('Queue', queue) +
      endpoint('Table', table),
    ports: { blob, queue, table },
    stop,
  };
}
