import { tables as allTables } from './definitions.js';
import { streamName, type ColumnType, type TableDefinition } from './schema.js';

/**
 * The infra view of the table definitions: what Bicep needs to create the custom tables and the data
 * collection rule. Generated into infra/generated/tables.json by scripts/generate-infra.ts, so the tables in
 * Azure, the DCR streams and the records the sinks write can never drift apart.
 */

/** The name the DCR must give its Log Analytics destination; the data flows below point at it. */
export const DCR_DESTINATION_NAME = 'cloudSyncWorkspace';

export interface InfraColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
}

/** `properties.schema` of a `Microsoft.OperationalInsights/workspaces/tables` resource. */
export interface InfraTableSchema {
  readonly name: string;
  readonly description: string;
  readonly columns: readonly InfraColumn[];
}

/** A DCR `streamDeclarations` entry. */
export interface InfraStreamDeclaration {
  readonly columns: readonly { readonly name: string; readonly type: ColumnType }[];
}

/** A DCR `dataFlows` entry. */
export interface InfraDataFlow {
  readonly streams: readonly string[];
  readonly destinations: readonly string[];
  readonly transformKql: string;
  readonly outputStream: string;
}

export interface InfraJson {
  readonly $comment: string;
  readonly destinationName: string;
  readonly tables: readonly InfraTableSchema[];
  readonly streamDeclarations: Readonly<Record<string, InfraStreamDeclaration>>;
  readonly dataFlows: readonly InfraDataFlow[];
}

/*
 * Our ColumnType names are already the Log Analytics ones (tables API and DCR stream declarations both
 * accept them, `datetime` included), so no mapping is needed; the table keeps that decision visible and
 * makes the compiler flag a new ColumnType that Log Analytics would not understand.
 */
const logAnalyticsType: Readonly<Record<ColumnType, ColumnType>> = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  boolean: 'boolean',
  datetime: 'datetime',
  dynamic: 'dynamic',
};

const columnsOf = (table: TableDefinition): InfraColumn[] =>
  Object.entries(table.columns).map(([name, column]) => ({
    name,
    type: logAnalyticsType[column.type],
    description: column.description,
  }));

/** Pure: the same definitions always give the same object (and the same JSON text). */
export function buildInfraJson(definitions: readonly TableDefinition[] = allTables): InfraJson {
  const streamDeclarations: Record<string, InfraStreamDeclaration> = {};
  for (const table of definitions) {
    streamDeclarations[streamName(table)] = {
      columns: columnsOf(table).map(({ name, type }) => ({ name, type })),
    };
  }
  return {
    $comment:
      'Generated from src/tables/definitions.ts by scripts/generate-infra.ts. Do not edit: run `npm run gen:infra`.',
    destinationName: DCR_DESTINATION_NAME,
    tables: definitions.map((table) => ({
      name: table.name,
      description: table.description,
      columns: columnsOf(table),
    })),
    streamDeclarations,
    // Passthrough: the records are already normalised, so the DCR transformation is `source`.
    dataFlows: definitions.map((table) => ({
      streams: [streamName(table)],
      destinations: [DCR_DESTINATION_NAME],
      transformKql: 'source',
      outputStream: `Custom-${table.name}`,
    })),
  };
}

/** The exact text of infra/generated/tables.json. */
export function renderInfraJson(infra: InfraJson = buildInfraJson()): string {
  return `${JSON.stringify(infra, null, 2)}\n`;
}
