import { createRequire } from 'node:module';
import type { ColumnType, TableDefinition } from '../../src/tables/schema.js';

/*
 * The Kusto language service (@kusto/language-service-next) parses and analyses KQL against declared table
 * schemas, as the Log Analytics query editor does. It is a Bridge.NET build meant for a browser-like global:
 * bridge.js must be loaded first and leaves `Bridge` on the global object, then Kusto.Language.Bridge.js
 * defines `Kusto` there. Node's own require (not vitest's module graph) loads both, once per worker.
 */

/** The few members of the language service these tests use. */
interface KustoDiagnostic {
  readonly Severity: string;
  readonly Message: string;
  readonly Start: number;
  readonly Length: number;
  readonly Code: string;
}
interface KustoList<T> {
  readonly Count: number;
  getItem(index: number): T;
}
interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    DatabaseSymbol: {
      $ctor2: new (name: string, alternateName: string | null, members: unknown[]) => unknown;
    };
  };
  GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
  KustoCode: {
    ParseAndAnalyze(text: string, globals: unknown): { GetDiagnostics(): KustoList<KustoDiagnostic> };
  };
}

export interface Diagnostic {
  readonly severity: string;
  readonly message: string;
  readonly code: string;
  /** The query text the diagnostic points at. */
  readonly at: string;
}

let language: KustoLanguage | undefined;

function kusto(): KustoLanguage {
  if (language) return language;
  const require = createRequire(import.meta.url);
  const global = globalThis as { Bridge?: unknown; Kusto?: { Language: KustoLanguage } };
  if (!global.Bridge) global.Bridge = require('@kusto/language-service-next/bridge.js');
  if (!global.Kusto) require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  if (!global.Kusto) throw new Error('@kusto/language-service-next did not define the Kusto global');
  language = global.Kusto.Language;
  return language;
}

/** Our column types (also the Log Analytics ones) in Kusto's type names. */
const kustoType: Readonly<Record<ColumnType, string>> = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  boolean: 'bool',
  datetime: 'datetime',
  dynamic: 'dynamic',
};

/** The schema string TableSymbol takes: `(Name:type, ...)`. */
export function tableSchema(table: TableDefinition): string {
  const columns = Object.entries(table.columns).map(([name, column]) => `${name}:${kustoType[column.type]}`);
  return `(${columns.join(', ')})`;
}

/** An analyser for queries against a database holding exactly `tables`. */
export function kqlAnalyzer(tables: readonly TableDefinition[]): (query: string) => Diagnostic[] {
  const { Symbols, GlobalState, KustoCode } = kusto();
  const symbols = tables.map((table) => new Symbols.TableSymbol.$ctor7(table.name, tableSchema(table), null));
  const globals = GlobalState.Default.WithDatabase(
    new Symbols.DatabaseSymbol.$ctor2('workspace', null, symbols),
  );
  return (query) => {
    const list = KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
    const diagnostics: Diagnostic[] = [];
    for (let i = 0; i < list.Count; i++) {
      const d = list.getItem(i);
      diagnostics.push({
        severity: d.Severity,
        message: d.Message,
        code: d.Code,
        at: query.slice(Math.max(0, d.Start - 20), d.Start + Math.max(d.Length, 1) + 20),
      });
    }
    return diagnostics;
  };
}

export const errorsOf = (diagnostics: readonly Diagnostic[]): Diagnostic[] =>
  diagnostics.filter((d) => d.severity === 'Error');
