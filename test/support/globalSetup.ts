import path from 'node:path';
import { ensureLocalCertificate } from '../../src/demo/tls.js';

/**
 * Runs once before the test workers start. Local HTTPS stand-ins (demo tenant, Logs Ingestion,
 * ACS email) use one self-signed certificate; workers are forked after this runs and inherit
 * NODE_EXTRA_CA_CERTS, so the real SDKs and global fetch trust it without any test-only switch.
 */
export default async function setup(): Promise<void> {
  const dir = path.resolve('.test-artifacts', 'tls');
  const certificate = await ensureLocalCertificate(dir);
  process.env.NODE_EXTRA_CA_CERTS = certificate.certPath;
  process.env.TEST_TLS_CERT_PATH = certificate.certPath;
  process.env.TEST_TLS_KEY_PATH = certificate.keyPath;
}
