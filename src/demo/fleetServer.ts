import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Clock } from '../clock.js';
import { sendGraphError } from './graphResponse.js';
import { hash32 } from './prng.js';
import type { Scenario } from './scenario.js';
import { demoTenantHandler, listenLocal, type DemoTenantHandler, type DemoTenantStats } from './server.js';
import { syntheticScenario } from './syntheticScenario.js';

/**
 * Many demo tenants behind one Graph origin, as Microsoft Graph is one origin for every tenant: the
 * tenant of a request is the `tid` claim of its bearer token (read, not verified: the demo checks no
 * signature), and each tenant has its own scenario, its own reporting API limit (5 requests per 10 s
 * per tenant by default, as Graph) and its own counters. A token for a tenant that is not served gets
 * the 401 Graph gives a token of another directory.
 */
export interface FleetTenantSpec {
  readonly tenantId: string;
  /** Seeds the tenant's scenario (its event volume); the same seed serves the same tenant. */
  readonly seed: number;
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number };
  /** Default: a synthetic tenant whose provisioning volume comes from the seed. */
  readonly scenario?: Scenario;
}

export interface FleetDemoOptions {
  readonly clock: Clock;
  readonly tls: { readonly cert: string; readonly key: string };
  readonly tenants: readonly FleetTenantSpec[];
  /** Events per day of a seeded synthetic tenant: [min, max). Default [100, 3000). */
  readonly eventsPerDay?: readonly [number, number];
}

export interface FleetDemo {
  readonly baseUrl: string;
  /** Counters per tenant id. */
  stats(tenantId: string): DemoTenantStats | undefined;
  /** Every tenant's counters added up. */
  totals(): { requests: number; throttled: number; provisioningEventsServed: number };
  tenant(tenantId: string): DemoTenantHandler | undefined;
  close(): Promise<void>;
}

/** A bearer token for a demo tenant: an unsigned JWT whose only claim that matters is `tid`. */
export function demoTenantToken(tenantId: string, expiresInSeconds = 3600, nowMs = 0): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ tid: tenantId, exp: Math.floor(nowMs / 1000) + expiresInSeconds })}.`;
}

function tenantOf(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\./i.exec(request.headers.authorization ?? '');
  if (!match?.[2]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(match[2], 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof claims.tid === 'string' ? claims.tid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export function seededTenantScenario(
  spec: Pick<FleetTenantSpec, 'tenantId' | 'seed'>,
  start: Date,
  eventsPerDay: readonly [number, number] = [100, 3000],
): Scenario {
  const [min, max] = eventsPerDay;
  const events = min + (hash32('fleet-events', spec.seed) % Math.max(1, max - min));
  const base = syntheticScenario({ start, events: Math.max(1, events) });
  return { ...base, tenantId: spec.tenantId };
}

export async function startFleetDemo(options: FleetDemoOptions): Promise<FleetDemo> {
  let baseUrl = '';
  const start = new Date(options.clock.now().getTime() - 24 * 3600_000);
  const handlers = new Map<string, DemoTenantHandler>();
  for (const spec of options.tenants) {
    const scenario = spec.scenario ?? seededTenantScenario(spec, start, options.eventsPerDay);
    handlers.set(
      spec.tenantId.toLowerCase(),
      demoTenantHandler(
        {
          clock: options.clock,
          scenario,
          reportsRateLimit: spec.rateLimit ?? { requests: 5, windowMs: 10_000 },
        },
        () => baseUrl,
      ),
    );
  }
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const tenantId = tenantOf(request);
    const handler = tenantId ? handlers.get(tenantId) : undefined;
    if (!handler) {
      sendGraphError(
        response,
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid audience or tenant.',
        { requestId: '00000000-0000-0000-0000-000000000000', clientRequestId: '', date: options.clock.now() },
      );
      return;
    }
    handler.handle(request, response);
  };
  const server: Server = createServer(
    { cert: options.tls.cert, key: options.tls.key, keepAlive: true },
    handle,
  );
  baseUrl = await listenLocal(server, 0);
  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    stats: (tenantId) => handlers.get(tenantId.toLowerCase())?.stats,
    tenant: (tenantId) => handlers.get(tenantId.toLowerCase()),
    totals() {
      const sum = { requests: 0, throttled: 0, provisioningEventsServed: 0 };
      for (const h of handlers.values()) {
        sum.requests += h.stats.requests;
        sum.throttled += h.stats.throttled;
        sum.provisioningEventsServed += h.stats.provisioningEventsServed;
      }
      return sum;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const h of handlers.values()) h.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
