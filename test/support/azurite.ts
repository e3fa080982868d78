import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Azurite Table service in a child process, for tests of the Table Storage state store.
 * One instance per test file (start in beforeAll, stop in afterAll): it starts in well under a second,
 * and separate instances keep test files independent when vitest runs them in parallel.
 */
export interface Azurite {
  readonly port: number;
  /** Account-key connection string for the well-known development account, with an explicit http endpoint. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** The documented development-storage account and key (public, Azurite accepts only these by default). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const require = createRequire(import.meta.url);

/** In memory, any API version, no telemetry, lenient, quiet: the flags every test instance runs with. */
export const AZURITE_FLAGS = [
  '--inMemoryPersistence',
  '--skipApiVersionCheck',
  '--disableTelemetry',
  '--loose',
  '--silent',
] as const;

export async function startAzurite(options: { startTimeoutMs?: number } = {}): Promise<Azurite> {
  const port = await freePort();
  // Even with in-memory persistence Azurite may write files into its working directory (it refuses
  // --location together with --inMemoryPersistence): run it in a temp dir to keep them out of the repo.
  const location = await mkdtemp(path.join(os.tmpdir(), 'azurite-'));
  const main = require.resolve('azurite/dist/src/table/main.js');
  const child = spawn(
    process.execPath,
    [main, ...AZURITE_FLAGS, '--tableHost', '127.0.0.1', '--tablePort', String(port)],
    { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(location, { recursive: true, force: true });
  };

  try {
    await waitForPort(port, child, options.startTimeoutMs ?? 15_000);
  } catch (error) {
    await stop();
    throw new Error(`Azurite did not start: ${(error as Error).message}\n${output}`, { cause: error });
  }

  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `TableEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
  return { port, connectionString, stop };
}

/** Asks the OS for a free port by listening on 0; the tiny window until Azurite binds it is acceptable in tests. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited early (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (await answers(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`port ${port} did not answer within ${timeoutMs} ms`);
}

export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // Azurite closes its servers on SIGTERM; do not let a hung shutdown hold up the test run.
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
