import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/externalTools.js';

/*
 * `bicep snapshot` (the real Bicep CLI) evaluates the whole deployment of infra/main.bicep for a set of
 * parameters, modules included, into the resources ARM would create. What only Azure knows at deploy time
 * (a resource's runtime properties: reference(...)) stays an ARM expression; evaluate() below fills those
 * with values shaped like Azure's, so the app settings can be loaded exactly as the Functions host gets them.
 *
 * Secure parameters are never resolved in a snapshot, so the copy of infra/ it runs on has its @secure()
 * decorators removed: the wiring is the same, only the redaction is off.
 */

const run = promisify(execFile);

export const SNAPSHOT_SCOPE = {
  tenantId: '6b1e1c52-3f0e-4b8e-9d7a-2f1d7c4a9e10',
  subscriptionId: '0f9a8b7c-6d5e-4f3a-9b2c-1d0e9f8a7b6c',
  location: 'westeurope',
} as const;

export interface PredictedResource {
  readonly type: string;
  readonly name: string;
  readonly properties?: unknown;
  readonly [key: string]: unknown;
}

export class BicepSnapshots {
  private constructor(
    private readonly bicep: string,
    readonly dir: string,
  ) {}

  /** A copy of infra/ without @secure() decorators, to snapshot parameter sets in. */
  static create(bicep: string): BicepSnapshots {
    const dir = mkdtempSync(path.join(tmpdir(), 'csm-snapshot-'));
    cpSync(path.join(repoRoot, 'infra'), path.join(dir, 'infra'), { recursive: true });
    for (const file of walk(path.join(dir, 'infra')).filter((f) => f.endsWith('.bicep'))) {
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace(/^[ \t]*@secure\(\)[^\n]*\n/gm, ''));
    }
    return new BicepSnapshots(bicep, dir);
  }

  /** Snapshots main.bicep with these parameters (Bicep literals) and returns the predicted resources. */
  async snapshot(name: string, params: Readonly<Record<string, string>>): Promise<PredictedResource[]> {
    const file = path.join(this.dir, 'infra', `${name}.bicepparam`);
    const lines = ["using './main.bicep'", ...Object.entries(params).map(([k, v]) => `param ${k} = ${v}`)];
    writeFileSync(file, `${lines.join('\n')}\n`);
    await run(
      this.bicep,
      [
        'snapshot',
        file,
        '--mode',
        'overwrite',
        '--tenant-id',
        SNAPSHOT_SCOPE.tenantId,
        '--subscription-id',
        SNAPSHOT_SCOPE.subscriptionId,
        '--location',
        SNAPSHOT_SCOPE.location,
      ],
      { timeout: 120_000, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } },
    );
    const snapshot = JSON.parse(readFileSync(file.replace(/\.bicepparam$/, '.snapshot.json'), 'utf8')) as {
      predictedResources: PredictedResource[];
    };
    return snapshot.predictedResources;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/**
 * Runtime properties of deployed resources, by the property path read from reference(...): values shaped
 * as Azure returns them.
 */
const runtimeValues: Record<string, unknown> = {
  clientId: '3a0f6d1e-8c2b-4e5f-9a7d-1b2c3d4e5f60',
  principalId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
  'endpoints.logsIngestion': 'https://dcr-1a2b3c4d5e6f-abcd.westeurope-1.ingest.monitor.azure.com',
  immutableId: 'dcr-0123456789abcdef0123456789abcdef',
  'primaryEndpoints.table': 'https://stabc123.table.core.windows.net/',
  'primaryEndpoints.blob': 'https://stabc123.blob.core.windows.net/',
  hostName: 'acs-abc123.unitedstates.communication.azure.com',
  mailFromSenderDomain: '4f1e2d3c-5b6a-4978-8a9b-0c1d2e3f4a5b.azurecomm.net',
  defaultHostName: 'func-abc123.azurewebsites.net',
  ConnectionString:
    'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
  location: 'westeurope',
};

const environmentValues = { portal: 'https://portal.azure.com', name: 'AzureCloud' };

