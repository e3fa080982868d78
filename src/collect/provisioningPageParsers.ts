import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { PageSlots, type PageSlot, type SlotPage } from './pageSlots.js';
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
 * page, de-duplicates and commits (measured: README, "Performance"). Pages are handed out to the
 * process's PageWorkerPool and their results awaited in listing order by the caller
 * (GraphReader.parsedPages), so what is written, and in what order, is the same as reading them on the
 * main thread.
 *
 * What cannot go wrong because of it: a worker that fails to start, crashes or runs out of memory costs
 * no page: the pages it held are read on the main thread instead (each body is in shared memory, not
 * transferred, so it is still here), and so is the rest of this listing; a page a worker cannot read is
 * read here too, which throws the same error it always did. `onFallback` is told why, once.
 *
 * A page read on a worker has its rows in a page slot's shared memory (see pageSlots): the caller hands
 * it back with `release` once it has copied them, and must not read the page's rows after that.
 */
export class ProvisioningPageParsers {
  private started = false;
  private closed = false;
  private fallenBack = false;
  /** The slot each page read on a worker is in, until it is released. */
  private readonly slots = new WeakMap<ProvisioningPage, PageSlot>();

  constructor(
    private readonly context: ProvisioningPageContext,
    /** Worker threads the process may use (PROVISIONING_PARSE_WORKERS); 0 reads every page on the main thread. */
    threads: number,
    private readonly onFallback: (reason: string) => void = () => undefined,
    /** The threads to use: the process's own unless a test brings its own. */
    private readonly pool: PageWorkerPool | undefined = threads > 0 ? processPool(threads) : undefined,
  ) {}

  /** Reads one page; the first is read here (a listing of one page is not worth a thread). */
  async parse(body: Buffer, at: string): Promise<ProvisioningPage> {
    // A page read ahead may arrive after the listing stopped: nobody wants it, and no thread is asked.
    if (this.closed) throw new Error('the listing was stopped');
    if (!this.started || !this.pool || this.fallenBack) {
      this.started = true;
      return this.inline(body, at);
    }
    const read = await this.pool.parse(body, at, this.context);
    if ('page' in read) {
      this.slots.set(read.page, read.slot);
      return read.page;
    }
    // A page the worker could not read is read here: the same error, thrown where it always was.
    if ('unreadable' in read) return this.inline(read.body, at);
    if (!this.fallenBack) {
      this.fallenBack = true;
      this.onFallback(read.unread);
    }
    return this.inline(read.body, at);
  }

  /** The caller is done with the page's rows (copied): the memory they are in may carry another page. */
  release(page: ProvisioningPage): void {
    const slot = this.slots.get(page);
    if (!slot) return;
    this.slots.delete(page);
    this.pool?.giveBack(slot);
  }

  /** The listing is over: no more pages. The pool's threads stay for other listings, or stop when idle. */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private inline(body: Uint8Array, at: string): Promise<ProvisioningPage> {
    return new Promise((resolve) => resolve(readProvisioningPage(body, at, this.context)));
  }
}

/**
 * What a pool answers for a page: the page and the slot its rows are in; or that the worker could not
 * read it, or that no worker read it and why, with the page's bytes to read it on the main thread. A slot
 * whose page came back unread is not reused: its worker may still be writing in it.
 */
export type PooledRead =
  | { readonly page: ProvisioningPage; readonly slot: PageSlot }
  | { readonly unreadable: string; readonly body: Uint8Array }
  | { readonly unread: string; readonly body: Uint8Array };

/**
 * A worker's heap, bounded: a worker holds one page at a time (2 MB of JSON, some 10 MB parsed), and
 * V8's defaults (a 16 MB semi-space, an old generation sized for the machine) let each worker's garbage
 * grow to 100 MB and more before collecting it. A page too big for these limits costs its worker (V8
 * stops it, out of memory), not the page: it is read on the main thread, whose heap is not bounded so.
 */
const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 64 };

/** A thread that has had no page for this long stops: a fleet's steady state (one page a run) holds none. */
const IDLE_MS = 30_000;

/**
 * The page worker threads of a process: at most `size`, shared by every listing that runs at once.
 *
 * Why shared: in fleet mode one process runs many tenants at once (host.json: a queue batch of 16, and 8
 * more fetched when half are done). Threads per listing would be two per tenant catching up at once, some
 * 50 MB each: 16 first runs made 32 threads and 1.7 GB of RSS. The pool keeps the process at `size`
 * threads, however many runs share them; a run whose page waits for a busy thread still gets it in its
 * turn, and threads are started only when a page finds none free, and stopped after IDLE_MS without one.
 */
export class PageWorkerPool {
  private readonly workers: PageWorker[] = [];
  private script: WorkerScript | undefined | null = null;
  /** Enough for every thread's page and the pages read ahead of the ones being copied (see pageSlots). */
  private readonly slots: PageSlots;

