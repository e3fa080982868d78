/**
 * One error type for everything that can go wrong talking to Graph, so collectors can decide per
 * signal: permission problems, throttling, outages, timeouts and malformed responses all look alike.
 */
export type GraphFailureKind =
  'auth' | 'forbidden' | 'notFound' | 'throttled' | 'unavailable' | 'timeout' | 'invalidResponse' | 'other';

export class GraphRequestError extends Error {
  constructor(
    message: string,
    readonly kind: GraphFailureKind,
    readonly status: number | undefined,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GraphRequestError';
  }
}

function kindOf(status: number | undefined): GraphFailureKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'unavailable';
  return 'other';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Turns anything thrown by the Graph client or fetch into a GraphRequestError naming the request path. */
export function toGraphRequestError(error: unknown, path: string): GraphRequestError {
  if (error instanceof GraphRequestError) return error;
  const where = path.split('?')[0];
  if (isRecord(error)) {
    const name = typeof error.name === 'string' ? error.name : '';
    const code = typeof error.code === 'string' ? error.code : undefined;
    // The Graph client wraps fetch's own errors in a GraphError whose code is the original name.
    if ([name, code].some((n) => n === 'TimeoutError' || n === 'AbortError')) {
      return new GraphRequestError(`Graph request ${where} timed out`, 'timeout', undefined, 'Timeout', {
        cause: error,
      });
    }
    if (name === 'SyntaxError' || code === 'SyntaxError') {
      return new GraphRequestError(
        `Graph answered ${where} with malformed JSON`,
        'invalidResponse',
        undefined,
        'InvalidJson',
        {
          cause: error,
        },
      );
    }
    const status =
      typeof error.statusCode === 'number' && error.statusCode > 0 ? error.statusCode : undefined;
    const message = typeof error.message === 'string' ? error.message : JSON.stringify(error).slice(0, 300);
    if (status === undefined && name !== 'GraphError') {
      // fetch failed (connection reset, TLS, a body cut off mid-stream): the answer never arrived whole.
      return new GraphRequestError(
        `Graph request ${where} failed: ${message}`,
        'invalidResponse',
        undefined,
        code ?? name,
        {
          cause: error,
        },
      );
    }
    return new GraphRequestError(
      `Graph request ${where} failed (${status ?? 'no status'} ${code ?? ''}): ${message}`.trim(),
      kindOf(status),
      status,
      code,
      {
        cause: error,
      },
    );
  }
  return new GraphRequestError(
    `Graph request ${where} failed: ${String(error)}`,
    'other',
    undefined,
    undefined,
  );
}
