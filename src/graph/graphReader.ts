import type { TokenCredential } from '@azure/identity';
import { defaultAzureCredential } from '../azure/defaultCredential.js';
import {
  AuthenticationHandler,
  Client,
  GraphError,
  type Middleware,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { credentialProvider, graphScope, staticTokenProvider } from './auth.js';
import {
  collectionEnvelope,
  decodeUtf8,
  nextLinkHint,
  notACollection,
  parsePage,
  type GraphPage,
} from './collectionPage.js';
import { toGraphRequestError } from './errors.js';
import { ClockRetryHandler, PacingHandler, TimeoutHandler } from './middleware.js';
import { NetworkErrorHandler } from './networkFailure.js';
import { NodeHttpHandler } from './nodeHttpHandler.js';
import { SlidingWindowPacer } from './pacer.js';
import { PagingGuard, shapeOf, type PageShape } from './pagingGuard.js';
import type { GraphSettings } from './settings.js';

export type GraphVersion = 'v1.0' | 'beta';
export type { GraphPage } from './collectionPage.js';

/** What a PageParser makes of a page's body: anything, with what paging needs of it. */
export interface ParsedPage {
  readonly nextLink: string | undefined;
  readonly shape: PageShape;
}

/**
 * Parses one page's body (UTF-8 bytes) read from `path`, maybe on another thread; rejects as the
 * listing's error when the body is no collection (see collectionPage.parsePage).
 */
export type PageParser<T extends ParsedPage> = (body: Buffer, path: string) => Promise<T>;

/** A page of a delta query: more pages (nextLink), or the last one, with the link for the next round. */
export interface DeltaPage extends GraphPage {
  readonly deltaLink: string | undefined;
}

const deltaEnvelope = collectionEnvelope.extend({ '@odata.deltaLink': z.string().optional() });

/**
 * Read-only access to Microsoft Graph through the real `@microsoft/microsoft-graph-client`.
 * Items of a collection are returned unvalidated so callers can validate them one by one: a single
 * malformed record must not cost the whole page.
 */
export class GraphReader {
  private readonly origin: string;

  /** `baseUrl`: the Graph root; `@odata.nextLink` is only followed within its origin. */
  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
    private readonly signal?: AbortSignal,
  ) {
    this.origin = new URL(baseUrl).origin;
  }

  /** The same reader, with every request aborted once `signal` is (a run past its hard limit). */
  withSignal(signal: AbortSignal): GraphReader {
    return new GraphReader(this.client, this.baseUrl, signal);
  }

  async get(path: string, version: GraphVersion = 'v1.0'): Promise<unknown> {
    try {
      return (await this.request(path, version).get()) as unknown;
    } catch (error) {
      throw toGraphRequestError(error, path);
    }
  }

  /**
   * A POST, for the few opt-in actions that write to the tenant (the canary's provisionOnDemand). Only
   * code behind a setting the user turned on calls it; everything else only reads.
   */
  async post(path: string, body: unknown, version: GraphVersion = 'v1.0'): Promise<unknown> {
    try {
      return (await this.request(path, version).post(body)) as unknown;
    } catch (error) {
      throw toGraphRequestError(error, path);
    }
  }

  /** The body as bytes: the pages' parsers decode and parse it themselves (see parsedPages). */
  private async bytes(path: string, version: GraphVersion, signal: AbortSignal): Promise<Buffer> {
    try {
      const body = (await this.request(path, version, signal)
        .responseType(ResponseType.ARRAYBUFFER)
        .get()) as unknown;
      return body instanceof ArrayBuffer ? Buffer.from(body) : Buffer.alloc(0);
    } catch (error) {
      throw toGraphRequestError(withGraphErrorBody(error), path);
    }
  }

  /** `signal`: one more reason to abort this request (a page read ahead that nobody wants any more). */
  private request(path: string, version: GraphVersion, signal?: AbortSignal) {
    const request = this.client.api(path).version(version);
    const signals = [this.signal, signal].filter((s) => s !== undefined);
    if (signals.length > 0) {
      const combined = signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
      combined.throwIfAborted();
      request.options({ signal: combined });
    }
    return request;
  }

  /**
   * Follows `@odata.nextLink` page by page. With `prefetch`, the next page is requested as soon as its
   * link is known, so Graph's latency overlaps with the caller's work on the current page; memory then
   * holds two pages at most. A prefetched page the caller never asks for is dropped. Links to another
   * origin and looping links end the listing with an error (see PagingGuard).
   */
  async *pages(
    path: string,
    version: GraphVersion = 'v1.0',
    options: { prefetch?: boolean } = {},
  ): AsyncGenerator<GraphPage, void, undefined> {
    const parse = (body: Buffer, at: string) => Promise.resolve(parsePage(decodeUtf8(body), at));
    for await (const page of this.parsedPages(path, version, parse, options.prefetch ? 1 : 0)) {
      yield { value: page.value, nextLink: page.nextLink };
    }
  }

  /**
   * The listing, for a caller that parses the pages itself, maybe on other threads
   * (collect/provisioningPageParsers): each body is handed to `parse` as bytes. With `ahead` 0, the
   * next page is requested once the caller is done with this one; with 1, once this one is parsed;
   * above 1, as soon as its link can be read from the bytes (nextLinkHint), before the parse, so up to
   * `ahead` pages are being received and parsed while the caller works on an earlier one; memory holds
   * that many pages and their parses. Pages are yielded in order. The parsed page's own link decides:
   * when it differs from the hint, what was read ahead is dropped and the right link is requested. The
   * hint is requested only if PagingGuard would follow it; the guard's checks run on every page as in
   * `pages`.
   */
  async *parsedPages<T extends ParsedPage>(
    path: string,
    version: GraphVersion,
    parse: PageParser<T>,
    ahead: number,
  ): AsyncGenerator<T, void, undefined> {
    const guard = new PagingGuard(this.origin);
    interface Slot {
      readonly path: string;
      /** Aborted once the page is not wanted (dropped, or the listing stopped): request and parse end. */
      readonly wanted: AbortController;
      parsed: Promise<T>;
      /** The link read from the body: null until the body arrived, undefined when none could be read. */
      hint: string | undefined | null;
      extended: boolean;
    }
    /** Pages requested and not yet handed out, in listing order. */
    const slots: Slot[] = [];
    let stopped = false;
    /** Requests the page after the last one, if its link is known and there is room. */
    const extend = (): void => {
      const last = slots.at(-1);
      if (stopped || !last || last.extended || slots.length >= ahead) return;
      if (typeof last.hint !== 'string' || !guard.wouldFollow(last.hint)) return;
      last.extended = true;
      slots.push(start(last.hint));
    };
    const start = (at: string): Slot => {
      const wanted = new AbortController();
      const slot: Slot = {
        path: at,
        wanted,
        parsed: Promise.resolve(undefined as never),
        hint: null,
        extended: false,
      };
      slot.parsed = this.bytes(at, version, wanted.signal).then((body) => {
        wanted.signal.throwIfAborted();
        slot.hint = nextLinkHint(body);
        extend();
        return parse(body, at);
      });
      // Awaited in turn (and thrown then), or dropped: a failure must not count as unhandled meanwhile.
      slot.parsed.catch(() => undefined);
      return slot;
    };
    slots.push(start(path));
    try {
      while (slots.length > 0) {
        const slot = slots.shift()!;
        const page = await slot.parsed;
        // The page itself is good data; only following its link is refused, after it was handed out.
        const refusal =
          page.nextLink === undefined ? undefined : guard.refusal(page.nextLink, page.shape, path);
        const next = refusal ? undefined : page.nextLink;
        if (slots[0]?.path !== next) {
          // Read ahead on a link the page does not have: dropped (its failure, if any, is not ours).
          for (const dropped of slots.splice(0)) dropped.wanted.abort();
          if (next !== undefined && ahead > 0) slots.push(start(next));
        } else {
          extend();
        }
        yield page;
        if (refusal) throw refusal;
        if (next !== undefined && ahead === 0) slots.push(start(next));
      }
    } finally {
      stopped = true;
      // The caller stopped (or the listing failed): what was read ahead is not wanted.
      for (const left of slots.splice(0)) left.wanted.abort();
    }
  }

  /**
   * A delta query round (https://learn.microsoft.com/graph/delta-query-overview): from `start` (the
   * first request, or the deltaLink of the previous round, or a nextLink to resume) through every
   * `@odata.nextLink` to the page carrying `@odata.deltaLink`. Links are checked like `pages` does, and
   * a deltaLink to another origin ends the round with the same error.
   */
  async *deltaPages(
    start: string,
    version: GraphVersion = 'v1.0',
  ): AsyncGenerator<DeltaPage, void, undefined> {
    const guard = new PagingGuard(this.origin);
    let link: string | undefined = start;
    while (link !== undefined) {
      const raw = await this.get(link, version);
      const envelope = deltaEnvelope.safeParse(raw);
      if (!envelope.success) throw notACollection(link, envelope.error);
      const { value } = envelope.data;
      const nextLink = envelope.data['@odata.nextLink'];
      const deltaLink = envelope.data['@odata.deltaLink'];
      if (deltaLink !== undefined) {
        // The same origin check as for nextLink: the next round's token must go to Graph only.
        const refusal = guard.refusal(deltaLink, shapeOf([]), link);
        if (refusal) throw refusal;
      }
      const refusal = nextLink === undefined ? undefined : guard.refusal(nextLink, shapeOf(value), link);
      yield { value, nextLink, deltaLink };
      if (refusal) throw refusal;
      link = nextLink;
    }
  }
}

