/**
 * For `npm run bench:startup`: loads what a CLI `run` loads before it starts working, in the order it
 * does: the CLI itself (which starts nothing when it is not the entry point), then the run command,
 * which the CLI imports only when `run` is asked for.
 */
await import('../../src/cli.js');
await import('../../src/commands/runCommand.js');
export {};
