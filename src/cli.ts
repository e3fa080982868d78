#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ackCommand } from './commands/ackCommand.js';
import { demoCommand } from './commands/demoCommand.js';
import { digestCommand } from './commands/digestCommand.js';
import { runCommand } from './commands/runCommand.js';
import { statusCommand } from './commands/statusCommand.js';
import { AlertNotFoundError } from './alerts/ack.js';
import { ConfigError, loadSettings } from './config.js';
import { LeaseHeldError } from './state/lease.js';
import { createLogger } from './log.js';

const USAGE = `Cloud Sync Monitor: health of Microsoft Entra Connect Cloud Sync from Microsoft Graph

usage:
  cloudsync-monitor demo   [--data-dir DIR]               replay a built-in day of a demo tenant; write everything locally
  cloudsync-monitor run    [--now ISO] [--data-dir DIR]   one collect run against the configured tenant
  cloudsync-monitor digest [--now ISO] [--data-dir DIR]   build (and send) the daily digest of the 24 h before now
  cloudsync-monitor status [--json]                        current health; exit 0 ok, 1 warning, 2 critical, 3 unknown
  cloudsync-monitor ack ALERT_ID [--until resolve|ISO] [--by NAME]   acknowledge (silence) an open alert

Settings come from environment variables (see README): GRAPH_ACCESS_TOKEN or Azure Identity, TENANT_ID,
GRAPH_BASE_URL, DATA_DIR, LOGS_INGESTION_*, STATE_TABLE_*, ...`;

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the CLI and returns its exit code: 2 for usage and settings errors. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        now: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        day: { type: 'string' },
        until: { type: 'string' },
        by: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!command || command === 'help' || command === '--help' || command === '-h' || values.help) {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const now = values.now !== undefined ? parseInstant(values.now, '--now') : undefined;
  const day =
    values.day !== undefined ? parseInstant(`${values.day.slice(0, 10)}T00:00:00Z`, '--day') : undefined;
  if (now === null || day === null) {
    io.err(
      `--now takes an ISO 8601 instant such as 2026-11-23T07:00:00Z; --day a date such as 2026-11-22\n\n${USAGE}`,
    );
    return 2;
  }

  try {
    const overrides = values['data-dir'] ? { DATA_DIR: values['data-dir'] } : {};
    const settings = loadSettings(undefined, overrides);
    const log = createLogger(
      (_level, line) => io.err(line),
      settings.logLevel === 'info' ? 'warn' : settings.logLevel,
    );
    switch (command) {
      case 'demo':
        return await demoCommand({ dataDir: settings.dataDir, ...(day ? { day } : {}), print: io.out });
      case 'run':
        return await runCommand(settings, log, { ...(now ? { now } : {}), print: io.out });
      case 'digest':
        return await digestCommand(settings, log, { ...(now ? { now } : {}), print: io.out });
      case 'ack': {
        const [alertId] = positionals;
        if (!alertId) {
          io.err(`ack needs the alert id (the AlertId column, or from status --json)\n\n${USAGE}`);
          return 2;
        }
        return await ackCommand(settings, log, {
          alertId,
          ...(values.until ? { until: values.until } : {}),
          ...(values.by ? { by: values.by } : {}),
          print: io.out,
        });
      }
      case 'status':
        return await statusCommand(settings, log, {
          json: values.json,
          ...(now ? { now } : {}),
          print: io.out,
        });
      default:
        io.err(`unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    if (error instanceof AlertNotFoundError) {
      io.err(error.message);
      return 1;
    }
    if (error instanceof LeaseHeldError) {
      io.err(`another run is in progress for this tenant: ${error.message}`);
      return 1;
    }
    io.err(`cloudsync-monitor ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    return command === 'status' ? 3 : 1;
  }
}

function parseInstant(value: string, _name: string): Date | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
