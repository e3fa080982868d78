import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendGraphError, type ResponseContext } from './graphResponse.js';

/**
 * `POST /servicePrincipals/{id}/synchronization/jobs/{jobId}/restart` of the demo tenant, as the Graph
 * docs describe it (synchronization-synchronizationjob-restart): a JSON body
 * `{"criteria": {"resetScope": "..."}}` whose resetScope is a comma-separated combination of None,
 * ConnectorDataStore, Escrows, Watermark, QuarantineState, Full, ForceDeletes (or empty), answered
 * `204 No Content`. It records what it received (tests check the exact request); it does not change
 * the scenario's jobs.
 */
export const RESTART_PATH =
  /^\/(v1\.0|beta)\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/restart\/?$/i;

const SCOPES = new Set([
  'none',
  'connectordatastore',
  'escrows',
  'watermark',
  'quarantinestate',
  'full',
  'forcedeletes',
]);

function resetScopeOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  const criteria = (body as { criteria?: unknown }).criteria;
  if (typeof criteria !== 'object' || criteria === null) return undefined;
  return (criteria as { resetScope?: unknown }).resetScope;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface RestartRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** An answer the next restart requests get instead of 204, after they are recorded (they reached Graph). */
export interface RestartFailure {
  readonly status: number;
  readonly retryAfterSeconds?: number;
}

export class DemoRestarts {
  readonly requests: RestartRequest[] = [];
  private readonly failures: RestartFailure[] = [];

  /** Answer the next `times` restart requests with `failure` (e.g. a 504 after the restart went through). */
  failNext(failure: RestartFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  handle(
    request: IncomingMessage,
    response: ServerResponse,
    match: RegExpMatchArray,
    meta: ResponseContext,
    clock: { now(): Date },
  ): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // The body is optional (no criteria: the admin center's "Restart provisioning").
      const text = Buffer.concat(chunks).toString('utf8').trim();
      const body = text ? parseJson(text) : null;
      if (body === undefined) {
        sendGraphError(response, 400, 'BadRequest', 'The request body is not valid JSON.', meta);
        return;
      }
      this.requests.push({
        at: clock.now().getTime(),
        method: request.method ?? '',
        path: new URL(request.url ?? '/', 'https://graph.invalid').pathname,
        servicePrincipalId: decodeURIComponent(match[2] ?? ''),
        jobId: decodeURIComponent(match[3] ?? ''),
        contentType: request.headers['content-type'],
        body,
      });
      const scope = resetScopeOf(body);
      const parts =
        typeof scope === 'string'
          ? scope
              .split(',')
              .map((p) => p.trim().toLowerCase())
              .filter(Boolean)
          : undefined;
      if (scope !== undefined && (parts === undefined || parts.some((p) => !SCOPES.has(p)))) {
        sendGraphError(response, 400, 'BadRequest', `Invalid resetScope ${JSON.stringify(scope)}.`, meta);
        return;
      }
      const failure = this.failures.shift();
      if (failure) {
        if (failure.retryAfterSeconds !== undefined)
          response.setHeader('Retry-After', failure.retryAfterSeconds);
        sendGraphError(response, failure.status, 'ServiceUnavailable', 'Injected failure.', meta);
        return;
      }
      response.writeHead(204, {
        'request-id': meta.requestId,
        'client-request-id': meta.clientRequestId,
      });
      response.end();
    });
  }
}
