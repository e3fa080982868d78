import { EmailClient, type EmailSendResponse } from '@azure/communication-email';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { Clock } from '../clock.js';
import { DeliveryError, classifyStatus, parseRetryAfter, type Channel } from './channel.js';
import { acsEmailMessage, emailOperationId } from './emailPayload.js';
import type { OutboundMessage } from './message.js';
import { describeError } from './redact.js';
import type { EmailConnection, EmailSettings } from './settings.js';

/**
 * Email through Azure Communication Services with the real `@azure/communication-email` client:
 * `beginSend` (POST /emails:send, 202 + Operation-Location) then `pollUntilDone` (GET
 * /emails/operations/{id}). The SDK's own retries are switched off so that one place (dispatch) decides
 * about retries, waits through the injected clock and counts the quota; the deterministic operation id
 * makes a repeated send of the same message a no-op at ACS.
 */
export interface EmailChannelOptions {
  readonly email: EmailSettings & { readonly connection: EmailConnection };
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly secrets: readonly string[];
  /** For ALERT_EMAIL_ENDPOINT; default DefaultAzureCredential with the configured managed identity. */
  readonly credential?: TokenCredential;
  /** Poll interval when ACS sends no Retry-After (SDK default 2 s). */
  readonly pollIntervalMs?: number;
}

export function createEmailChannel(options: EmailChannelOptions): Channel {
  let client: EmailClient | undefined;
  const clientOf = () => (client ??= createEmailClient(options.email.connection, options.credential));
  return {
    name: 'email',
    transport: 'acs',
    quota: { perMinute: options.email.maxPerMinute, perHour: options.email.maxPerHour },
    async send(message: OutboundMessage) {
      const abortSignal = AbortSignal.timeout(options.timeoutMs);
      let result: EmailSendResponse;
      try {
        const poller = await clientOf().beginSend(acsEmailMessage(message, options.email), {
          operationId: emailOperationId(message.id),
          abortSignal,
          ...(options.pollIntervalMs !== undefined ? { updateIntervalInMs: options.pollIntervalMs } : {}),
        });
        result = await poller.pollUntilDone({ abortSignal });
      } catch (error) {
        throw toDeliveryError(error, options);
      }
      if (result.status !== 'Succeeded') {
        const code = result.error?.code ? ` (${result.error.code})` : '';
        throw new DeliveryError(`ACS email send ended ${result.status}${code}`, 'rejected', false);
      }
    },
  };
}

function createEmailClient(
  connection: EmailConnection,
  credential: TokenCredential | undefined,
): EmailClient {
  // Retries are dispatch's job: an SDK retry would wait in real time and outside the quota count.
  const clientOptions = {
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: 'cloudsync-monitor' },
  };
  if (connection.kind === 'connectionString')
    return new EmailClient(connection.connectionString, clientOptions);
  return new EmailClient(
    connection.endpoint,
    credential ?? new DefaultAzureCredential({ managedIdentityClientId: connection.managedIdentityClientId }),
    clientOptions,
  );
}

interface RestErrorLike {
  readonly name: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly response?: { readonly headers: { get(name: string): string | undefined } };
}

function toDeliveryError(error: unknown, options: EmailChannelOptions): DeliveryError {
  const described = describeError(error, options.secrets);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new DeliveryError(`ACS email send timed out: ${described}`, 'timeout', true);
  }
  const rest = error as RestErrorLike;
  if (error instanceof Error && rest.name === 'RestError' && typeof rest.statusCode === 'number') {
    const { reason, retryable } = classifyStatus(rest.statusCode);
    const code = rest.code && /^[A-Za-z0-9_.-]{1,80}$/.test(rest.code) ? ` (${rest.code})` : '';
    return new DeliveryError(
      `ACS email answered ${rest.statusCode}${code}`,
      reason,
      retryable,
      rest.statusCode,
      parseRetryAfter(rest.response?.headers.get('retry-after'), options.clock.now()),
    );
  }
  if (error instanceof Error && /long-running operation has failed/i.test(error.message)) {
    return new DeliveryError(`ACS email send failed: ${described}`, 'rejected', false);
  }
  // Connection refused, reset, DNS, TLS: transient as far as we can tell.
  return new DeliveryError(`ACS email unreachable: ${described}`, 'network', true);
}
