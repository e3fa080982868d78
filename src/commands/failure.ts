import { AlertNotFoundError } from '../alerts/ack.js';
import { ConfigError } from '../config.js';
import { describeCredentialFailure } from '../graph/credentialFailure.js';
import { GraphRequestError } from '../graph/errors.js';
import { describeNetworkFailure } from '../graph/networkFailure.js';
import { LeaseHeldError } from '../state/lease.js';

/**
 * Why a command failed, in one message that names the fix: a terminal user should never see a stack
 * trace or an SDK's list of every credential it tried. `kind` picks the exit code.
 */
export type FailureKind = 'settings' | 'credentials' | 'network' | 'lease' | 'not-found' | 'other';

export interface Failure {
  readonly kind: FailureKind;
  readonly message: string;
}

const MESSAGE_MAX = 600;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX)}...` : text;
}

/** The error and its causes, outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = error; isRecord(e) && out.length < 8; e = e.cause) out.push(e);
  return out;
}

/** The URL host an SDK error names (Azure SDK RestError: request.url), if any. */
function hostOf(error: unknown): string | undefined {
  const request = isRecord(error) ? error.request : undefined;
  const url = isRecord(request) && typeof request.url === 'string' ? request.url : undefined;
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

export function explainFailure(error: unknown): Failure {
  if (error instanceof ConfigError) return { kind: 'settings', message: error.message };
  if (error instanceof LeaseHeldError)
    return { kind: 'lease', message: `another run is in progress for this tenant: ${error.message}` };
  if (error instanceof AlertNotFoundError) return { kind: 'not-found', message: error.message };
  if (error instanceof GraphRequestError) {
    // The Graph client keeps only the message of what it wraps; these were worded where they happened.
    if (error.code === 'CredentialsError') {
      return { kind: 'credentials', message: messageOf(error.cause ?? error) };
    }
    if (error.code === 'NetworkError') return { kind: 'network', message: messageOf(error) };
  }
  for (const e of chain(error)) {
    const name = isRecord(e) && typeof e.name === 'string' ? e.name : '';
    if (/^(AggregateAuthenticationError|CredentialUnavailableError|AuthenticationError)$/.test(name)) {
      return { kind: 'credentials', message: describeCredentialFailure(e, 'Azure') };
    }
    const host = hostOf(e);
    const network = host ? describeNetworkFailure(e, host) : undefined;
    if (network) return { kind: 'network', message: network };
  }
  return { kind: 'other', message: messageOf(error) };
}
