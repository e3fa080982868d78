import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { explainFailure } from '../../src/commands/failure.js';
import { ConfigError, loadSettings } from '../../src/config.js';
import { ensureLocalCertificate } from '../../src/demo/tls.js';
import { describeNetworkFailure } from '../../src/graph/networkFailure.js';
import { createGraphReader } from '../../src/graph/graphReader.js';
import { tempDataDir } from '../support/collectHarness.js';

/** The messages behind "errors name the fix", in-process: the real Graph client against real sockets. */

function graphAt(baseUrl: string) {
  const settings = loadSettings(
    {},
    { GRAPH_BASE_URL: baseUrl, GRAPH_ACCESS_TOKEN: 't', GRAPH_MAX_RETRIES: '0' },
  );
  return createGraphReader(settings.graph, { clock: systemClock });
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('a failed Graph call names the host and the cause, not "fetch failed"', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  it('connection refused', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const error = await failureOf(graphAt(`https://127.0.0.1:${port}`).get('/organization'));
    const failure = explainFailure(error);
    expect(failure.kind).toBe('network');
    expect(failure.message).toContain(`cannot reach 127.0.0.1:${port}: connection refused`);
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('an untrusted certificate, with how to trust it', async () => {
    // A certificate of its own, not the one the test runner trusts through NODE_EXTRA_CA_CERTS.
    const tls = await ensureLocalCertificate(await tempDataDir());
    const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('{}'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const failure = explainFailure(
      await failureOf(graphAt(`https://127.0.0.1:${port}`).get('/organization')),
    );
    expect(failure.kind).toBe('network');
    expect(failure.message).toMatch(/TLS certificate is not trusted .*NODE_EXTRA_CA_CERTS/);
  });

  it('unknown host names the DNS failure; an HTTP answer is never called a network failure', () => {
    const dns = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND graph.contoso.invalid'), { code: 'ENOTFOUND' }),
    });
    expect(describeNetworkFailure(dns, 'graph.contoso.invalid')).toBe(
      'cannot reach graph.contoso.invalid: host name not found (DNS) [ENOTFOUND]',
    );
    const answered = Object.assign(new Error('Forbidden'), { statusCode: 403, code: 'EACCES' });
    expect(describeNetworkFailure(answered, 'x')).toBeUndefined();
    expect(
      describeNetworkFailure(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'x'),
    ).toBeUndefined();
  });
});

describe('settings problems in plain words', () => {
  it('names every problem at once, numbers with their range, never raw zod text', () => {
    const problems = problemsOf({
      RUN_LEASE_SECONDS: 'abc',
      GRAPH_REQUEST_TIMEOUT_SECONDS: '-1',
      AGENTS_API: 'maybe',
      ALERT_EMAIL_SENDER: 'nope',
      GRAPH_BASE_URL: 'http://graph.example',
      TEAMS_WEBHOOK_URL: 'ftp://x',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "RUN_LEASE_SECONDS must be a whole number between 30 and 7200, got 'abc'",
        "GRAPH_REQUEST_TIMEOUT_SECONDS must be a number greater than 0 and at most 600, got '-1'",
        "AGENTS_API must be one of auto, off, got 'maybe'",
        "ALERT_EMAIL_SENDER must be an email address, got 'nope'",
        "GRAPH_BASE_URL must be an https:// URL, got 'http://graph.example'",
        'TEAMS_WEBHOOK_URL must be an https:// URL (value not shown)',
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/expected|received|NaN|Invalid/);
  });

  it.each(['COLLECT_SCHEDULE', 'DIGEST_SCHEDULE'])('%s must be six-field NCRONTAB', (name) => {
    for (const bad of ['nonsense nonsense', '0 7 * * *', '0 0 25 * * *', '*/0 * * * * *']) {
      expect(problemsOf({ [name]: bad }).join('\n')).toMatch(
        new RegExp(`^${name} must be a 6-field NCRONTAB`),
      );
    }
    expect(problemsOf({ [name]: '0 */5 * * * *' })).toEqual([]);
    expect(problemsOf({ [name]: '0 30 6-18 * * MON-FRI' })).toEqual([]);
  });

  it('never echoes a secret', () => {
    const problems = problemsOf({ GRAPH_ACCESS_TOKEN: 'x', ACK_SECRET: 'short-secret-value' }).join('\n');
    expect(problems).toContain('ACK_SECRET must be at least 32 characters');
    expect(problems).not.toContain('short-secret-value');
  });
});
