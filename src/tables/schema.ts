/**
 * The vocabulary for defining Log Analytics custom tables once. Record types, sinks and the generated
 * infra JSON (table columns, DCR stream declarations) are all derived from these definitions.
 */
export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'datetime' | 'dynamic';

export interface ColumnDefinition {
  readonly type: ColumnType;
  readonly description: string;
}

export interface TableDefinition<
  C extends Record<string, ColumnDefinition> = Record<string, ColumnDefinition>,
> {
  readonly name: string;
  readonly description: string;
  readonly columns: C;
}

/** TypeScript type of a column's value in a record. Every column but TimeGenerated may be null. */
export type ColumnValue<T extends ColumnType> = T extends 'string' | 'datetime'
  ? string | null
  : T extends 'int' | 'long' | 'real'
    ? number | null
    : T extends 'boolean'
      ? boolean | null
      : unknown;

export type RecordOf<D extends TableDefinition> = {
  [K in keyof D['columns']]: K extends 'TimeGenerated' | 'AADTenantId'
    ? string
    : ColumnValue<D['columns'][K]['type']>;
};

export function defineTable<const C extends Record<string, ColumnDefinition>>(
  name: string,
  description: string,
  columns: C,
): TableDefinition<C> {
  if (!name.endsWith('_CL')) throw new Error(`custom table ${name} must end in _CL`);
  for (const column of Object.keys(columns)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,44}$/.test(column)) throw new Error(`bad column name ${name}.${column}`);
  }
  return { name, description, columns };
}

/** The Logs Ingestion stream that feeds a table (DCR stream declaration name). */
export const streamName = (table: TableDefinition): string => `Custom-${table.name}`;

/**
 * A row with exactly the table's columns, in the table's order, missing values as null.
 * Sinks write this, so NDJSON files and Log Analytics receive the same shape. A record that already is
 * such a row (the collectors build them so) is returned as it is, not copied: copying every row was a
 * tenth of the NDJSON sink's time. Callers must treat the result as read-only.
 */
export function toRow(
  table: TableDefinition,
  record: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const columns = columnsOf(table);
  if (isRow(columns, record)) return record;
  const row: Record<string, unknown> = {};
  for (const column of columns) row[column] = record[column] ?? null;
  return row;
}

/** A record as the JSON text of its row: the one serialisation every sink writes. */
export const rowJson = (table: TableDefinition, record: Readonly<Record<string, unknown>>): string =>
  JSON.stringify(toRow(table, record));

const columnNames = new WeakMap<TableDefinition, readonly string[]>();

function columnsOf(table: TableDefinition): readonly string[] {
  let columns = columnNames.get(table);
  if (!columns) {
    columns = Object.keys(table.columns);
    columnNames.set(table, columns);
  }
  return columns;
}

/**
 * True when JSON.stringify(record) already equals JSON.stringify of its row: a plain object whose keys
 * are the columns in order, none of them undefined (toRow would write null there).
 */
function isRow(columns: readonly string[], record: Readonly<Record<string, unknown>>): boolean {
  if (Object.getPrototypeOf(record) !== Object.prototype) return false;
  let i = 0;
  for (const key in record) {
    if (key !== columns[i] || record[key] === undefined) return false;
    i += 1;
  }
  return i === columns.length;
}
