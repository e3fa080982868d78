import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testCertificate } from './tls.js';

/**
 * A local stand-in for Azure Communication Services Email, spoken to by the real `EmailClient` of
 * `@azure/communication-email`:
 * - `POST /emails:send?api-version=...` with HMAC-SHA256 authentication from the connection string
 *   (the signature is verified, not just looked for), answered 202 with `Operation-Location` and
 *   `Retry-After`;
 * - `GET /emails/operations/{id}?api-version=...`, answered Running, then Succeeded.
 * Repeatable requests are honoured as ACS documents them (OASIS Repeatable Requests 1.0,
 * learn.microsoft.com/rest/api/communication/repeatable-requests): `Repeatability-Request-ID` (a GUID) and
 * `Repeatability-First-Sent` (IMF-fixdate); a malformed pair is 400, a first-sent time outside the 5-minute
 * tracking window 412, a repeat of a tracked pair with another first-sent time or body 400, a repeat while
 * the first is in progress 409, a repeat of a request that ended 2xx/4xx gets that same answer without a
 * new send, a repeat of a 5xx is executed again. An `Operation-Id` alone de-duplicates nothing (ACS does not
 * document that it would). Faults (429 with Retry-After, 5xx, a hanging request, a send that is accepted and
 * then never answered) can be queued for the next requests.
 */
export interface AcsFault {
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  /** Never answer (until the client gives up). */
  readonly hang?: boolean;
  /** Accept and send the email, then never answer: the client cannot know it went through. */
  readonly acceptThenHang?: boolean;
  /** Which requests the fault applies to (default: sends). */
  readonly on?: 'send' | 'poll';
}

export interface RecordedEmail {
  readonly operationId: string;
  readonly apiVersion: string | null;
  readonly message: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
}

export interface RecordedAcsRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly operationId: string | undefined;
  readonly authorization: string | undefined;
}

/** How long ACS tracks a repeatable request. */
export const REPEATABILITY_WINDOW_MS = 5 * 60_000;

interface TrackedRequest {
  readonly firstSent: string;
  readonly bodyHash: string;
  /** undefined while the first request is in progress. */
  answer:
    { readonly status: number; readonly headers: Record<string, string>; readonly body: string } | undefined;
}

interface Operation {
  polls: number;
  /** Ends Failed instead of Succeeded (ACS rejected the message after accepting the request). */
  readonly fails: boolean;
}

export class AcsEmailServer {
  /** Emails accepted for sending, once per operation id. */
  readonly sends: RecordedEmail[] = [];
  readonly requests: RecordedAcsRequest[] = [];
  readonly accessKey = randomBytes(32).toString('base64');
  private readonly operations = new Map<string, Operation>();
  private readonly repeatable = new Map<string, TrackedRequest>();
  private readonly faults: AcsFault[] = [];
  private failOperations = 0;
  private readonly hanging = new Set<ServerResponse>();
  private readonly server: Server;

