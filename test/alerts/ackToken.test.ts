import { describe, expect, it } from 'vitest';
import { ackLink, ackUrl, signAckToken, verifyAckToken } from '../../src/alerts/ack.js';
import { HOUR, TENANT, at } from '../rules/fixtures.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const payload = { tenantId: TENANT, alertId: '0123456789abcdef', expiresAt: at(72 * HOUR) };

function tamper(token: string, part: 0 | 1 | 2, change: (s: string) => string): string {
  const parts = token.split('.');
  parts[part] = change(parts[part] ?? '');
  return parts.join('.');
}

describe('ack tokens', () => {
  it('round-trip, URL-safe, versioned', () => {
    const token = signAckToken(payload, SECRET);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(verifyAckToken(token, SECRET, at(0))).toEqual({ ok: true, payload });
  });

  it.each([
    {
      title: 'expired at its expiry',
      token: () => signAckToken(payload, SECRET),
      now: at(72 * HOUR),
      reason: 'expired',
    },
    {
      title: 'wrong secret',
      token: () => signAckToken(payload, `${SECRET}x`),
      now: at(0),
      reason: 'bad-signature',
    },
    {
      title: 'payload changed (another alert)',
      token: () => {
        const other = signAckToken({ ...payload, alertId: 'ffffffffffffffff' }, SECRET);
        return tamper(signAckToken(payload, SECRET), 1, () => other.split('.')[1] ?? '');
      },
      now: at(0),
      reason: 'bad-signature',
    },
    {
      title: 'signature changed',
      token: () =>
        tamper(signAckToken(payload, SECRET), 2, (s) =>
          s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`,
        ),
      now: at(0),
      reason: 'bad-signature',
    },
    {
      title: 'signature truncated',
      token: () => tamper(signAckToken(payload, SECRET), 2, (s) => s.slice(0, 20)),
      now: at(0),
      reason: 'malformed',
    },
    {
      title: 'another version',
      token: () => `v2${signAckToken(payload, SECRET).slice(2)}`,
      now: at(0),
      reason: 'malformed',
    },
    { title: 'empty', token: () => '', now: at(0), reason: 'malformed' },
    { title: 'garbage', token: () => 'not a token at all', now: at(0), reason: 'malformed' },
    {
      title: 'huge',
      token: () => `v1.${'a'.repeat(5000)}.${'b'.repeat(43)}`,
      now: at(0),
      reason: 'malformed',
    },
  ])('rejects: $title', ({ token, now, reason }) => {
    const result = verifyAckToken(token(), SECRET, now);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe(reason);
      expect(result.error.name).toBe('AckTokenError');
    }
  });

  it('a well-signed token with a payload of the wrong shape is malformed', async () => {
    const { createHmac } = await import('node:crypto');
    const body = Buffer.from(JSON.stringify({ t: TENANT, a: 'x', e: 'soon' })).toString('base64url');
    const mac = createHmac('sha256', SECRET).update(`cloudsync-monitor/ack\nv1\n${body}`).digest('base64url');
    const result = verifyAckToken(`v1.${body}.${mac}`, SECRET, at(0));
    expect(result.ok || result.error.reason).toBe('malformed');
  });

  it('builds links on the ack endpoint, keeping its query', () => {
    const token = signAckToken(payload, SECRET);
    expect(ackUrl('https://func.example.net/api/ack?code=abc', token)).toBe(
      `https://func.example.net/api/ack?code=abc&token=${token}`,
    );
    const settings = { secret: SECRET, baseUrl: 'https://func.example.net/api/ack', linkTtlMs: 72 * HOUR };
    const link = ackLink(settings, { tenantId: TENANT, alertId: payload.alertId }, at(0));
    const token2 = new URL(link ?? '').searchParams.get('token') ?? '';
    expect(verifyAckToken(token2, SECRET, at(71 * HOUR))).toMatchObject({ ok: true });
    expect(verifyAckToken(token2, SECRET, at(72 * HOUR))).toMatchObject({ ok: false });
    expect(
      ackLink({ ...settings, secret: undefined }, { tenantId: TENANT, alertId: 'x' }, at(0)),
    ).toBeUndefined();
    expect(
      ackLink({ ...settings, baseUrl: undefined }, { tenantId: TENANT, alertId: 'x' }, at(0)),
    ).toBeUndefined();
  });
});
