import { describe, expect, it } from 'vitest';
import { readRepoFile } from '../infra/infraFiles.js';

/**
 * Issue 15: the canary's round trip is a sync latency figure in the workbook: a tile per configuration
 * with the last round trip (and the p50/p95 of the range), and a chart of p50 and p95 over time, both
 * from CloudSyncCanary_CL. (test/infra/kql.test.ts analyses every workbook query with the Kusto
 * language service; this says the latency items are there and read what they should.)
 */
interface Item {
  readonly name: string;
  readonly content: {
    query?: string;
    visualization?: string;
    tileSettings?: Record<string, { columnMatch?: string }>;
  };
}
const items = (
  JSON.parse(readRepoFile('infra/workbook/cloud-sync-monitor.workbook.json')) as { items: Item[] }
).items;
const item = (name: string) => items.find((i) => i.name === name);

describe('workbook: canary sync latency', () => {
  it('has a tile per configuration with the last round trip, p50 and p95', () => {
    const tile = item('canary-latency-now');
    expect(tile?.content.visualization).toBe('tiles');
    const query = tile!.content.query!;
    expect(query).toMatch(/^CloudSyncCanary_CL\n/);
    expect(query).toMatch(/arg_max\(TimeGenerated, Outcome, RoundTripMs\)/);
    expect(query).toMatch(/percentile\(iff\(Outcome == 'success', RoundTripMs, long\(null\)\), 50\)/);
    expect(query).toMatch(/percentile\(iff\(Outcome == 'success', RoundTripMs, long\(null\)\), 95\)/);
    expect(query).toMatch(/by Configuration = coalesce\(ConfigurationName, ServicePrincipalId\)/);
    expect(tile!.content.tileSettings?.leftContent?.columnMatch).toBe('LastSeconds');
    expect(tile!.content.tileSettings?.titleContent?.columnMatch).toBe('Configuration');
  });

  it('charts p50 and p95 of the successful round trips over time, per configuration', () => {
    const chart = item('canary-latency');
    expect(chart?.content.visualization).toBe('timechart');
    const query = chart!.content.query!;
    expect(query).toMatch(/where Outcome == 'success'/);
    expect(query).toMatch(
      /p50 = percentile\(RoundTripMs, 50\), p95 = percentile\(RoundTripMs, 95\) by bin\(TimeGenerated, \{TimeRange:grain\}\)/,
    );
    // The tile comes first: the figure now, then its history.
    expect(items.findIndex((i) => i.name === 'canary-latency-now')).toBeLessThan(
      items.findIndex((i) => i.name === 'canary-latency'),
    );
  });
});
