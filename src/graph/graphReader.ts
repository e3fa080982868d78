import type { TokenCredential } from '@azure/identity';
import { defaultAzureCredential } from '../azure/defaultCredential.js';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { credentialProvider, graphScope, staticTokenProvider } from './auth.js';
import { GraphRequestError, toGraphRequestError } from './errors.js';
import { ClockRetryHandler, PacingHandler, TimeoutHandler } from './middleware.js';
import { NetworkErrorHandler } from './networkFailure.js';
import { SlidingWindowPacer } from './pacer.js';
import { PagingGuard } from './pagingGuard.js';
import type { GraphSettings } from './settings.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphPage {
  readonly value: readonly unknown[];
  readonly nextLink: string | undefined;
}

const collectionEnvelope = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
});

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
      const request = this.client.api(path).version(version);
      if (this.signal) {
        this.signal.throwIfAborted();
        request.options({ signal: this.signal });
      }
      return (await request.get()) as unknown;
    } catch (error) {
      throw toGraphRequestError(error, path);
    }
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
    let pending: Promise<GraphPage> | undefined = this.page(path, version);
    try {
      while (pending !== undefined) {
        const page: GraphPage = await pending;
        pending = undefined;
        // The page itself is good data; only following its link is refused, after it was handed out.
        const refusal =
          page.nextLink === undefined ? undefined : guard.refusal(page.nextLink, page.value, path);
        const next = refusal ? undefined : page.nextLink;
        if (next !== undefined && options.prefetch) {
          pending = this.page(next, version);
          // It may fail while the caller is still busy with this page; it is awaited (and thrown) later.
          pending.catch(() => undefined);
        }
        yield page;
        if (refusal) throw refusal;
        if (next !== undefined && pending === undefined) pending = this.page(next, version);
      }
    } finally {
      // The caller stopped early: nobody will await the prefetched page, so its failure must not go unhandled.
      pending?.catch(() => undefined);
    }
  }

  private async page(path: string, version: GraphVersion): Promise<GraphPage> {
    const envelope = collectionEnvelope.safeParse(await this.get(path, version));
    if (!envelope.success) {
      throw new GraphRequestError(
        `Graph answered ${path.split('?')[0]} without a collection: ${envelope.error.issues[0]?.message ?? ''}`,
        'invalidResponse',
        undefined,
        'NotACollection',
      );
    }
    return { value: envelope.data.value, nextLink: envelope.data['@odata.nextLink'] };
  }
}

export interface GraphReaderOptions {
  readonly clock: Clock;
  /** Used when no GRAPH_ACCESS_TOKEN is set; defaults to DefaultAzureCredential. */
  readonly credential?: TokenCredential;
}

export function createGraphReader(graph: GraphSettings, options: GraphReaderOptions): GraphReader {
  const auth = graph.accessToken
    ? staticTokenProvider(graph.accessToken)
    : credentialProvider(
        options.credential ??
          defaultAzureCredential({ managedIdentityClientId: graph.managedIdentityClientId }),
        graphScope(graph.baseUrl),
      );
  const pacer = new SlidingWindowPacer(options.clock, graph.reportsRequestsPerWindow, graph.reportsWindowMs);
  const chain = [
    new AuthenticationHandler(auth),
    new ClockRetryHandler(options.clock, graph.maxRetries),
    new PacingHandler(pacer),
    new TimeoutHandler(graph.requestTimeoutMs),
    new RedirectHandler(new RedirectHandlerOptions()),
    new TelemetryHandler(),
    new NetworkErrorHandler(),
    new HTTPMessageHandler(),
  ];
  const client = Client.initWithMiddleware({
    baseUrl: graph.baseUrl,
    middleware: chain,
    // The bearer token goes only to Graph hosts and these: a sovereign cloud or a stand-in host.
    customHosts: new Set([new URL(graph.baseUrl).hostname]),
  });
  return new GraphReader(client, graph.baseUrl);
}
