import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { tables } from '../../src/tables/definitions.js';
import { buildInfraJson, DCR_DESTINATION_NAME, renderInfraJson } from '../../src/tables/infraJson.js';

const committedPath = new URL('../../infra/generated/tables.json', import.meta.url);
const logAnalyticsTypes = ['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic'];

describe('infra/generated/tables.json', () => {
  it('is what the generator produces from the table definitions now', async () => {
    const committed = await readFile(committedPath, 'utf8').catch(() => '(missing)');
    // Not toEqual: the message must tell the reader how to fix it, not just show a diff.
    if (committed !== renderInfraJson()) {
      expect.fail(
        'infra/generated/tables.json is out of date with src/tables/definitions.ts: run `npm run gen:infra` and commit the result',
      );
    }
  });
});

describe('buildInfraJson', () => {
  const infra = buildInfraJson();

  it('describes every table with its columns in order and Log Analytics type names', () => {
    expect(infra.tables.map((t) => t.name)).toEqual(tables.map((t) => t.name));
    for (const [index, table] of tables.entries()) {
      const schema = infra.tables[index]!;
      expect(schema.description).toBe(table.description);
      expect(schema.columns.map((c) => c.name)).toEqual(Object.keys(table.columns));
      const definedColumns: Readonly<Record<string, { description: string }>> = table.columns;
      for (const column of schema.columns) {
        expect(logAnalyticsTypes).toContain(column.type);
        expect(column.description).toBe(definedColumns[column.name]!.description);
      }
      expect(schema.columns[0]).toMatchObject({ name: 'TimeGenerated', type: 'datetime' });
      expect(schema.columns.length).toBeLessThanOrEqual(500);
    }
  });

  it('declares one Custom-<Table> stream per table with the same columns and types', () => {
    expect(Object.keys(infra.streamDeclarations)).toEqual(tables.map((t) => `Custom-${t.name}`));
    for (const schema of infra.tables) {
      expect(infra.streamDeclarations[`Custom-${schema.name}`]!.columns).toEqual(
        schema.columns.map(({ name, type }) => ({ name, type })),
      );
    }
  });

  it('routes each stream unchanged into its table', () => {
    expect(infra.destinationName).toBe(DCR_DESTINATION_NAME);
    expect(infra.dataFlows).toEqual(
      tables.map((t) => ({
        streams: [`Custom-${t.name}`],
        destinations: [DCR_DESTINATION_NAME],
        transformKql: 'source',
        outputStream: `Custom-${t.name}`,
      })),
    );
  });

  it('is pure and deterministic', () => {
    expect(renderInfraJson(buildInfraJson())).toBe(renderInfraJson());
    expect(renderInfraJson().endsWith('}\n')).toBe(true);
    expect(buildInfraJson([])).toMatchObject({ tables: [], streamDeclarations: {}, dataFlows: [] });
  });
});
