// @ts-check
/**
 * The import boundaries of the house (issue 8), checked by `npm run lint` (depcruise). Layers, top down:
 *
 *   edge     functions/*, src/cli.ts, src/commands/, src/http/       entry points: settings -> app -> result
 *   app      src/app/, src/fleet/, src/monitorRun.ts, src/wiring.ts   use cases: compose core and adapters
 *   core     alerts, notify, render, digest, rules, collect,          the product; peers, without cycles
 *            health, heartbeat, azureMonitor, ack, coverage, canary, remediation, migration
 *   domain   src/domain/                                              the shared vocabulary: pure
 *   adapters graph, sinks, state, tables                             Graph, Log Analytics, state store
 *
 * An import may go down, or sideways inside core, never up; no folder imports a folder that imports it
 * back. The core never imports @azure/functions, the CLI or src/demo. src/config.ts, src/clock.ts and
 * src/log.ts sit beside the layers (settings, time, logging) and import nothing above them. Only the
 * edges and the composition root (src/wiring.ts) know src/config.ts: every other module declares the
 * slice of the settings it needs beside itself (src/graph/settings.ts, src/state/settings.ts, ...).
 *
 * dependency-cruiser rather than eslint-plugin-boundaries or no-restricted-imports: it resolves
 * TypeScript imports itself (type-only ones included), checks cycles between folders (scope: folder),
 * which the ESLint rules cannot, and is actively maintained with a documented rule format.
 */

const EDGE = '^(functions/|src/cli\\.ts$|src/commands/|src/http/)';
const APP = '^(src/app/|src/fleet/|src/monitorRun\\.ts$|src/wiring\\.ts$)';
const CORE =
  '^src/(alerts|notify|render|digest|rules|collect|health|heartbeat|azureMonitor|ack|coverage|canary|remediation|migration)/';
const DOMAIN = '^src/domain/';
const ADAPTERS = '^src/(graph|sinks|state|tables)/';
const OURS = '^(src|functions)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-not-up',
      severity: 'error',
      comment: 'The core is used by the app layer and the edges, never the other way round.',
      from: { path: CORE },
      to: { path: `${EDGE}|${APP}` },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain imports nothing of ours but src/tables, and no Node built-ins: pure vocabulary.',
      from: { path: DOMAIN },
      to: { path: OURS, pathNot: `${DOMAIN}|^src/tables/` },
    },
    {
      name: 'domain-no-node',
      severity: 'error',
      comment: 'src/domain is pure: no I/O, no Node built-ins.',
      from: { path: DOMAIN },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-not-up',
      severity: 'error',
      comment:
        'Adapters (graph, sinks, state, tables) know nothing of the domain, the core or the use cases.',
      from: { path: ADAPTERS },
      to: { path: `${EDGE}|${APP}|${CORE}|${DOMAIN}` },
    },
    {
      name: 'tables-stand-alone',
      severity: 'error',
      comment:
        'The table definitions are the bottom: record types, DCR columns and infra JSON derive from them.',
      from: { path: '^src/tables/' },
      to: { path: OURS, pathNot: '^src/tables/' },
    },
    {
      name: 'app-not-up',
      severity: 'error',
      comment: 'Use cases are called by the edges, never the other way round.',
      from: { path: APP },
      to: { path: EDGE },
    },
    {
      name: 'settings-only-at-the-edges',
      severity: 'error',
      comment:
        'Only the edges and the composition roots (src/wiring.ts; src/fleet/fleetWiring.ts, which builds them per tenant) read src/config.ts; the core takes the slice it declares beside itself (src/*/settings.ts).',
      from: {
        path: OURS,
        pathNot: `${EDGE}|^src/wiring\\.ts$|^src/fleet/fleetWiring\\.ts$|^src/config\\.ts$`,
      },
      to: { path: '^src/config\\.ts$' },
    },
    {
      name: 'utilities-stand-alone',
      severity: 'error',
      comment: 'src/clock.ts and src/log.ts are used everywhere and so import nothing of ours.',
      from: { path: '^src/(clock|log|pool)\\.ts$' },
      to: { path: OURS },
    },
    {
      name: 'no-azure-functions-outside-functions',
      severity: 'error',
      comment: 'Only the function files (functions/) know the Azure Functions runtime.',
      from: { path: '^src/' },
      to: { path: '(^|/)node_modules/@azure/functions/' },
    },
    {
      name: 'no-demo-in-production',
      severity: 'error',
      comment: 'The demo tenant is for `demo` and tests only: no production code imports it.',
      from: { path: OURS, pathNot: '^src/(demo/|commands/demoCommand\\.ts$)' },
      to: { path: '^src/demo/' },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'No folder imports a folder that (through others) imports it back.',
      scope: 'folder',
      from: { path: OURS },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      comment: 'No module cycles either (the demo tenant, a test fixture server, is exempt for now).',
      from: { path: OURS, pathNot: '^src/demo/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve cannot be checked.',
      from: { path: OURS },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type import the wrong way is still a dependency the wrong way.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
