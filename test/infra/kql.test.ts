import { beforeAll, describe, expect, it } from 'vitest';
import { classifyJob } from '../../src/domain/jobCondition.js';
import type { JobStatusFacts } from '../../src/domain/jobStatus.js';
import { tables } from '../../src/tables/definitions.js';
import {
  bicepFiles,
  loadedFiles,
  parameterReference,
  readRepoFile,
  substituteParameters,
  workbookQueries,
} from './infraFiles.js';
import { errorsOf, kqlAnalyzer, tableSchema, type Diagnostic } from './kusto.js';

/*
 * Every KQL query the infra deploys (the workbook's, the alert rule's) must parse and analyse without errors
 * against the custom tables as src/tables/definitions.ts defines them: a renamed column breaks this test,
 * not the dashboard in production.
 */

const WORKBOOK = 'infra/workbook/cloud-sync-monitor.workbook.json';
const workbook = JSON.parse(readRepoFile(WORKBOOK));
const queries = workbookQueries(workbook);

/** What the workbook substitutes for its parameters, in two shapes each (relative and absolute time ranges, all or some tenants). */
const parameterValues: Readonly<Record<string, string>>[] = [
  { TimeRange: '> ago(1d)', 'TimeRange:grain': '1h', Tenant: "'*'" },
  {
    TimeRange: 'between (datetime(2026-11-01T00:00:00Z) .. datetime(2026-11-08T00:00:00Z))',
    'TimeRange:grain': '5m',
    Tenant: "'11111111-1111-1111-1111-111111111111','22222222-2222-2222-2222-222222222222'",
  },
];

/** KQL files the Bicep deploys (alert rule criteria), found through its loadTextContent calls. */
const deployedKqlFiles = bicepFiles()
  .flatMap((file) => loadedFiles(file))
  .filter((loaded) => loaded.path.endsWith('.kql'))
  .map((loaded) => loaded.path);

let analyze: (query: string) => Diagnostic[];

beforeAll(() => {
  analyze = kqlAnalyzer(tables);
});

const describeErrors = (diagnostics: readonly Diagnostic[]): string =>
  diagnostics.map((d) => `${d.code} ${d.message} (at: ${JSON.stringify(d.at)})`).join('\n');

describe('the Kusto check itself', () => {
  it('declares each table with its columns in Kusto types', () => {
    const monitorRun = tables.find((t) => t.name === 'CloudSyncMonitorRun_CL')!;
    expect(tableSchema(monitorRun)).toContain('TimeGenerated:datetime');
    expect(tableSchema(monitorRun)).toContain('BacklogRemaining:bool');
    expect(tableSchema(monitorRun)).toContain('Errors:dynamic');
  });

  it('accepts a correct query', () => {
    expect(errorsOf(analyze("CloudSyncMonitorRun_CL | where Outcome == 'success' | count"))).toEqual([]);
  });

  it('reports a misspelled column', () => {
    const errors = errorsOf(analyze("CloudSyncMonitorRun_CL | where Outcom == 'success'"));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('Outcom');
  });

  it('reports an unknown table, a type error and a syntax error', () => {
    expect(errorsOf(analyze('CloudSyncMonitorRuns_CL | take 1'))).not.toEqual([]);
    expect(errorsOf(analyze('CloudSyncMonitorRun_CL | where JobsSeen > ago(1h)'))).not.toEqual([]);
    expect(errorsOf(analyze('CloudSyncMonitorRun_CL | summarize count() by'))).not.toEqual([]);
  });
});

