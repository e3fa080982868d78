import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import selfsigned from 'selfsigned';

/**
 * A self-signed certificate for local HTTPS stand-ins (the demo tenant, test endpoints).
 * The Graph client only follows `@odata.nextLink` over https and the Azure SDKs refuse bearer tokens
 * over http, so local stand-ins speak TLS; processes trust this certificate through
 * NODE_EXTRA_CA_CERTS, exactly as they would trust any other Graph stand-in.
 */
export interface LocalCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: string;
  readonly key: string;
}

const CERT_FILE = 'localhost-cert.pem';
const KEY_FILE = 'localhost-key.pem';

/** Reuses a certificate in `dir` while it is valid for at least another day; otherwise makes a new one. */
export async function ensureLocalCertificate(dir: string): Promise<LocalCertificate> {
  const certPath = path.resolve(dir, CERT_FILE);
  const keyPath = path.resolve(dir, KEY_FILE);
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const validTo = new Date(new X509Certificate(cert).validTo).getTime();
    if (validTo - Date.now() > 24 * 3600_000) return { certPath, keyPath, cert, key };
  } catch {
    // missing or unreadable: make a new one below
  }
  const now = Date.now();
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    notBeforeDate: new Date(now - 3600_000),
    notAfterDate: new Date(now + 90 * 24 * 3600_000),
    extensions: [
      // CA:TRUE lets the certificate be its own trust anchor in NODE_EXTRA_CA_CERTS.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  await mkdir(path.dirname(certPath), { recursive: true });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await writeFile(certPath, pems.cert);
  return { certPath, keyPath, cert: pems.cert, key: pems.private };
}
