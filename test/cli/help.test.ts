import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { COMMANDS } from '../../src/commands/usage.js';

/** Help and usage errors, through the CLI's own entry function (no process: nothing here does I/O). */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const SECTION_7 = [
  'cloudsync-monitor demo   [--data-dir DIR]               replay a built-in day of a demo tenant, fast; write everything locally; print a summary',
  'cloudsync-monitor run    [--now ISO] [--data-dir DIR]   one collect run against the configured tenant',
  'cloudsync-monitor digest [--now ISO] [--data-dir DIR]   build (and send, if channels are configured) the digest for the 24 h before now',
  'cloudsync-monitor status [--json] [--live]               health from the last local run (--live: ask Graph now); exit 0 ok, 1 warning, 2 critical, 3 unknown (Nagios-style); --json always prints one JSON document',
];

describe('CLI help', () => {
  it('the global usage lists every command with the synopsis of design section 7', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const line of SECTION_7) expect(result.stdout).toContain(line);
    expect(result.stdout).toContain('cloudsync-monitor ack ALERT_ID');
    expect(result.stdout).toContain('cloudsync-monitor ack --list');
  });

  it.each(Object.keys(COMMANDS))('%s --help (and help %s) prints its own usage and options', async (name) => {
    const spec = COMMANDS[name as keyof typeof COMMANDS];
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith(`usage: cloudsync-monitor ${name}`)).toBe(true);
      for (const option of Object.keys(spec.options)) expect(result.stdout).toContain(`--${option}`);
      expect(result.stdout).toContain('exit codes:');
      expect(result.stderr).toBe('');
    }
    // Each command's help is its own, not the global usage.
    expect((await run([name, '--help'])).stdout).not.toContain('usage:\n');
  });

  it('an unknown command or flag prints usage on stderr and exits 2', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"[\s\S]*usage:/);

    const flag = await run(['run', '--json']);
    expect(flag).toMatchObject({ code: 2, stdout: '' });
    expect(flag.stderr).toMatch(/Unknown option '--json'[\s\S]*usage: cloudsync-monitor run/);

    const none = await run([]);
    expect(none).toMatchObject({ code: 2, stdout: '' });

    const badNow = await run(['run', '--now', 'yesterday-ish']);
    expect(badNow.code).toBe(2);
    expect(badNow.stderr).toContain('--now takes an ISO 8601 instant');

    const ackWithout = await run(['ack']);
    expect(ackWithout.code).toBe(2);
    expect(ackWithout.stderr).toContain('ack needs the alert id');
  });

  it('status keeps to Nagios: a bad flag is unknown (3), and with --json still one JSON document', async () => {
    const result = await run(['status', '--json', '--verbose']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({
      health: 'unknown',
      reason: expect.stringContaining('--verbose'),
    });
    expect(result.stderr).toContain('usage: cloudsync-monitor status');
  });
});
