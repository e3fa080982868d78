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
import { GraphRequestError, toGraphRequestError } from './errors.js';
import { ClockRetryHandler, PacingHandler, TimeoutHandler } from './middleware.js';
import { NetworkErrorHandler } from './networkFailure.js';
import { NodeHttpHandler } from './nodeHttpHandler.js';
import { SlidingWindowPacer } from './pacer.js';
import { PagingGuard } from './pagingGuard.js';
import type { GraphSettings } from './settings.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphPage {
  /** The page's own array: a caller may drop items it is done with. */
  readonly value: unknown[];
  readonly nextLink: string | undefined;
}

const collectionEnvelope = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
});

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

  /**
   * The body as text, parsed by the caller when it needs it: a prefetched page waits as one string
   * (which the young-generation GC never copies) rather than as the tens of thousands of objects
   * JSON.parse makes of it, which every collection meanwhile copied and promoted.
   */
  private async text(path: string, version: GraphVersion): Promise<string> {
    try {
      const body = (await this.request(path, version).responseType(ResponseType.TEXT).get()) as unknown;
      return typeof body === 'string' ? body : '';
    } catch (error) {
      throw toGraphRequestError(withGraphErrorBody(error), path);
    }
  }

  private request(path: string, version: GraphVersion) {
    const request = this.client.api(path).version(version);
    if (this.signal) {
      this.signal.throwIfAborted();
      request.options({ signal: this.signal });
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
    const guard = new PagingGuard(this.origin);
    let pending: Promise<string> | undefined = this.text(path, version);
    let pendingPath = path;
    try {
      while (pending !== undefined) {
        const page = parsePage(await pending, pendingPath);
        pending = undefined;
        // The page itself is good data; only following its link is refused, after it was handed out.
        const refusal =
          page.nextLink === undefined ? undefined : guard.refusal(page.nextLink, page.value, path);
        const next = refusal ? undefined : page.nextLink;
        if (next !== undefined && options.prefetch) {
          pending = this.text(next, version);
          pendingPath = next;
          // It may fail while the caller is still busy with this page; it is awaited (and thrown) later.
          pending.catch(() => undefined);
        }
        yield page;
        if (refusal) throw refusal;
        if (next !== undefined && pending === undefined) {
          pending = this.text(next, version);
          pendingPath = next;
        }
      }
    } finally {
      // The caller stopped early: nobody will await the prefetched page, so its failure must not go unhandled.
      pending?.catch(() => undefined);
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
        const refusal = guard.refusal(deltaLink, [], link);
        if (refusal) throw refusal;
      }
      const refusal = nextLink === undefined ? undefined : guard.refusal(nextLink, value, link);
      yield { value, nextLink, deltaLink };
      if (refusal) throw refusal;
      link = nextLink;
    }
  }
}

/** A collection page from its body; a body that is not one is an invalid response, as from the client. */
function parsePage(body: string, path: string): GraphPage {
  let json: unknown;
  try {
    // No body (a 204) is no collection, as it was when the client parsed it.
    json = body === '' ? undefined : JSON.parse(body);
  } catch (error) {
    throw toGraphRequestError(error, path);
  }
  const envelope = collectionEnvelope.safeParse(json);
  if (!envelope.success) throw notACollection(path, envelope.error);
  return { value: envelope.data.value, nextLink: envelope.data['@odata.nextLink'] };
}

/**
 * Asked for text, the client gives a failed response's body as text: its Graph error (code, message)
 * is read back here the way the client reads a JSON body, so the run row names it as before.
 */
function withGraphErrorBody(error: unknown): unknown {
  if (!(error instanceof GraphError) || typeof error.body !== 'string' || error.code) return error;
  let parsed: unknown;
  try {
    parsed = JSON.parse(error.body);
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

function notACollection(path: string, error: z.ZodError): GraphRequestError {
  return new GraphRequestError(
    `Graph answered ${path.split('?')[0]} without a collection: ${error.issues[0]?.message ?? ''}`,
    'invalidResponse',
    undefined,
    'NotACollection',
  );
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
