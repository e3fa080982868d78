import { HttpRequest, InvocationContext } from '@azure/functions';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeMonitorStatus } from '../../src/health/monitorStatus.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';

const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';

const call = async () => {
  const { health } = await import('../../functions/health.js');
  return health(
    new HttpRequest({ method: 'GET', url: 'https://app.example/api/health' }),
    new InvocationContext({ logHandler: () => undefined }),
  );
};

describe('functions/health (GET invoked directly)', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
  let dataDir: string;
  beforeEach(() => {
    dataDir = dataDirOf();
  });

  it('answers 503 before the monitor ever ran', async () => {
    const response = await call();
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({ verdict: 'never-ran' });
  });

  it('reports the last run, last success and open alerts; 503 once no run succeeded for 20 minutes', async () => {
    const store = new FileStateStore(path.join(dataDir, 'state'));
    const recent = new Date(Date.now() - 5 * 60_000).toISOString();
    const openAlerts = [
      {
        id: 'a1',
        kind: 'job-quarantined',
        severity: 'critical',
        summary: 'contoso.com quarantined',
        since: recent,
      },
    ];
    await writeMonitorStatus(store, TENANT, {
      lastRunId: 'r1',
      lastRunAt: recent,
      lastOutcome: 'partial',
      lastSuccessAt: recent,
      openAlerts,
    });
    const ok = await call();
    expect(ok.status).toBe(200);
    expect(ok.jsonBody).toMatchObject({ verdict: 'degraded', lastOutcome: 'partial', openAlerts });

    const old = new Date(Date.now() - 3600_000).toISOString();
    await writeMonitorStatus(store, TENANT, {
      lastRunId: 'r2',
      lastRunAt: recent,
      lastOutcome: 'failed',
      lastSuccessAt: old,
      openAlerts: [],
    });
    const stale = await call();
    expect(stale.status).toBe(503);
    expect(stale.jsonBody).toMatchObject({ verdict: 'stale', lastSuccessAt: old });
  });
});

describe('functions/health on an hourly COLLECT_SCHEDULE', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT, COLLECT_SCHEDULE: '0 0 * * * *' });

  it('is stale only after four intervals of the schedule, not after a fixed 20 minutes', async () => {
    const store = new FileStateStore(path.join(dataDirOf(), 'state'));
    const write = (minutesAgo: number) =>
      writeMonitorStatus(store, TENANT, {
        lastRunId: 'r1',
        lastRunAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        lastOutcome: 'success',
        lastSuccessAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        openAlerts: [],
      });
    await write(90);
    const ok = await call();
    expect(ok.status).toBe(200);
    expect(ok.jsonBody).toMatchObject({ verdict: 'ok', staleAfterMinutes: 240, jobs: [] });
    await write(5 * 60);
    const stale = await call();
    expect(stale.status).toBe(503);
    expect(stale.jsonBody).toMatchObject({ verdict: 'stale' });
  });
});
