import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { answerAckPage, type AckPageRequest } from '../src/app/ack.js';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';
import { createRemediationGraph, createWebhookDependencies } from '../src/wiring.js';

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
  let ackRequest: AckPageRequest;
  if (request.method === 'GET') {
    const query: Record<string, string> = {};
    for (const name of ['remediate', 'object', 'dn']) {
      const value = request.query.get(name);
      if (value !== null) query[name] = value.slice(0, 500);
    }
    ackRequest = { method: 'GET', token: request.query.get('token'), query };
  } else {
    const text = await request.text();
    if (Buffer.byteLength(text) > MAX_FORM_BYTES)
      return { status: 413, body: 'form too large', headers: HTML_HEADERS };
    // The first value of each field, as URLSearchParams.get gives it.
    const form: Record<string, string> = {};
    const fields = new URLSearchParams(text);
    for (const [name, value] of fields) form[name] ??= value;
    // `match` is the one repeated field: the labels a silence from the page matches on.
    ackRequest = { method: 'POST', form, match: fields.getAll('match') };
  }
  const deps = {
    ...(await createWebhookDependencies(settings, systemClock, log)),
    settings,
    // Built only when a confirmed remediation is sent (REMEDIATION on): otherwise the page reads no Graph.
    remediationGraph: () => createRemediationGraph(settings, systemClock),
  };
  const page = await answerAckPage(deps, ackRequest);
  return { status: page.status, body: page.html, headers: HTML_HEADERS };
}

app.http('ack', { methods: ['GET', 'POST'], authLevel: 'anonymous', handler: ack });
