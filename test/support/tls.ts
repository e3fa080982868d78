import { readFileSync } from 'node:fs';

/** The certificate made by globalSetup, trusted by every test worker through NODE_EXTRA_CA_CERTS. */
export function testCertificate(): { cert: string; key: string; certPath: string } {
  const certPath = process.env.TEST_TLS_CERT_PATH;
  const keyPath = process.env.TEST_TLS_KEY_PATH;
  if (!certPath || !keyPath) throw new Error('test/support/globalSetup.ts did not run');
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath };
}