describe(`workbook queries (${WORKBOOK})`, () => {
  it('has queries, all of them Log Analytics queries on the workspace', () => {
    expect(queries.length).toBeGreaterThanOrEqual(15);
    for (const q of queries) {
      expect(q.queryType, q.name).toBe(0);
      expect(q.resourceType, q.name).toBe('microsoft.operationalinsights/workspaces');
    }
  });

  it('queries every custom table', () => {
    const text = queries.map((q) => q.query).join('\n');
    for (const table of tables) expect(text).toContain(table.name);
  });

  it('uses only the parameters the tests know how to substitute', () => {
    const used = new Set(queries.flatMap((q) => [...q.query.matchAll(parameterReference)].map((m) => m[0])));
    expect([...used].sort()).toEqual(['{Tenant}', '{TimeRange:grain}', '{TimeRange}']);
  });

  for (const [variant, values] of parameterValues.entries()) {
    it(`analyse without errors, parameters substituted (variant ${variant + 1})`, () => {
      const failures: string[] = [];
      for (const q of queries) {
        const text = substituteParameters(q.query, values);
        const errors = errorsOf(analyze(text));
        if (errors.length > 0) failures.push(`${q.name}:\n${describeErrors(errors)}`);
      }
      expect(failures.join('\n\n')).toBe('');
    });
  }
});

describe("the workbook's job health agrees with the job classifier (src/domain/jobCondition.ts)", () => {
  const health = queries.find(
    (q) => q.query.startsWith('CloudSyncJobStatus_CL') && q.query.includes('| extend Health = case('),
  );
  // The branches of the case(), in order: KQL takes the first that holds.
  const branches = (health?.query ?? '')
    .split('| extend Health = case(')[1]!
    .split(')\n')[0]!
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes(','))
    .map((line) => ({ condition: line.slice(0, line.lastIndexOf(',', line.length - 2)), health: line }));
  const pausedJob: JobStatusFacts = {
    StatusCode: 'Paused',
    QuarantineReason: null,
    QuarantineSince: null,
    QuarantineErrorCode: null,
    ScheduleState: 'Disabled',
    ScheduleInterval: 'PT40M',
    LastExecutionState: 'Succeeded',
    LastErrorCode: null,
    LastSuccessfulExecutionEnded: null,
    SuccessiveCompleteFailures: 0,
  };

  it('a Paused job with EscrowsPruned is Critical, as the classifier says; a plain Paused job a Warning', () => {
    expect(health, 'the job health query').toBeDefined();
    expect(classifyJob({ ...pausedJob, EscrowsPruned: true }).severity).toBe('critical');
    expect(classifyJob(pausedJob).severity).toBe('warning');
    const first = branches.find((b) => /StatusCode == 'Paused'|EscrowsPruned/.test(b.condition));
    expect(first?.condition).toBe("StatusCode == 'Paused' and EscrowsPruned == true");
    expect(first?.health).toMatch(/'Critical',$/);
    const plain = branches.find((b) => b.condition === "StatusCode == 'Paused'");
    expect(plain?.health).toMatch(/'Warning',$/);
    expect(branches.indexOf(first!)).toBeLessThan(branches.indexOf(plain!));
  });
});

describe('alert rule queries (loaded by the Bicep)', () => {
  it('the watcher loads its query from a .kql file', () => {
    expect(deployedKqlFiles).toContain('infra/queries/monitor-successful-runs.kql');
  });

  it.each(deployedKqlFiles)('%s analyses without errors', (file) => {
    const query = readRepoFile(file);
    expect(query).not.toMatch(parameterReference);
    const errors = errorsOf(analyze(query));
    expect(describeErrors(errors)).toBe('');
  });

  it("the dead-man's switch counts successful and partial runs only", () => {
    const query = readRepoFile('infra/queries/monitor-successful-runs.kql');
    expect(query).toMatch(
      /^CloudSyncMonitorRun_CL\s*\n\| where Outcome in \('success', 'degraded', 'partial'\)\s*$/,
    );
  });

  it('the delivery watcher fires only when every run of its window was degraded', () => {
    expect(deployedKqlFiles).toContain('infra/queries/monitor-delivery-failing.kql');
    const query = readRepoFile('infra/queries/monitor-delivery-failing.kql');
    expect(query).toMatch(/Degraded == Runs/);
    expect(describeErrors(errorsOf(analyze(query)))).toBe('');
  });
});