  private constructor(
    /** Polls answered Running before Succeeded. */
    private readonly runningPolls: number,
    /** Retry-After (seconds) on 202 and Running answers; the SDK waits that long between polls. */
    private readonly pollRetryAfterSeconds: number,
    /** A bearer token accepted instead of HMAC (Entra ID authentication with ALERT_EMAIL_ENDPOINT). */
    private readonly bearerToken: string | undefined,
    /** The service's clock for the repeatability window (tests on a virtual clock pass theirs). */
    private readonly now: () => Date,
  ) {
    const { cert, key } = testCertificate();
    this.server = createServer({ cert, key }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  }

  static async start(
    options: {
      runningPolls?: number;
      pollRetryAfterSeconds?: number;
      bearerToken?: string;
      now?: () => Date;
    } = {},
  ): Promise<AcsEmailServer> {
    const instance = new AcsEmailServer(
      options.runningPolls ?? 1,
      options.pollRetryAfterSeconds ?? 0,
      options.bearerToken,
      options.now ?? (() => new Date()),
    );
    await new Promise<void>((resolve, reject) => {
      instance.server.once('error', reject);
      instance.server.listen(0, '127.0.0.1', () => resolve());
    });
    return instance;
  }

  get endpoint(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** ALERT_EMAIL_CONNECTION_STRING for this server. */
  get connectionString(): string {
    return `endpoint=${this.endpoint}/;accesskey=${this.accessKey}`;
  }

  /** The next `count` accepted sends end with status Failed (e.g. a suppressed recipient). */
  failNextOperations(count: number): void {
    this.failOperations += count;
  }

  failNext(count: number, fault: AcsFault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.endpoint);
    const isSend = req.method === 'POST' && url.pathname === '/emails:send';
    const poll = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
    const operationIdHeader = header(req.headers, 'operation-id');
    const record = (status: number, operationId = operationIdHeader) =>
      this.requests.push({
        method: req.method ?? '',
        path: url.pathname,
        status,
        operationId,
        authorization: header(req.headers, 'authorization'),
      });

    const faultIndex = this.faults.findIndex((f) => (f.on ?? 'send') === (isSend ? 'send' : 'poll'));
    let swallowAnswer = false;
    if (faultIndex >= 0 && (isSend || poll) && this.faults[faultIndex]?.acceptThenHang) {
      this.faults.splice(faultIndex, 1);
      swallowAnswer = true;
    } else if (faultIndex >= 0 && (isSend || poll)) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault?.hang) {
        this.hanging.add(res);
        record(0);
        return;
      }
      const status = fault?.status ?? 500;
      record(status);
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-ms-error-code': status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
        ...(fault?.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
      });
      res.end(
        JSON.stringify({
          error: {
            code: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
            message: 'injected fault',
          },
        }),
      );
      return;
    }

    const authProblem = this.checkHmac(req, url, body);
    if (authProblem) {
      record(401);
      return json(res, 401, { error: { code: 'Denied', message: authProblem } });
    }

    if (isSend) {
      const repeat = this.checkRepeatability(req, body);
      if (repeat.kind === 'answer') {
        record(repeat.status);
        res.writeHead(repeat.status, repeat.headers);
        res.end(repeat.body);
        return;
      }
      const answer = this.send(url, body, operationIdHeader, req.headers);
      if (repeat.kind === 'track') repeat.tracked.answer = answer;
      record(answer.status, answer.operationId);
      if (swallowAnswer) {
        this.hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }

    if (req.method === 'GET' && poll?.[1]) {
      const operationId = decodeURIComponent(poll[1]);
      const operation = this.operations.get(operationId);
      if (!operation) {
        record(404, operationId);
        return json(res, 404, { error: { code: 'NotFound', message: 'no such operation' } });
      }
      operation.polls++;
      const done = operation.polls > this.runningPolls;
      record(200, operationId);
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(done ? {} : { 'retry-after': String(this.pollRetryAfterSeconds) }),
      });
      const status = done ? (operation.fails ? 'Failed' : 'Succeeded') : 'Running';
      const error =
        status === 'Failed'
          ? { error: { code: 'EmailDroppedAllRecipientsSuppressed', message: 'all recipients suppressed' } }
          : {};
      res.end(JSON.stringify({ id: operationId, status, ...error }));
      return;
    }

    record(404);
    json(res, 404, { error: { code: 'NotFound', message: 'unknown path' } });
  }

  /** Executes one send request: validates, records the email, starts an operation. */
  private send(
    url: URL,
    body: Buffer,
    operationIdHeader: string | undefined,
    headers: IncomingHttpHeaders,
  ): { status: number; headers: Record<string, string>; body: string; operationId: string | undefined } {
    const fail = (status: number, message: string) => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: 'BadRequest', message } }),
      operationId: operationIdHeader,
    });
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return fail(400, 'body is not JSON');
    }
    const problem = validateMessage(message);
    if (problem) return fail(400, problem);
    const operationId = operationIdHeader ?? randomUUID();
    this.operations.set(operationId, { polls: 0, fails: this.failOperations > 0 });
    if (this.failOperations > 0) this.failOperations--;
    this.sends.push({ operationId, apiVersion: url.searchParams.get('api-version'), message, headers });
    return {
      status: 202,
      headers: {
        'content-type': 'application/json',
        'operation-location': `${this.endpoint}/emails/operations/${operationId}?api-version=${url.searchParams.get('api-version') ?? ''}`,
        'retry-after': String(this.pollRetryAfterSeconds),
      },
      body: JSON.stringify({ id: operationId, status: 'Running' }),
      operationId,
    };
  }

  /**
   * The repeatable-requests table of the ACS docs. `execute`: no pair, run it; `track`: a new (or 5xx-ended)
   * pair, run it and remember the answer; `answer`: reply this without executing.
   */
  private checkRepeatability(
    req: IncomingMessage,
    body: Buffer,
  ):
    | { kind: 'execute' }
    | { kind: 'track'; tracked: TrackedRequest }
    | { kind: 'answer'; status: number; headers: Record<string, string>; body: string } {
    const requestId = header(req.headers, 'repeatability-request-id');
    const firstSent = header(req.headers, 'repeatability-first-sent');
    if (requestId === undefined && firstSent === undefined) return { kind: 'execute' };
    const refuse = (status: number, code: string, message: string) => ({
      kind: 'answer' as const,
      status,
      headers: { 'content-type': 'application/json', 'x-ms-error-code': code },
      body: JSON.stringify({ error: { code, message } }),
    });
    const sentAt = firstSent !== undefined && IMF_FIXDATE.test(firstSent) ? Date.parse(firstSent) : NaN;
    if (!requestId || !GUID.test(requestId) || Number.isNaN(sentAt)) {
      return refuse(
        400,
        'InvalidRepeatabilityHeaders',
        'Repeatability-Request-ID must be a GUID and Repeatability-First-Sent an IMF-fixdate',
      );
    }
    if (Math.abs(this.now().getTime() - sentAt) > REPEATABILITY_WINDOW_MS) {
      return refuse(
        412,
        'PreconditionFailed',
        'Repeatability-First-Sent header is not within the 5 minute window',
      );
    }
    const bodyHash = createHash('sha256').update(body).digest('base64');
    const tracked = this.repeatable.get(requestId);
    if (!tracked) {
      const fresh: TrackedRequest = { firstSent: firstSent!, bodyHash, answer: undefined };
      this.repeatable.set(requestId, fresh);
      return { kind: 'track', tracked: fresh };
    }
    if (tracked.firstSent !== firstSent || tracked.bodyHash !== bodyHash) {
      return refuse(400, 'RepeatabilityMismatch', 'the repeated request does not match the first one');
    }
    if (!tracked.answer) return refuse(409, 'RequestInProgress', 'the first request is still in progress');
    if (tracked.answer.status >= 500) return { kind: 'track', tracked };
    return { kind: 'answer', ...tracked.answer };
  }

  /** Verifies the HMAC-SHA256 scheme ACS uses with access keys. Returns a problem, or undefined. */
  private checkHmac(req: IncomingMessage, url: URL, body: Buffer): string | undefined {
    const authorization = header(req.headers, 'authorization');
    if (this.bearerToken && authorization === `Bearer ${this.bearerToken}`) return undefined;
    const date = header(req.headers, 'x-ms-date');
    const contentHash = header(req.headers, 'x-ms-content-sha256');
    const host = header(req.headers, 'host');
    if (!authorization || !date || !contentHash || !host) return 'missing HMAC authentication headers';
    const match = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(
      authorization,
    );
    if (!match?.[1]) return 'malformed Authorization header';
    const expectedHash = createHash('sha256').update(body).digest('base64');
    if (contentHash !== expectedHash) return 'x-ms-content-sha256 does not match the body';
    const pathAndQuery = `${url.pathname}${url.search}`;
    const stringToSign = `${req.method}\n${pathAndQuery}\n${date};${host};${contentHash}`;
    const expected = createHmac('sha256', Buffer.from(this.accessKey, 'base64'))
      .update(stringToSign)
      .digest();
    const given = Buffer.from(match[1], 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
    return undefined;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function validateMessage(message: Record<string, unknown>): string | undefined {
  if (typeof message.senderAddress !== 'string') return 'senderAddress is required';
  const content = message.content as Record<string, unknown> | undefined;
  if (!content || typeof content.subject !== 'string') return 'content.subject is required';
  if (typeof content.html !== 'string' && typeof content.plainText !== 'string')
    return 'html or plainText is required';
  const recipients = message.recipients as Record<string, unknown[] | undefined> | undefined;
  const count =
    (recipients?.to?.length ?? 0) + (recipients?.cc?.length ?? 0) + (recipients?.bcc?.length ?? 0);
  if (count === 0) return 'at least one recipient is required';
  if (count > 50) return 'at most 50 recipients';
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
