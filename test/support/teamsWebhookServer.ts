import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testCertificate } from './tls.js';

/**
 * A local stand-in for a Teams Workflows "When a Teams webhook request is received" trigger: a
 * Logic-Apps-style URL whose `sig` query parameter is the credential, 202 on acceptance. It is stricter
 * than the flow about what the default "Post card" template needs: the `attachments` envelope with one
 * Adaptive Card of version 1.5 or lower, and at most 28 KB (413 above, like Teams). Faults (429 with
 * Retry-After, 5xx, hanging) can be queued for the next requests.
 */
export interface WebhookFault {
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly hang?: boolean;
  /** Takes the card (it is posted) and answers 202 only this much later: a slow flow. */
  readonly slowMs?: number;
}

export interface RecordedPost {
  readonly status: number;
  readonly bytes: number;
  readonly body: unknown;
  readonly url: string;
}

export const TEAMS_LIMIT_BYTES = 28 * 1024;

export class TeamsWebhookServer {
  /** Every request, in arrival order. */
  readonly posts: RecordedPost[] = [];
  readonly signature = randomBytes(24).toString('base64url');
  private readonly faults: WebhookFault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly server: Server;

  private constructor() {
    const { cert, key } = testCertificate();
    this.server = createServer({ cert, key }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  }

  static async start(): Promise<TeamsWebhookServer> {
    const instance = new TeamsWebhookServer();
    await new Promise<void>((resolve, reject) => {
      instance.server.once('error', reject);
      instance.server.listen(0, '127.0.0.1', () => resolve());
    });
    return instance;
  }

  /** TEAMS_WEBHOOK_URL: the signature in the query string is the secret. */
  get webhookUrl(): string {
    const port = (this.server.address() as AddressInfo).port;
    return `https://127.0.0.1:${port}/workflows/5f0c1d2e/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${this.signature}`;
  }

  /** Posts answered 2xx: what reached the channel. */
  get accepted(): RecordedPost[] {
    return this.posts.filter((p) => p.status >= 200 && p.status < 300);
  }

  failNext(count: number, fault: WebhookFault): void {
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
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const record = (status: number, body: unknown) =>
      this.posts.push({ status, bytes: raw.length, body, url: req.url ?? '' });

    if (req.method !== 'POST' || url.searchParams.get('sig') !== this.signature) {
      record(401, undefined);
      return reply(res, 401, { error: { code: 'DirectApiAuthorizationRequired', message: 'bad signature' } });
    }
    const fault = this.faults.shift();
    if (fault?.hang) {
      this.hanging.add(res);
      record(0, undefined);
      return;
    }
    if (fault && !fault.slowMs) {
      const status = fault.status ?? 500;
      record(status, undefined);
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
      });
      res.end(
        JSON.stringify({
          error: { code: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', message: 'injected' },
        }),
      );
      return;
    }
    if (raw.length > TEAMS_LIMIT_BYTES) {
      record(413, undefined);
      return reply(res, 413, { error: { code: 'RequestEntityTooLarge', message: 'message over 28 KB' } });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      record(400, undefined);
      return reply(res, 400, { error: { code: 'InvalidRequestContent', message: 'not JSON' } });
    }
    const problem = validateEnvelope(body);
    if (problem) {
      record(400, body);
      return reply(res, 400, { error: { code: 'InvalidTemplate', message: problem } });
    }
    record(202, body);
    if (fault?.slowMs) {
      this.hanging.add(res);
      setTimeout(() => {
        this.hanging.delete(res);
        if (!res.destroyed) res.writeHead(202).end();
      }, fault.slowMs);
      return;
    }
    res.writeHead(202).end();
  }
}

function validateEnvelope(body: unknown): string | undefined {
  const envelope = body as { type?: unknown; attachments?: unknown };
  if (envelope?.type !== 'message') return "type must be 'message'";
  if (!Array.isArray(envelope.attachments) || envelope.attachments.length !== 1)
    return 'one attachment expected';
  const attachment = envelope.attachments[0] as Record<string, unknown>;
  if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive') return 'not an Adaptive Card';
  const card = attachment.content as Record<string, unknown> | undefined;
  if (card?.type !== 'AdaptiveCard') return 'content is not an AdaptiveCard';
  const version = Number(card.version);
  if (!(version >= 1 && version <= 1.5)) return 'Adaptive Card version must be 1.5 or lower';
  return undefined;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
