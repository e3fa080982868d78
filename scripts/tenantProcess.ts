import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The demo tenant in a child process (src/demo/standalone.ts), so that a measurement of the pipeline
 * counts neither its work nor its memory. Resolves once it listens.
 */
export interface TenantProcess {
  readonly baseUrl: string;
  readonly tenantId: string;
  readonly process: ChildProcess;
}

export function startSyntheticTenant(options: {
  readonly workDir: string;
  readonly events: number;
  readonly start: Date;
  readonly spanMinutes?: number;
}): Promise<TenantProcess> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const standalone = path.resolve(here, '../src/demo/standalone.js');
  const child = spawn(
    process.execPath,
    [
      standalone,
      '--scenario',
      'synthetic',
      '--events',
      String(options.events),
      '--start',
      options.start.toISOString(),
      '--span-minutes',
      String(options.spanMinutes ?? 1440),
      '--no-rate-limit',
      '--cert-dir',
      path.join(options.workDir, 'tls'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`demo tenant exited early (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const info = JSON.parse(line) as { baseUrl: string; tenantId: string };
      resolve({ baseUrl: info.baseUrl, tenantId: info.tenantId, process: child });
    });
  });
}
