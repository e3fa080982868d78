import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/**
 * Network failures in words. fetch reports every one of them as "fetch failed" and keeps what happened
 * in `error.cause` (ECONNREFUSED, ENOTFOUND, an untrusted certificate); the Graph client then copies
 * only the message, so without this a run record says "fetch failed" and nobody knows what to fix.
 */

const CERTIFICATE_UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

const PLAIN: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing is listening there)',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  ECONNRESET: 'connection reset by the other side',
  EPIPE: 'connection closed by the other side',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the other side',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

interface Cause {
  readonly code: string | undefined;
  readonly message: string;
  readonly address: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Codes of the socket, DNS and TLS layers (as opposed to codes an HTTP answer carries). */
const NETWORK_CODE = /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_TLS_[A-Z_]+|[A-Z_]*CERT[A-Z_]*)$/;

/**
 * The error of a chain (the error itself, then its causes) that says what happened on the wire: the
 * first with a network code. Without one, only fetch's own "fetch failed" counts, described by its
 * innermost cause ("bad port"). An HTTP answer (a status code) is never a network failure.
 */
function rootCause(error: unknown): Cause | undefined {
  let current: unknown = error;
  let innermost: Cause | undefined;
  for (let depth = 0; isRecord(current) && depth < 6; depth++) {
    if (typeof current.statusCode === 'number' && current.statusCode > 0) return undefined;
    const code =
      typeof current.code === 'string' && NETWORK_CODE.test(current.code) ? current.code : undefined;
    const address =
      typeof current.address === 'string'
        ? `${current.address}${typeof current.port === 'number' ? `:${current.port}` : ''}`
        : undefined;
    innermost = { code, message: typeof current.message === 'string' ? current.message : '', address };
    if (code) return innermost;
    // AggregateError (IPv4 and IPv6 both refused): its first error carries the code.
    const first = Array.isArray(current.errors) ? (current.errors as unknown[])[0] : undefined;
    current = current.cause ?? first;
  }
  return isRecord(error) && error.message === 'fetch failed' ? innermost : undefined;
}

/**
 * "cannot reach graph.example.com: connection refused (nothing is listening there) [ECONNREFUSED
 * 127.0.0.1:443]" for a network failure; undefined for anything else (timeouts, HTTP answers), which
 * keep their own message.
 */
export function describeNetworkFailure(error: unknown, host: string): string | undefined {
  if (!isRecord(error) || error.name === 'TimeoutError' || error.name === 'AbortError') return undefined;
  const cause = rootCause(error);
  if (!cause) return undefined;
  const code = cause.code;
  let what: string;
  let fix = '';
  if (code && CERTIFICATE_UNTRUSTED.has(code)) {
    what = 'its TLS certificate is not trusted';
    fix = '; trust its CA certificate with NODE_EXTRA_CA_CERTS=<file.pem>';
  } else if (code && PLAIN[code]) {
    what = PLAIN[code];
  } else if (/bad port/i.test(cause.message)) {
    what = 'fetch refuses to connect to that port (a blocked port: use another)';
  } else {
    what = cause.message || code || 'the connection failed';
  }
  const detail = [code, cause.address].filter(Boolean).join(' ');
  return `cannot reach ${host}: ${what}${detail ? ` [${detail}]` : ''}${fix}`;
}

export class NetworkError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

function hostOf(request: Context['request']): string {
  const url = typeof request === 'string' ? request : (request as { url: string }).url;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Sits just before the HTTP handler: turns fetch's "fetch failed" into what failed, with the host. */
export class NetworkErrorHandler implements Middleware {
  private next: Middleware | undefined;

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('NetworkErrorHandler has no next middleware');
    try {
      await this.next.execute(context);
    } catch (error) {
      const described = describeNetworkFailure(error, hostOf(context.request));
      if (described === undefined) throw error;
      throw new NetworkError(described, { cause: error });
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}
