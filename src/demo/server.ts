import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock.js';
import {
  organization,
  provisioningAgents,
  servicePrincipals,
  synchronizationJobs,
  type EndpointContext,
} from './directoryEndpoints.js';
import { FaultQueue, type Fault, type Route } from './faults.js';
import { errorCodeForStatus, sendGraphError, sendJson, type ResponseContext } from './graphResponse.js';
import type { JsonObject } from './graphTypes.js';
import { QueryError } from './odataQuery.js';
import { PageReadAhead } from './pageReadAhead.js';
import { provisioningPage } from './provisioningEndpoint.js';
import { retryAfterSeconds, SlidingWindowLimiter } from './rateLimiter.js';
import { ALL_ROUTES, matchRoute, type MatchedRoute } from './routes.js';
import { demoDayScenario, startOfYesterdayUtc } from './demoDayScenario.js';
import type { Scenario } from './scenario.js';
import { DemoDirectory, withOrganizationSync } from './directoryDelta.js';
import { DemoOnDemand, ON_DEMAND_PATH } from './provisionOnDemand.js';
import { DemoRestarts, RESTART_PATH } from './restartJob.js';

export type { Fault, Route } from './faults.js';

/**
 * The demo tenant: a Microsoft Graph stand-in over HTTPS on 127.0.0.1 that the real
 * `@microsoft/microsoft-graph-client` talks to. What it serves comes from a scenario evaluated at the
 * clock's "now" on every request; throttling, outages and injected faults behave like Graph's.
 */
export interface DemoTenantOptions {
  /** Scenario time: what the tenant looks like "now". */
  clock: Clock;
  tls: { cert: string; key: string };
  /** Default: demoDayScenario({ dayStart: startOfYesterdayUtc(clock.now()) }). */
  scenario?: Scenario;
  /** Reporting API limit, measured on `clock`. Default 5 requests per 10,000 ms; false = off. */
  reportsRateLimit?: { requests: number; windowMs: number } | false;
  /** Cap for $top on provisioning (default 1000); the page size without $top is 100. */
  maxPageSize?: number;
  /** 'forbidden' answers 403 like app-only tokens get (default 'allowed'). */
  agentsApi?: 'allowed' | 'forbidden';
  /** Default 0 (ephemeral). */
  port?: number;
  /** Users, groups and contacts behind the delta queries (coverage check). Default: none. */
  directory?: DemoDirectory;
  /** provisionOnDemand (the canary). Default: every object provisions. */
  onDemand?: DemoOnDemand;
  /** synchronization job restart (remediation). Default: every restart is answered 204. */
  restarts?: DemoRestarts;
}

export interface DemoTenantStats {
  /** Every request received, including rejected ones. */
  requests: number;
  /** 429 responses sent (rate limit and injected). */
  throttled: number;
  /** Requests per matched route; `unmatched` counts 404s for unknown paths. */
  byRoute: Record<Route | 'unmatched', number>;
  /** Provisioning events in successful pages (malformed records not included). */
  provisioningEventsServed: number;
  /** Injected faults that fired. */
  faultsApplied: number;
}

export interface DemoTenant {
  /** https://127.0.0.1:<port> */
  readonly baseUrl: string;
  readonly tenantId: string;
  /** Live counters. */
  readonly stats: DemoTenantStats;
  /** Faults are consumed in order as matching requests arrive. */
  injectFault(fault: Fault): void;
  /** Drops the faults that have not fired yet. */
  clearFaults(): void;
  close(): Promise<void>;
}

const DEFAULT_RATE_LIMIT = { requests: 5, windowMs: 10_000 };
const DEFAULT_MAX_PAGE_SIZE = 1_000;
/** A request hit by the timeout fault is dropped after this long (or when the tenant closes). */
const HANG_MS = 120_000;

/**
 * The demo tenant's request handling without a server of its own, so that one HTTPS server can serve
 * many tenants (src/demo/fleetServer.ts); `baseUrlOf` is the origin its links point at.
 */
export interface DemoTenantHandler {
  readonly tenantId: string;
  readonly stats: DemoTenantStats;
  handle(request: IncomingMessage, response: ServerResponse): void;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  /** Stops the read-ahead and drops hanging requests. */
  close(): void;
}

