import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock } from '../clock.js';
import { DeliveryError, classifyStatus, parseRetryAfter, type Channel } from './channel.js';
import type { OutboundMessage } from './message.js';
import { describeError } from './redact.js';
import { fitWorkflowsBody } from './teamsPayload.js';

/**
 * Teams through a Workflows webhook (the Office 365 connectors are retired). One POST of the
 * `attachments` envelope; 200/202 mean "accepted by the flow", not "posted": a flow that fails later
 * shows only in its run history, which is why the card format follows the Workflows template exactly.
 * The URL carries a signature: it appears in no error and no log.
 */
export function createTeamsChannel(options: {
  /** The receiver channel (default `teams`). */
  name?: string;
  webhookUrl: string;
  timeoutMs: number;
  clock: Clock;
  secrets: readonly string[];
}): Channel {
  return {
    name: options.name ?? 'teams',
    transport: 'webhook',
    async send(message: OutboundMessage) {
      const body = JSON.stringify(fitWorkflowsBody(message.teams.card));
      const response = await postOnce(options.webhookUrl, body, options.timeoutMs, options.secrets);
      if (response.status >= 200 && response.status < 300) return;
      const code = errorCode(response.body);
      const { reason, retryable } = classifyStatus(response.status);
      throw new DeliveryError(
        `Teams webhook answered ${response.status}${code ? ` (${code})` : ''}`,
        reason,
        retryable,
        response.status,
        parseRetryAfter(response.retryAfter, options.clock.now()),
      );
    },
  };
}

interface WebhookAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/**
 * One POST that tells apart "never reached the flow" from "reached it, no answer": a Workflows webhook
 * has no idempotency key, so a post whose body went out and whose answer never came may have been
 * posted already. Sending it again is how 18 messages became 102 posts. Only failures before the body was
 * sent (connection refused, DNS, TLS) are worth retrying; after that, the outcome is `unconfirmed`.
 */
function postOnce(
  url: string,
  body: string,
  timeoutMs: number,
  secrets: readonly string[],
): Promise<WebhookAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<WebhookAnswer>((resolve, reject) => {
    let sent = false;
    const request = send(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => request.destroy(new TimeoutError()), timeoutMs);
    request.on('finish', () => {
      sent = true;
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      const text = describeError(error, secrets);
      if (sent) {
        reject(
          new DeliveryError(
            `Teams webhook took the card but gave no answer (${text}); not sent again, since it may be posted`,
            'unconfirmed',
            false,
          ),
        );
        return;
      }
      const timedOut = error instanceof TimeoutError;
      reject(
        new DeliveryError(
          `Teams webhook ${timedOut ? 'timed out before the card was sent' : 'unreachable'}: ${text}`,
          timedOut ? 'timeout' : 'network',
          true,
        ),
      );
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        // An error body is only read for its code: a few KB are plenty.
        if (size < 16_384) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      response.on('error', (error) => request.destroy(error));
    });
    request.end(body);
  });
}

class TimeoutError extends Error {
  constructor() {
    super('no answer in time');
    this.name = 'TimeoutError';
  }
}

/** The `error.code` of a Power Automate / Logic Apps error body, if any; never the body itself. */
function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    const code = parsed.error?.code;
    return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,80}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
