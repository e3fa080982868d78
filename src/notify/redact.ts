import { parseAcsConnectionString } from './acsConnectionString.js';
import type { NotifySettings } from './settings.js';

/**
 * Webhook URLs carry their credential in the query string (`sig=`), ACS connection strings carry an
 * access key: none of them may reach a log line, an error, the pending queue or the outbox. Like
 * Alertmanager's RedactURL, errors are scrubbed where they leave a channel; unlike it we also cannot
 * trust SDK and fetch messages not to quote a URL, so every known secret and every URL's path and query
 * are removed from any text that crosses the boundary.
 */
const REDACTED = '[redacted]';

/** The secret strings in the settings, longest first, including URL-encoded forms. */
export function secretsOf(settings: NotifySettings): string[] {
  const secrets = new Set<string>();
  const add = (value: string | undefined) => {
    if (!value || value.length < 6) return;
    secrets.add(value);
    secrets.add(encodeURIComponent(value));
  };
  const email = settings.email.connection;
  if (email?.kind === 'connectionString') {
    add(email.connectionString);
    add(parseAcsConnectionString(email.connectionString)?.accessKey);
  }
  const webhooks = [
    ...(settings.teams ? [settings.teams.webhookUrl] : []),
    ...(settings.routing?.receivers.flatMap((r) => r.teams) ?? []),
  ];
  for (const webhook of webhooks) {
    add(webhook);
    try {
      const url = new URL(webhook);
      add(url.href);
      add(`${url.pathname}${url.search}`);
      add(url.search);
      for (const value of url.searchParams.values()) add(value);
    } catch {
      // not a URL: the raw value was added above
    }
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** Text with every known secret, URL path/query and key-like parameter replaced. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return (
    out
      // Any URL keeps only its origin: enough to tell which service failed, nothing that authenticates.
      .replace(/\b(https?:\/\/[^/\s'"<>?#]+)[^\s'"<>]*/gi, (_m, origin: string) => `${origin}/${REDACTED}`)
      // Credentials in connection strings, query strings and auth headers.
      .replace(
        /\b(accesskey|sharedaccesskey|sig|signature|code|key|token|password)=[^;&\s'"]+/gi,
        `$1=${REDACTED}`,
      )
      .replace(/\b(Bearer|HMAC-SHA256|SharedAccessSignature)\s+\S+/gi, `$1 ${REDACTED}`)
  );
}

/** A short, secret-free description of anything thrown. */
export function describeError(error: unknown, secrets: readonly string[] = []): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const text = redact(`${message}${cause}`, secrets);
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