  constructor(
    readonly size: number,
    private readonly limits: ResourceLimits = WORKER_LIMITS,
    private readonly idleMs = IDLE_MS,
  ) {
    this.slots = new PageSlots(2 * size + 2);
  }

  /** Threads running now. */
  get threads(): number {
    return this.workers.length;
  }

  /** Free page slots kept for reuse now. */
  get freeSlots(): number {
    return this.slots.held;
  }

  /** Reads a page on a thread, started if none is free and there is room for one. */
  parse(body: Uint8Array, at: string, context: ProvisioningPageContext): Promise<PooledRead> {
    const worker = this.pick();
    if (typeof worker === 'string') return Promise.resolve({ unread: worker, body });
    return worker.parse(this.slots.take(body), at, context);
  }

  /** The slot's page was answered by its worker and has been copied: it may carry another page. */
  giveBack(slot: PageSlot): void {
    this.slots.giveBack(slot);
  }

  /** Stops every thread (tests, and a host shutting down); the pages they held come back unread. */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.stop()));
  }

  /** A free thread, a new one if there is room, else the least busy; or why none can read pages. */
  private pick(): PageWorker | string {
    const free = this.workers.find((w) => w.load === 0);
    if (free) return free;
    if (this.workers.length < this.size) {
      this.script ??= workerScript();
      if (this.script === undefined) return 'the page worker script is not part of this build';
      try {
        const worker = new PageWorker(this.script, this.limits, this.idleMs, () => this.remove(worker));
        this.workers.push(worker);
        return worker;
      } catch (error) {
        // Thrown at once (resource limits refused, say), not reported as an 'error' event.
        return `a page worker could not start: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return this.workers.reduce((a, b) => (b.load < a.load ? b : a));
  }

  private remove(worker: PageWorker): void {
    const at = this.workers.indexOf(worker);
    if (at >= 0) this.workers.splice(at, 1);
    // No thread, no page in flight to reuse them for: an idle process holds no page memory.
    if (this.workers.length === 0) this.slots.clear();
  }
}

/** One pool per process and size (one size in production: PROVISIONING_PARSE_WORKERS). */
const pools = new Map<number, PageWorkerPool>();

function processPool(size: number): PageWorkerPool {
  let pool = pools.get(size);
  if (!pool) pools.set(size, (pool = new PageWorkerPool(size)));
  return pool;
}

interface Job {
  readonly resolve: (read: PooledRead) => void;
  readonly page: SlotPage;
}

type Reply = { id: number; page: ProvisioningPage } | { id: number; failed: string };

/** One worker thread and the pages it holds. */
class PageWorker {
  private readonly jobs = new Map<number, Job>();
  private ids = 0;
  private readonly worker: Worker;
  private alive = true;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    script: WorkerScript,
    limits: ResourceLimits,
    private readonly idleMs: number,
    private readonly onGone: () => void,
  ) {
    // Not the parent's node options either (the host's, or a test's --input-type): the worker needs none.
    this.worker = new Worker(script.url, { resourceLimits: limits, execArgv: [] });
    // Held only while it has a page (see parse): an idle worker must not keep the process alive, and
    // one with a page must, or a CLI run could end while waiting for its last page.
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const job = this.jobs.get(reply.id);
      if (!job) return;
      this.jobs.delete(reply.id);
      if (this.jobs.size === 0) this.rest();
      job.resolve(
        'page' in reply
          ? { page: reply.page, slot: job.page.slot }
          : { unreadable: reply.failed, body: job.page.body },
      );
    });
    this.worker.on('error', (error) => this.end(`a page worker failed: ${error.message}`));
    this.worker.on('exit', (code) => this.end(`a page worker stopped (exit code ${code})`));
  }

  /** Pages it holds. */
  get load(): number {
    return this.jobs.size;
  }

  parse(page: SlotPage, at: string, context: ProvisioningPageContext): Promise<PooledRead> {
    return new Promise((resolve) => {
      const id = this.ids++;
      if (this.jobs.size === 0) {
        clearTimeout(this.idle);
        this.worker.ref();
      }
      this.jobs.set(id, { resolve, page });
      // The run's context goes with each page: a thread serves whichever tenant's listing has a page.
      // The slot's memory is shared with the worker, not copied.
      this.worker.postMessage({ id, body: page.body, rows: page.slot.rows, path: at, context });
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.idle);
    this.end('the page workers were stopped');
    await this.worker.terminate();
  }

  /** No page to read: not a reason to keep the process alive, and stopped if none comes for a while. */
  private rest(): void {
    this.worker.unref();
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(), this.idleMs);
    this.idle.unref();
  }

  /** It takes no more pages; the ones it held come back unread, to be read on the main thread. */
  private end(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.onGone();
    for (const job of this.jobs.values()) job.resolve({ unread: reason, body: job.page.body });
    this.jobs.clear();
  }
}

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
