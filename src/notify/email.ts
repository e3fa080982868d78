import { createHash } from 'node:crypto';
import type { EmailClient, EmailSendResponse } from '@azure/communication-email';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { defaultAzureCredential } from '../azure/defaultCredential.js';
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
 * about retries, waits through the injected clock and counts the quota.
 *
 * A retried send is made safe by ACS's documented repeatable requests (OASIS Repeatable Requests 1.0,
 * learn.microsoft.com/rest/api/communication/repeatable-requests): every POST /emails:send carries
 * `Repeatability-Request-ID` and `Repeatability-First-Sent`, added by a pipeline policy on the client. The
 * retries of one message (a lost answer, a timeout, a 5xx) repeat the same pair, so ACS answers a repeat with
 * the first request's result instead of sending again. ACS tracks a pair for 5 minutes: a message retried
 * later (the next run) starts a new pair, and the delivered-ids ledger plus the deterministic operation id
 * remain the protection there.
 */
export interface EmailChannelOptions {
  /** The receiver channel (default `email`). */
  readonly name?: string;
  readonly email: EmailSettings & { readonly connection: EmailConnection };
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly secrets: readonly string[];
  /** For ALERT_EMAIL_ENDPOINT; default DefaultAzureCredential with the configured managed identity. */
  readonly credential?: TokenCredential;
  /** Poll interval when ACS sends no Retry-After (SDK default 2 s). */
  readonly pollIntervalMs?: number;
}

/** ACS keeps a repeatable request for this long; older first-sent times are refused with 412. */
export const REPEATABILITY_WINDOW_MS = 5 * 60_000;
/** Start a new pair a little before ACS would refuse the old one (clock skew, a slow request). */
const REPEATABILITY_REUSE_MS = REPEATABILITY_WINDOW_MS - 60_000;

interface Repeatability {
  readonly requestId: string;
  readonly firstSent: Date;
}

export function createEmailChannel(options: EmailChannelOptions): Channel {
  // Operation id (one per message) -> the repeatability pair its attempts send.
  const pairs = new Map<string, Repeatability>();
  let client: Promise<EmailClient> | undefined;
  // The SDK is loaded with the first email, not with the app: most runs send none.
  const clientOf = () =>
    (client ??= import('@azure/communication-email').then(({ EmailClient }) =>
      createEmailClient(
        EmailClient,
        options.email.connection,
        options.credential,
        repeatabilityPolicy((operationId) => pairs.get(operationId)),
      ),
    ));
  const pairFor = (operationId: string): Repeatability => {
    const now = options.clock.now();
    const existing = pairs.get(operationId);
    if (existing && now.getTime() - existing.firstSent.getTime() < REPEATABILITY_REUSE_MS) return existing;
    const pair = { requestId: repeatabilityRequestId(operationId, now), firstSent: now };
    pairs.set(operationId, pair);
    return pair;
  };
  return {
    name: options.name ?? 'email',
    transport: 'acs',
    quota: { perMinute: options.email.maxPerMinute, perHour: options.email.maxPerHour },
    async send(message: OutboundMessage) {
      const abortSignal = AbortSignal.timeout(options.timeoutMs);
      const operationId = emailOperationId(message.id, options.name);
      pairFor(operationId);
      let result: EmailSendResponse;
      try {
        const poller = await (
          await clientOf()
        ).beginSend(acsEmailMessage(message, options.email), {
          operationId,
          abortSignal,
          ...(options.pollIntervalMs !== undefined ? { updateIntervalInMs: options.pollIntervalMs } : {}),
        });
        result = await poller.pollUntilDone({ abortSignal });
      } catch (error) {
        const failure = toDeliveryError(error, options);
        // 412: the pair is too old for ACS; the next attempt starts a new one.
        if (failure.status === 412) pairs.delete(operationId);
        else if (!failure.retryable) pairs.delete(operationId);
        throw failure;
      }
      pairs.delete(operationId);
      if (result.status !== 'Succeeded') {
        const code = result.error?.code ? ` (${result.error.code})` : '';
        throw new DeliveryError(`ACS email send ended ${result.status}${code}`, 'rejected', false);
      }
    },
  };
}

/** A UUID (name-based, RFC 9562 version 5 layout) for one message's pair: the same inputs give the same id. */
export function repeatabilityRequestId(operationId: string, firstSent: Date): string {
  const hex = createHash('sha256')
    .update(`cloudsync-monitor/repeatability/${operationId}/${firstSent.toISOString()}`)
    .digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Adds the repeatability headers to every POST /emails:send, from the pair registered for the request's
 * Operation-Id (which the SDK sets from `operationId`). Status polls (GET) carry none.
 */
export function repeatabilityPolicy(
  pairOf: (operationId: string) => Repeatability | undefined,
): PipelinePolicy {
  return {
    name: 'cloudsyncRepeatability',
    sendRequest: (request, next) => {
      const operationId = request.headers.get('operation-id');
      if (
        request.method === 'POST' &&
        new URL(request.url).pathname.endsWith('/emails:send') &&
        operationId
      ) {
        const pair = pairOf(operationId);
        if (pair) {
          request.headers.set('Repeatability-Request-ID', pair.requestId);
          // IMF-fixdate, e.g. "Mon, 23 Nov 2026 06:00:00 GMT".
          request.headers.set('Repeatability-First-Sent', pair.firstSent.toUTCString());
        }
      }
      return next(request);
    },
  };
}

function createEmailClient(
  Client: typeof EmailClient,
  connection: EmailConnection,
  credential: TokenCredential | undefined,
  repeatability: PipelinePolicy,
): EmailClient {
  // Retries are dispatch's job: an SDK retry would wait in real time and outside the quota count.
  // The repeatability policy sits per call, so the HMAC signature (per retry) covers its headers.
  const clientOptions = {
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: 'cloudsync-monitor' },
    additionalPolicies: [{ policy: repeatability, position: 'perCall' as const }],
  };
  if (connection.kind === 'connectionString') return new Client(connection.connectionString, clientOptions);
  return new Client(
    connection.endpoint,
    credential ?? defaultAzureCredential({ managedIdentityClientId: connection.managedIdentityClientId }),
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
    // Repeatable requests: 409 = the first request with this pair is still being processed; 412 = the pair
    // is older than ACS tracks. Both are worth another attempt (412 with a new pair).
    const repeat = rest.statusCode === 409 || rest.statusCode === 412;
    const { reason, retryable } = repeat
      ? { reason: 'server-error' as const, retryable: true }
      : classifyStatus(rest.statusCode);
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