/** Evaluates the ARM expressions a snapshot leaves (`[format(...)]`, `[reference(...).x]`, ...). */
export function evaluate(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('[') && !value.startsWith('[[') && value.endsWith(']'))
    return new Parser(value.slice(1, -1)).parseAll();
  if (Array.isArray(value)) return value.map(evaluate);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v)]));
  return value;
}

type Value = unknown;

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseAll(): Value {
    const value = this.expression();
    this.skip();
    if (this.pos !== this.text.length)
      throw new Error(`ARM expression: trailing text at ${this.pos}: ${this.text}`);
    return value;
  }

  private skip(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private expression(): Value {
    this.skip();
    let value: Value;
    const path: string[] = [];
    let referenced = false;
    const ch = this.text[this.pos];
    if (ch === "'") value = this.string();
    else if (/[-\d]/.test(ch ?? '')) value = this.number();
    else {
      const name = /^[A-Za-z_][\w]*/.exec(this.text.slice(this.pos))?.[0];
      if (!name) throw new Error(`ARM expression: unexpected ${ch} in ${this.text}`);
      this.pos += name.length;
      const args = this.args();
      if (name === 'reference') referenced = true;
      value = call(name, args);
    }
    // Property and index access.
    for (;;) {
      this.skip();
      if (this.text[this.pos] === '.') {
        this.pos++;
        const prop = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.pos))![0];
        this.pos += prop.length;
        if (referenced) path.push(prop);
        else value = (value as Record<string, unknown>)[prop];
      } else if (this.text[this.pos] === '[') {
        this.pos++;
        const index = this.expression();
        this.skip();
        this.pos++; // ]
        value = (value as Record<string, unknown>)[String(index)];
      } else break;
    }
    if (referenced) {
      const key = path.join('.');
      if (!(key in runtimeValues)) throw new Error(`no stand-in runtime value for reference(...).${key}`);
      value = runtimeValues[key];
    }
    return value;
  }

  private args(): Value[] {
    this.skip();
    if (this.text[this.pos] !== '(') throw new Error(`ARM expression: expected ( in ${this.text}`);
    this.pos++;
    const args: Value[] = [];
    this.skip();
    if (this.text[this.pos] === ')') {
      this.pos++;
      return args;
    }
    for (;;) {
      args.push(this.expression());
      this.skip();
      const c = this.text[this.pos++];
      if (c === ')') return args;
      if (c !== ',') throw new Error(`ARM expression: expected , or ) in ${this.text}`);
    }
  }

  private string(): string {
    let out = '';
    this.pos++;
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) throw new Error('ARM expression: unterminated string');
      if (c === "'") {
        if (this.text[this.pos] === "'") {
          out += "'";
          this.pos++;
          continue;
        }
        return out;
      }
      out += c;
    }
  }

  private number(): number {
    const m = /^-?\d+/.exec(this.text.slice(this.pos))![0];
    this.pos += m.length;
    return Number(m);
  }
}

function call(name: string, args: Value[]): Value {
  switch (name.toLowerCase()) {
    case 'format':
      return String(args[0]).replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i) + 1]));
    case 'concat':
      return args.every(Array.isArray) ? args.flat() : args.map(String).join('');
    case 'reference':
      return undefined; // replaced by the property path that follows
    case 'environment':
      return environmentValues;
    case 'createobject': {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < args.length; i += 2) out[String(args[i])] = args[i + 1];
      return out;
    }
    case 'union':
      return Object.assign({}, ...(args as object[]));
    case 'tryget':
      return (args[0] as Record<string, unknown> | undefined)?.[String(args[1])] ?? null;
    case 'coalesce':
      return args.find((a) => a !== null && a !== undefined) ?? null;
    case 'if':
      return args[0] ? args[1] : args[2];
    case 'empty':
      return args[0] === '' || args[0] === null || (Array.isArray(args[0]) && args[0].length === 0);
    case 'not':
      return !args[0];
    case 'tolower':
      return String(args[0]).toLowerCase();
    case 'string':
      return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    default:
      throw new Error(`ARM expression: ${name}() not supported by the test evaluator`);
  }
}
