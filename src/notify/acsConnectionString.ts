/**
 * An ACS connection string, `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>`,
 * checked without ever quoting it: the access key is a secret, and so is the whole string.
 */
export interface AcsConnectionString {
  readonly endpoint: string;
  readonly accessKey: string;
}

export function parseAcsConnectionString(value: string): AcsConnectionString | undefined {
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const endpoint = parts.get('endpoint');
  const accessKey = parts.get('accesskey');
  if (!endpoint || !accessKey) return undefined;
  try {
    if (new URL(endpoint).protocol !== 'https:') return undefined;
  } catch {
    return undefined;
  }
  return { endpoint, accessKey };
}
