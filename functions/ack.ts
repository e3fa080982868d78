import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { performAck, showAck } from '../src/ack/handleAck.js';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';
import { createWebhookDependencies } from '../src/wiring.js';

const MAX_FORM_BYTES = 4 * 1024;
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * Acknowledge / silence links from notifications. Anonymous at the Functions level: the signed,
 * expiring token in the link is the credential (a function key in every email would be worse).
 * GET only shows a confirmation page, because mail scanners open every link; the POST from it acts.
 */
export async function ack(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const settings = loadSettings();
  const log = loggerFor(context, settings.logLevel);
  const deps = { ...(await createWebhookDependencies(settings, systemClock, log)), settings };
  if (request.method === 'GET') {
    const page = await showAck(deps, request.query.get('token'));
    return { status: page.status, body: page.html, headers: HTML_HEADERS };
  }
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_FORM_BYTES)
    return { status: 413, body: 'form too large', headers: HTML_HEADERS };
  const form = new URLSearchParams(text);
  const page = await performAck(deps, {
    token: form.get('token'),
    until: form.get('until'),
    by: form.get('by'),
    action: form.get('action'),
    match: form.getAll('match'),
    for: form.get('for'),
    comment: form.get('comment'),
  });
  return { status: page.status, body: page.html, headers: HTML_HEADERS };
}

app.http('ack', { methods: ['GET', 'POST'], authLevel: 'anonymous', handler: ack });
