#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { explainFailure, type FailureKind } from './commands/failure.js';
import { NoLocalTenantError } from './commands/localState.js';
import { undecided } from './commands/statusReport.js';
import { COMMANDS, commandHelp, isCommandName, USAGE, type CommandSpec } from './commands/usage.js';
import { loadSettings, type Settings } from './config.js';
import { createLogger, type Logger } from './log.js';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Exit codes per failure, for the commands other than status (which always answers Nagios-style). */
const FAILURE_EXIT: Readonly<Record<FailureKind, number>> = {
  settings: 2,
  credentials: 2,
  network: 1,
  lease: 1,
  'not-found': 1,
  other: 1,
};

/**
 * Runs the CLI and returns its exit code. Help goes to stdout (exit 0); a usage error prints the
 * relevant usage on stderr (exit 2; `status` 3, the Nagios "unknown"); failures print one message
 * that names the fix, never a stack trace.
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(USAGE);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    if (topic !== undefined && isCommandName(topic)) io.out(commandHelp(COMMANDS[topic]));
    else io.out(USAGE);
    return 0;
  }
  if (!isCommandName(command)) {
    io.err(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const spec = COMMANDS[command];
  const parsed = parse(spec, rest);
  if ('error' in parsed) return usageError(spec, parsed.error, rest, io);
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(commandHelp(spec));
    return 0;
  }
  if (positionals.length > spec.positionals)
    return usageError(spec, `unexpected argument "${positionals[spec.positionals] ?? ''}"`, rest, io);
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const flag = (name: string): boolean => values[name] === true;

  const nowText = text('now');
  const now = nowText !== undefined ? parseInstant(nowText) : undefined;
  if (now === null)
    return usageError(spec, '--now takes an ISO 8601 instant such as 2026-11-23T07:00:00Z', rest, io);
  const dayText = text('day');
  const day = dayText !== undefined ? parseInstant(`${dayText.slice(0, 10)}T00:00:00Z`) : undefined;
  if (day === null) return usageError(spec, '--day takes a date such as 2026-11-22', rest, io);

  const dataDir = text('data-dir');
  const settings = (): Settings => loadSettings(undefined, dataDir ? { DATA_DIR: dataDir } : {});
  const logger = (s: Settings): Logger =>
    createLogger((_level, line) => io.err(line), s.logLevel === 'info' ? 'warn' : s.logLevel);

  // Each command loads its modules when it runs: `run` never loads the demo tenant, `status` no SDK.
  if (command === 'status') {
    const { statusCommand } = await import('./commands/statusCommand.js');
    return statusCommand({
      json: flag('json'),
      live: flag('live'),
      ...(now ? { now } : {}),
      settings,
      logger,
      print: io.out,
    });
  }
  try {
    const loaded = settings();
    const log = logger(loaded);
    switch (command) {
      case 'demo': {
        const { demoCommand } = await import('./commands/demoCommand.js');
        return await demoCommand({ dataDir: loaded.dataDir, ...(day ? { day } : {}), print: io.out });
      }
      case 'run': {
        const { runCommand } = await import('./commands/runCommand.js');
        return await runCommand(loaded, log, { ...(now ? { now } : {}), print: io.out });
      }
      case 'digest': {
        const { digestCommand } = await import('./commands/digestCommand.js');
        return await digestCommand(loaded, log, { ...(now ? { now } : {}), print: io.out });
      }
      case 'ack': {
        const { ackCommand, ackListCommand } = await import('./commands/ackCommand.js');
        if (flag('list')) {
          if (positionals.length > 0) return usageError(spec, 'ack --list takes no alert id', rest, io);
          return await ackListCommand(loaded, log, { print: io.out });
        }
        const [alertId] = positionals;
        if (!alertId)
          return usageError(spec, 'ack needs the alert id (see `cloudsync-monitor ack --list`)', rest, io);
        const until = text('until');
        const by = text('by');
        return await ackCommand(loaded, log, {
          alertId,
          ...(until ? { until } : {}),
          ...(by ? { by } : {}),
          print: io.out,
        });
      }
      case 'silence': {
        const [action, id] = positionals;
        const { silenceCommand } = await import('./commands/silenceCommand.js');
        const done = await silenceCommand(loaded, log, {
          action,
          id,
          match: text('match'),
          for: text('for'),
          until: text('until'),
          by: text('by'),
          comment: text('comment'),
          json: flag('json'),
          now,
          print: io.out,
        });
        return typeof done === 'number' ? done : usageError(spec, done.usage, rest, io);
      }
      case 'remediate': {
        const [action, alertId] = positionals;
        const { remediateCommand } = await import('./commands/remediateCommand.js');
        const done = await remediateCommand(loaded, log, {
          action,
          alertId,
          object: text('object'),
          dn: text('dn'),
          actor: text('actor'),
          alertVersion: text('alert-version'),
          confirm: flag('confirm'),
          dataDir,
          print: io.out,
        });
        return typeof done === 'number' ? done : usageError(spec, done.usage, rest, io);
      }
      case 'migration': {
        const [action] = positionals;
        const { migrationCommand } = await import('./commands/migrationCommand.js');
        const done = await migrationCommand(loaded, log, {
          action,
          by: text('by'),
          out: text('out'),
          json: flag('json'),
          now,
          print: io.out,
        });
        return typeof done === 'number' ? done : usageError(spec, done.usage, rest, io);
      }
      case 'tenants': {
        const [action, id] = positionals;
        const { tenantsCommand } = await import('./commands/tenantsCommand.js');
        const done = await tenantsCommand(loaded, log, {
          action,
          id,
          name: text('name'),
          auth: text('auth'),
          clientId: text('client-id'),
          secretUri: text('secret-uri'),
          configurations: text('configurations'),
          routingTenant: text('routing-tenant'),
          json: flag('json'),
          print: io.out,
        });
        return typeof done === 'number' ? done : usageError(spec, done.usage, rest, io);
      }
    }
  } catch (error) {
    if (error instanceof NoLocalTenantError) {
      io.err(`cloudsync-monitor ${command}: ${error.message}`);
      return 1;
    }
    const failure = explainFailure(error);
    io.err(
      failure.kind === 'settings' ? failure.message : `cloudsync-monitor ${command}: ${failure.message}`,
    );
    return FAILURE_EXIT[failure.kind];
  }
}

type Parsed = { values: Record<string, unknown>; positionals: string[] } | { error: string };

function parse(spec: CommandSpec, args: readonly string[]): Parsed {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(spec.options)) options[name] = { type: option.type };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values, positionals };
  } catch (error) {
    // node:util's wording ("Unknown option '--x'. To specify a positional argument ...") trimmed to its point.
    const message = error instanceof Error ? error.message : String(error);
    return { error: message.split('. ')[0] ?? message };
  }
}

function usageError(spec: CommandSpec, problem: string, args: readonly string[], io: CliIo): number {
  io.err(`cloudsync-monitor ${spec.name}: ${problem}\n\n${commandHelp(spec)}`);
  // status --json promises one JSON document on stdout, whatever went wrong.
  if (spec.name === 'status' && args.includes('--json')) {
    io.out(JSON.stringify(undecided('local', new Date(), `bad arguments: ${problem}`)));
  }
  return spec.usageExitCode;
}

function parseInstant(value: string): Date | null {
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
      process.stderr.write(`cloudsync-monitor: ${explainFailure(error).message}\n`);
      process.exitCode = 1;
    },
  );
}
