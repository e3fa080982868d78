import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { testCertificate } from '../support/tls.js';

describe('standalone demo tenant process', () => {
  it('prints one JSON line when listening, serves Graph, and exits cleanly on SIGTERM', async () => {
    const certDir = path.dirname(testCertificate().certPath);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/demo/standalone.ts',
        '--scenario',
        'synthetic',
        '--events',
        '500',
        '--cert-dir',
        certDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const announced = JSON.parse(firstLine) as { baseUrl: string; tenantId: string; certPath: string };
      expect(Object.keys(announced).sort()).toEqual(['baseUrl', 'certPath', 'tenantId']);
      expect(announced.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(announced.certPath).toBe(testCertificate().certPath);

      const response = await fetch(`${announced.baseUrl}/v1.0/auditLogs/provisioning?$top=1000`, {
        headers: { authorization: 'Bearer t' },
      });
      const body = (await response.json()) as { value: { tenantId: string }[] };
      expect(body.value).toHaveLength(500);
      expect(body.value[0]!.tenantId).toBe(announced.tenantId);

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
