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
  webhookUrl: string;
  timeoutMs: number;
  clock: Clock;
  secrets: readonly string[];
}): Channel {
  return {
    name: 'teams',
    transport: 'webhook',
    async send(message: OutboundMessage) {
      const body = JSON.stringify(fitWorkflowsBody(message.teams.card));
      let response: Response;
      try {
        response = await fetch(options.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        const timedOut =
          error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        throw new DeliveryError(
          `Teams webhook ${timedOut ? 'timed out' : 'unreachable'}: ${describeError(error, options.secrets)}`,
          timedOut ? 'timeout' : 'network',
          true,
        );
      }
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const code = await errorCode(response);
      const { reason, retryable } = classifyStatus(response.status);
      throw new DeliveryError(
        `Teams webhook answered ${response.status}${code ? ` (${code})` : ''}`,
        reason,
        retryable,
        response.status,
        parseRetryAfter(response.headers.get('retry-after'), options.clock.now()),
      );
    },
  };
}

/** The `error.code` of a Power Automate / Logic Apps error body, if any; never the body itself. */
async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const parsed = (await response.json()) as { error?: { code?: unknown } };
    const code = parsed.error?.code;
    return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,80}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
