import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import {
  readProvisioningPage,
  type ProvisioningPage,
  type ProvisioningPageContext,
} from './provisioningPage.js';

/**
 * Reads the pages of one provisioning listing, on worker threads when there are more pages than one.
 *
 * Why: parsing a page and making its rows (JSON.parse, validation, JSON.stringify) is most of a run's
 * CPU, and on a machine with a second core it can go on there while the main thread receives the next
 * page, de-duplicates and commits (measured: README, "Performance"). Pages are handed out round robin
 * and their results awaited in listing order by the caller (GraphReader.parsedPages), so what is
 * written, and in what order, is the same as reading them on the main thread.
 *
 * What cannot go wrong because of it: a worker that fails to start, crashes or runs out of memory is
 * given no more pages, and the pages it held are read on the main thread instead (each body is copied
 * to the worker, not transferred, so it is still here); a page a worker cannot read is read here too,
 * which throws the same error it always did. `onFallback` is told why, once.
 */
export class ProvisioningPageParsers {
  private readonly workers: PageWorker[] = [];
  private started = false;
  private closed = false;
  private next = 0;
  private fallenBack = false;

  constructor(
    private readonly context: ProvisioningPageContext,
    /** Worker threads to use; 0 reads every page on the main thread. */
    private readonly threads: number,
    private readonly onFallback: (reason: string) => void = () => undefined,
    private readonly limits: ResourceLimits = WORKER_LIMITS,
  ) {}

  /** Reads one page; the first is read here (a listing of one page is not worth starting a thread for). */
  parse(body: Buffer, at: string): Promise<ProvisioningPage> {
    // A page read ahead may arrive after the listing stopped: nobody wants it, and no thread is started.
    if (this.closed) return Promise.reject(new Error('the listing was stopped'));
    if (!this.started) {
      this.started = true;
      return this.inline(body, at);
    }
    if (this.workers.length === 0 && !this.fallenBack && this.threads > 0) this.start();
    const live = this.workers.filter((w) => w.alive);
    if (live.length === 0) return this.inline(body, at);
    const worker = live[this.next++ % live.length]!;
    return worker.parse(body, at);
  }

  /** Stops the workers (at the end of the listing); pages still out with them are read here. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  private start(): void {
    const script = (workerScriptFound ??= { script: workerScript() }).script;
    if (script === undefined) {
      this.fallBack('the page worker script is not part of this build');
      return;
    }
    for (let i = 0; i < this.threads; i++) {
      try {
        this.workers.push(
          new PageWorker(
            script,
            this.context,
            this.limits,
            (reason) => this.fallBack(reason),
            (body, at) => this.inline(body, at),
          ),
        );
      } catch (error) {
        // Thrown at once (resource limits refused, say), not reported as an 'error' event.
        this.fallBack(
          `a page worker could not start: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
    }
  }

  private fallBack(reason: string): void {
    if (this.fallenBack) return;
    this.fallenBack = true;
    this.onFallback(reason);
  }

  private inline(body: Buffer, at: string): Promise<ProvisioningPage> {
    return new Promise((resolve) => resolve(readProvisioningPage(body, at, this.context)));
  }
}

/**
 * A worker's heap, bounded: a worker holds one page at a time (2 MB of JSON, some 10 MB parsed), and
 * V8's defaults (a 16 MB semi-space, an old generation sized for the machine) let each worker's garbage
 * grow to 100 MB and more before collecting it. A page too big for these limits costs its worker (V8
 * stops it, out of memory), not the page: it is read on the main thread, whose heap is not bounded so.
 */
const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 64 };

interface Job {
  readonly body: Buffer;
  readonly at: string;
  readonly resolve: (page: ProvisioningPage | Promise<ProvisioningPage>) => void;
  readonly reject: (error: Error) => void;
}

type Reply = { id: number; page: ProvisioningPage } | { id: number; failed: string };

/** One worker thread and the pages it holds. */
class PageWorker {
  alive = true;
  private readonly jobs = new Map<number, Job>();
  private ids = 0;
  private readonly worker: Worker;
  private stopping = false;

  constructor(
    script: WorkerScript,
    context: ProvisioningPageContext,
    limits: ResourceLimits,
    private readonly onFailure: (reason: string) => void,
    private readonly inline: (body: Buffer, at: string) => Promise<ProvisioningPage>,
  ) {
    // Not the parent's node options either (the host's, or a test's --input-type): the worker needs none.
    this.worker = new Worker(script.url, { workerData: context, resourceLimits: limits, execArgv: [] });
    // Not a reason to keep the process alive: a run that ends closes it, a crashed one must not hang.
    // Held only while it has a page (see parse): an idle worker must not keep the process alive, and
    // one with a page must, or a CLI run could end while waiting for its last page.
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const job = this.jobs.get(reply.id);
      if (!job) return;
      this.jobs.delete(reply.id);
      if (this.jobs.size === 0) this.worker.unref();
      // A page the worker could not read is read here: the same error, thrown where it always was.
      job.resolve('page' in reply ? reply.page : this.inline(job.body, job.at));
    });
    this.worker.on('error', (error) => this.fail(`a page worker failed: ${error.message}`));
    this.worker.on('exit', (code) => this.fail(`a page worker stopped (exit code ${code})`));
  }

  parse(body: Buffer, at: string): Promise<ProvisioningPage> {
    return new Promise((resolve, reject) => {
      const id = this.ids++;
      if (this.jobs.size === 0) this.worker.ref();
      this.jobs.set(id, { body, at, resolve, reject });
      this.worker.postMessage({ id, body, path: at });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }

  /** Its pages are read on the main thread; it gets no more. Stopped, what it held is not wanted. */
  private fail(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    if (!this.stopping) this.onFailure(reason);
    for (const job of this.jobs.values()) {
      if (this.stopping) job.reject(new Error('the page workers were stopped'));
      else job.resolve(this.inline(job.body, job.at));
    }
    this.jobs.clear();
  }
}

/** Where the worker's module is: looked for once per process (it does not move while it runs). */
let workerScriptFound: { readonly script: WorkerScript | undefined } | undefined;

interface WorkerScript {
  readonly url: URL;
}

/**
 * Where the worker's module is, for each way this code runs:
 * - compiled (dist/src/collect): provisioningPageWorker.js beside this file;
 * - the deploy package, bundled by esbuild (scripts/package.ts): dist/workers/, beside the bundle's
 *   dist/functions and dist/chunks;
 * - from sources (tsx, vitest): the .ts beside this file, started through a bootstrap that registers
 *   tsx's loader in the worker (a worker does not inherit the loader its parent runs under).
 */
function workerScript(): WorkerScript | undefined {
  const here = import.meta.url;
  for (const candidate of ['./provisioningPageWorker.js', '../workers/provisioningPageWorker.js']) {
    const url = new URL(candidate, here);
    if (existsSync(fileURLToPath(url))) return { url };
  }
  const source = new URL('./provisioningPageWorker.ts', here);
  if (!here.endsWith('.ts') || !existsSync(fileURLToPath(source))) return undefined;
  let tsx: string;
  try {
    const manifest = createRequire(here).resolve('tsx/package.json');
    tsx = pathToFileURL(path.join(path.dirname(manifest), 'dist/esm/api/index.mjs')).href;
  } catch {
    return undefined;
  }
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(source.href)});`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`) };
}
