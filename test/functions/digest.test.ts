import { InvocationContext, type Timer } from '@azure/functions';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../support/collectHarness.js';

const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

describe('functions/digest (timer handler invoked directly)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('sends one digest a day even when the timer fires twice; a day without runs says so, not "healthy"', async () => {
    const dataDir = await tempDataDir();
    Object.assign(process.env, { TENANT_ID: TENANT, GRAPH_ACCESS_TOKEN: 'digest-token', DATA_DIR: dataDir });
    const { digest } = await import('../../functions/digest.js');
    const lines: string[] = [];
    const context = () =>
      new InvocationContext({ functionName: 'digest', logHandler: (_l, ...a) => lines.push(a.join(' ')) });

    await digest(timer, context());
    await digest(timer, context());

    const outbox = await readdir(path.join(dataDir, 'outbox'));
    expect(outbox.filter((f) => f.includes('-email-'))).toHaveLength(1);
    expect(outbox.filter((f) => f.includes('-teams-'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('already sent'))).toBe(true);
    const html = await readdir(path.join(dataDir, 'digest'));
    expect(html).toHaveLength(1);
    const email = JSON.parse(
      await readFile(
        path.join(
          dataDir,
          'outbox',
          outbox.find((f) => f.includes('-email-'))!,
        ),
        'utf8',
      ),
    );
    expect(email.content.subject).toContain('not fully observed');
  });
});