export function demoTenantHandler(
  options: Omit<DemoTenantOptions, 'tls' | 'port'>,
  baseUrlOf: () => string,
): DemoTenantHandler {
  const { clock } = options;
  const scenario = options.scenario ?? demoDayScenario({ dayStart: startOfYesterdayUtc(clock.now()) });
  const limiter =
    options.reportsRateLimit === false
      ? undefined
      : new SlidingWindowLimiter(options.reportsRateLimit ?? DEFAULT_RATE_LIMIT);
  const maxPageSize = options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
  if (!Number.isInteger(maxPageSize) || maxPageSize < 1)
    throw new RangeError('maxPageSize must be a positive integer');
  const directory = options.directory ?? new DemoDirectory();
  const organizationScenario = withOrganizationSync(scenario, directory);
  const onDemand = options.onDemand ?? new DemoOnDemand();
  const restarts = options.restarts ?? new DemoRestarts();
  const faults = new FaultQueue();
  const byRoute = { unmatched: 0 } as Record<Route | 'unmatched', number>;
  for (const route of ALL_ROUTES) byRoute[route] = 0;
  const stats: DemoTenantStats = {
    requests: 0,
    throttled: 0,
    byRoute,
    provisioningEventsServed: 0,
    faultsApplied: 0,
  };
  const hanging = new Map<IncomingMessage, NodeJS.Timeout>();
  const readAhead = new PageReadAhead(
    (context) => provisioningPage(context, maxPageSize, () => false),
    () => clock.now(),
  );
  function hang(request: IncomingMessage): void {
    const drop = (): void => {
      hanging.delete(request);
      request.socket.destroy();
    };
    const timer = setTimeout(drop, HANG_MS);
    timer.unref();
    hanging.set(request, timer);
    request.socket.once('close', () => {
      clearTimeout(timer);
      hanging.delete(request);
    });
  }

  /** The nextLink fault's version of a page (see Fault). */
  function misbehavingLink(
    body: JsonObject,
    fault: Extract<Fault, { kind: 'nextLink' }>,
    context: { baseUrl: string; version: string; search: URLSearchParams },
  ): JsonObject {
    const self = `${context.baseUrl}/${context.version}/auditLogs/provisioning?${context.search.toString()}`;
    if (fault.mode === 'self') return { ...body, value: [], '@odata.nextLink': self };
    if (fault.mode === 'repeat') return { ...body, '@odata.nextLink': self };
    const next = body['@odata.nextLink'];
    if (typeof next !== 'string' || !fault.origin) return body;
    const url = new URL(next);
    return { ...body, '@odata.nextLink': `${fault.origin}${url.pathname}${url.search}` };
  }

  function respond(
    route: MatchedRoute,
    context: EndpointContext,
    response: ServerResponse,
    meta: ResponseContext,
    truncate: boolean,
    linkFault: Extract<Fault, { kind: 'nextLink' }> | undefined,
  ): void {
    let body: JsonObject;
    switch (route.route) {
      case 'organization':
        body = organization({ ...context, scenario: organizationScenario });
        break;
      case 'directoryDelta':
        body = directory.deltaPage(route.type, context.search, context.baseUrl, route.version);
        break;
      case 'servicePrincipals':
        body = servicePrincipals(context);
        break;
      case 'jobs':
        body = synchronizationJobs(context, route.servicePrincipalId, route.jobId);
        break;
      case 'agents':
        if (options.agentsApi === 'forbidden') {
          sendGraphError(
            response,
            403,
            'Authorization_RequestDenied',
            'Insufficient privileges to complete the operation.',
            meta,
            { truncate },
          );
          return;
        }
        body = provisioningAgents(context);
        break;
      case 'provisioning': {
        const malformed = faults.takeMalformedRecord();
        if (malformed) stats.faultsApplied++;
        const ready =
          malformed || linkFault
            ? undefined
            : readAhead.take(context.search.toString(), context.now.getTime());
        const page = ready ?? provisioningPage(context, maxPageSize, () => malformed);
        stats.provisioningEventsServed += page.served;
        body = linkFault ? misbehavingLink(page.body, linkFault, context) : page.body;
        const next = body['@odata.nextLink'];
        if (typeof next === 'string') readAhead.prepare(next, context);
        break;
      }
    }
    sendJson(response, 200, body, meta, { truncate });
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    stats.requests++;
    const now = clock.now();
    const header = request.headers['client-request-id'];
    const meta: ResponseContext = {
      requestId: randomUUID(),
      clientRequestId: typeof header === 'string' && header.length <= 200 ? header : randomUUID(),
      date: now,
    };
    try {
      const baseUrl = baseUrlOf();
      const url = new URL(request.url ?? '/', baseUrl);
      const authorization = request.headers.authorization;
      if (!authorization || !/^Bearer\s+\S+/i.test(authorization)) {
        sendGraphError(response, 401, 'InvalidAuthenticationToken', 'Access token is empty.', meta, {
          headers: {
            'www-authenticate':
              'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
          },
        });
        return;
      }
      const onDemandMatch = request.method === 'POST' ? url.pathname.match(ON_DEMAND_PATH) : null;
      if (onDemandMatch) {
        onDemand.handle(request, response, onDemandMatch, meta, clock);
        return;
      }
      const restartMatch = request.method === 'POST' ? url.pathname.match(RESTART_PATH) : null;
      if (restartMatch) {
        restarts.handle(request, response, restartMatch, meta, clock);
        return;
      }
      const route = request.method === 'GET' ? matchRoute(url.pathname) : undefined;
      if (!route) {
        stats.byRoute.unmatched++;
        const segment = url.pathname.split('/').filter(Boolean).slice(1).join('/') || url.pathname;
        sendGraphError(
          response,
          404,
          'Request_ResourceNotFound',
          `Resource not found for the segment '${segment}'.`,
          meta,
        );
        return;
      }
      stats.byRoute[route.route]++;

      const fault = faults.takeForRequest(route.route);
      if (fault) stats.faultsApplied++;
      if (fault?.kind === 'timeout') {
        hang(request);
        return;
      }
      if (fault?.kind === 'status') {
        const { code, message } = errorCodeForStatus(fault.status);
        if (fault.status === 429) stats.throttled++;
        const headers =
          fault.retryAfterSeconds === undefined
            ? undefined
            : { 'retry-after': String(fault.retryAfterSeconds) };
        sendGraphError(response, fault.status, code, message, meta, headers ? { headers } : {});
        return;
      }
      const truncate = fault?.kind === 'truncatedPage';

      if (route.route === 'provisioning') {
        const admission = limiter?.tryAdmit(now.getTime());
        if (admission && !admission.admitted) {
          stats.throttled++;
          sendGraphError(response, 429, 'TooManyRequests', 'Too many requests.', meta, {
            headers: { 'retry-after': String(retryAfterSeconds(admission.retryAfterMs)) },
          });
          return;
        }
        if (!scenario.reportingAvailable(now)) {
          sendGraphError(
            response,
            503,
            'ServiceUnavailable',
            'The service is temporarily unavailable. Please retry later.',
            meta,
          );
          return;
        }
      }
      respond(
        route,
        { scenario, baseUrl, version: route.version, now, search: url.searchParams },
        response,
        meta,
        truncate,
        fault?.kind === 'nextLink' ? fault : undefined,
      );
    } catch (error) {
      if (error instanceof QueryError) {
        sendGraphError(response, error.status, error.code, error.message, meta);
      } else {
        sendGraphError(
          response,
          500,
          'InternalServerError',
          'The demo tenant failed to answer this request.',
          meta,
        );
      }
    }
  }

  return {
    tenantId: scenario.tenantId,
    stats,
    handle,
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    close() {
      readAhead.close();
      for (const [request, timer] of hanging) {
        clearTimeout(timer);
        request.socket.destroy();
      }
      hanging.clear();
    },
  };
}

export async function startDemoTenant(options: DemoTenantOptions): Promise<DemoTenant> {
  let baseUrl = '';
  const tenant = demoTenantHandler(options, () => baseUrl);
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (request, response) =>
    tenant.handle(request, response),
  );
  baseUrl = await listenLocal(server, options.port ?? 0);

  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    tenantId: tenant.tenantId,
    stats: tenant.stats,
    injectFault: (fault) => tenant.injectFault(fault),
    clearFaults: () => tenant.clearFaults(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        tenant.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Listens on 127.0.0.1 (`port` 0: any free port); resolves with the https origin. */
export async function listenLocal(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
