import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Signed acknowledge links. A token names one alert of one tenant and an expiry, and is signed with
 * HMAC-SHA256 under ACK_SECRET:
 *
 *   v1.<base64url(JSON {"t":tenantId,"a":alertId,"e":expiry in epoch seconds[,"v":alert version]})>.<base64url(HMAC)>
 *
 * `v` (src/remediation/alertVersion.ts) is what the alert looked like when the link was made: a
 * remediation from the link is refused once the alert has changed. Links without it still acknowledge.
 *
 * The MAC covers a domain prefix, the version and the encoded payload exactly as sent, so nothing is
 * re-serialised before checking and a token of another purpose or version can never verify. The
 * signature is checked (in constant time) before the payload is even parsed.
 */
export const ACK_TOKEN_VERSION = 1;
const DOMAIN = 'cloudsync-monitor/ack';
const MAX_TOKEN_LENGTH = 1_024;

export interface AckPayload {
  readonly tenantId: string;
  readonly alertId: string;
  readonly expiresAt: Date;
  /** The alert's version when the link was made (remediation refuses a changed alert). */
  readonly alertVersion?: string;
}

export type AckTokenProblem = 'malformed' | 'bad-signature' | 'expired';

export class AckTokenError extends Error {
  constructor(
    readonly reason: AckTokenProblem,
    message: string,
  ) {
    super(message);
    this.name = 'AckTokenError';
  }
}

export type AckVerification =
  { readonly ok: true; readonly payload: AckPayload } | { readonly ok: false; readonly error: AckTokenError };

const payloadSchema = z.strictObject({
  t: z.string().min(1).max(100),
  a: z.string().min(1).max(100),
  e: z.number().int().positive(),
  v: z.string().min(1).max(64).optional(),
});

export function signAckToken(payload: AckPayload, secret: string): string {
  requireSecret(secret);
  const expiry = Math.floor(payload.expiresAt.getTime() / 1000);
  if (!Number.isFinite(expiry)) throw new RangeError('ack token expiry is not a valid date');
  const body = Buffer.from(
    JSON.stringify({
      t: payload.tenantId,
      a: payload.alertId,
      e: expiry,
      ...(payload.alertVersion ? { v: payload.alertVersion } : {}),
    }),
    'utf8',
  ).toString('base64url');
  return `v${ACK_TOKEN_VERSION}.${body}.${mac(body, secret).toString('base64url')}`;
}

export function verifyAckToken(token: string, secret: string, now: Date): AckVerification {
  requireSecret(secret);
  const fail = (reason: AckTokenProblem, message: string): AckVerification => ({
    ok: false,
    error: new AckTokenError(reason, message),
  });
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
    return fail('malformed', 'not an ack token');
  const match = /^v(\d{1,3})\.([A-Za-z0-9_-]{1,800})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return fail('malformed', 'not an ack token');
  const [, version, body = '', signature = ''] = match;
  if (Number(version) !== ACK_TOKEN_VERSION)
    return fail('malformed', `unsupported ack token version v${version}`);

  const given = Buffer.from(signature, 'base64url');
  const expected = mac(body, secret);
  // Compare only equal-length buffers (timingSafeEqual throws otherwise); the length is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail('bad-signature', 'the ack link is not valid (signature mismatch)');
  }

  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return fail('malformed', 'the ack token payload is not JSON');
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return fail('malformed', 'the ack token payload has the wrong shape');
  const expiresAt = new Date(parsed.data.e * 1000);
  if (now.getTime() >= expiresAt.getTime()) {
    return fail('expired', `the ack link expired at ${expiresAt.toISOString()}`);
  }
  const { t: tenantId, a: alertId, v: alertVersion } = parsed.data;
  return {
    ok: true,
    payload: { tenantId, alertId, expiresAt, ...(alertVersion ? { alertVersion } : {}) },
  };
}

/** The link for a token: the ack endpoint with `token` added to its query (keeping e.g. a `code` there). */
export function ackUrl(baseUrl: string, token: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * The ack link of an alert for a notification sent `now`, or undefined when ack links are not configured
 * (ACK_SECRET and ACK_BASE_URL both needed).
 */
export function ackLink(
  settings: {
    readonly secret: string | undefined;
    readonly baseUrl: string | undefined;
    readonly linkTtlMs: number;
  },
  alert: { readonly tenantId: string; readonly alertId: string; readonly alertVersion?: string },
  now: Date,
): string | undefined {
  if (!settings.secret || !settings.baseUrl) return undefined;
  const token = signAckToken(
    { ...alert, expiresAt: new Date(now.getTime() + settings.linkTtlMs) },
    settings.secret,
  );
  return ackUrl(settings.baseUrl, token);
}

function mac(body: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${DOMAIN}\nv${ACK_TOKEN_VERSION}\n${body}`).digest();
}

function requireSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('an ack secret is required');
}
