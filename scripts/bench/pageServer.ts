/**
 * The bench's stand-in for Graph and Logs Ingestion, in its own process so that none of its work is on
 * the measured path (the demo tenant generates pages at about the pipeline's speed on the same 2 cores,
 * which made the old bench measure the tenant as much as the pipeline).
 *
 *   node dist/scripts/bench/pageServer.js --tenant URL --cert-dir DIR --from ISO --page-size N
 *
 * At start it reads every provisioning page from the demo tenant once and keeps the bodies in memory,
 * their nextLinks pointing here. Then it answers:
 * - GET /v1.0/auditLogs/provisioning without `$skiptoken`: the first page, whatever the filter (each
 *   round starts without a watermark, and its window only differs by the seconds between rounds);
 *   with `$skiptoken=bench-<i>`: page i, as the tenant served it but for its nextLink;
 * - POST /dataCollectionRules/<id>/streams/<stream>: 204 after reading the body (the Logs Ingestion
 *   protocol as test/support/logsIngestionServer.ts speaks it, without its checks: they cost CPU the
 *   measured process shares);
 * - anything else: passed on to the demo tenant (discovery, jobs, agents: a handful of requests).
 * Prints one JSON line {baseUrl, pages, events, bytes} once listening.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureLocalCertificate } from '../../src/demo/tls.js';

export const BENCH_TOKEN = 'bench-token';
const SKIP = 'bench-';

const pageEnvelope = z.looseObject({ value: z.array(z.unknown()), '@odata.nextLink': z.string().optional() });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      'cert-dir': { type: 'string' },
      from: { type: 'string' },
      'page-size': { type: 'string' },
    },
    strict: true,
  });
  const tenant = values.tenant;
  const certDir = values['cert-dir'];
  const from = values.from;
  const pageSize = Number(values['page-size']);
  if (!tenant || !certDir || !from || !Number.isInteger(pageSize)) {
    throw new Error('pageServer: --tenant, --cert-dir, --from and --page-size are required');
  }
  const certificate = await ensureLocalCertificate(certDir);
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pages = await readAllPages(tenant, baseUrl, from, pageSize);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    if (req.method === 'POST' && url.pathname.startsWith('/dataCollectionRules/')) {
      for await (const _ of req) {
        // drained, not decoded
      }
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/v1.0/auditLogs/provisioning') {
      const token = url.searchParams.get('$skiptoken');
      const index = token === null ? 0 : Number(token.slice(SKIP.length));
      const body = pages[index];
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
      return;
    }
    const upstream = await fetch(new URL(url.pathname + url.search, tenant), {
      headers: { authorization: req.headers.authorization ?? '' },
    });
    const text = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(text);
  }

  const events = pages.reduce(
    (sum, page) => sum + (JSON.parse(page.toString('utf8')) as { value: unknown[] }).value.length,
    0,
  );
  const bytes = pages.reduce((sum, page) => sum + page.length, 0);
  process.stdout.write(`${JSON.stringify({ baseUrl, pages: pages.length, events, bytes })}\n`);
  process.once('SIGTERM', () => process.exit(0));
}

/** Every page of the listing, as the tenant serialised it, with nextLinks rewritten to this server. */
async function readAllPages(
  tenant: string,
  baseUrl: string,
  from: string,
  pageSize: number,
): Promise<Buffer[]> {
  const pages: Buffer[] = [];
  let url: string | undefined =
    `${tenant}/v1.0/auditLogs/provisioning?$filter=activityDateTime gt ${from}` +
    ` and activityDateTime lt ${new Date().toISOString()}&$orderby=activityDateTime asc&$top=${pageSize}`;
  while (url) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
    if (!response.ok) throw new Error(`pageServer: ${response.status} from the demo tenant`);
    const page = pageEnvelope.parse(await response.json());
    url = page['@odata.nextLink'];
    const body =
      url === undefined
        ? page
        : {
            ...page,
            '@odata.nextLink': `${baseUrl}/v1.0/auditLogs/provisioning?$skiptoken=${SKIP}${pages.length + 1}`,
          };
    pages.push(Buffer.from(JSON.stringify(body)));
  }
  return pages;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