/**
 * Asked for text or bytes, the client gives a failed response's body so: its Graph error (code, message)
 * is read back here the way the client reads a JSON body, so the run row names it as before.
 */
function withGraphErrorBody(error: unknown): unknown {
  if (!(error instanceof GraphError) || error.code) return error;
  // Asked for bytes, the client gives the body as an ArrayBuffer.
  const body: unknown =
    error.body instanceof ArrayBuffer ? decodeUtf8(new Uint8Array(error.body)) : error.body;
  if (typeof body !== 'string') return error;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return error;
  }
  const inner = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? parsed.error : undefined;
  if (typeof inner !== 'object' || inner === null) return error;
  const { code, message } = inner as { code?: unknown; message?: unknown };
  const rebuilt = new GraphError(error.statusCode, typeof message === 'string' ? message : error.message);
  rebuilt.code = typeof code === 'string' ? code : null;
  rebuilt.body = JSON.stringify(inner);
  rebuilt.headers = error.headers;
  return rebuilt;
}

export interface GraphReaderOptions {
  readonly clock: Clock;
  /** Used when no GRAPH_ACCESS_TOKEN is set; defaults to DefaultAzureCredential. */
  readonly credential?: TokenCredential;
  /** The reporting API pacer; default: a fresh one from the settings (fleet mode seeds its own). */
  readonly pacer?: SlidingWindowPacer;
  /**
   * The chain's last middleware, the one that sends the request; default NodeHttpHandler. The Graph
   * bench passes the client's own HTTPMessageHandler (fetch) to measure one against the other.
   */
  readonly transport?: Middleware;
}

export function createGraphReader(graph: GraphSettings, options: GraphReaderOptions): GraphReader {
  const auth = graph.accessToken
    ? staticTokenProvider(graph.accessToken)
    : credentialProvider(
        options.credential ??
          defaultAzureCredential({ managedIdentityClientId: graph.managedIdentityClientId }),
        graphScope(graph.baseUrl),
      );
  const pacer =
    options.pacer ??
    new SlidingWindowPacer(options.clock, graph.reportsRequestsPerWindow, graph.reportsWindowMs);
  const chain = [
    new AuthenticationHandler(auth),
    new ClockRetryHandler(options.clock, graph.maxRetries),
    new PacingHandler(pacer),
    new TimeoutHandler(graph.requestTimeoutMs),
    new RedirectHandler(new RedirectHandlerOptions()),
    new TelemetryHandler(),
    new NetworkErrorHandler(),
    options.transport ?? new NodeHttpHandler(),
  ];
  const client = Client.initWithMiddleware({
    baseUrl: graph.baseUrl,
    middleware: chain,
    // The bearer token goes only to Graph hosts and these: a sovereign cloud or a stand-in host.
    customHosts: new Set([new URL(graph.baseUrl).hostname]),
  });
  return new GraphReader(client, graph.baseUrl);
}
