import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config.js';
import { tables } from '../../src/tables/definitions.js';
import { buildInfraJson } from '../../src/tables/infraJson.js';
import {
  bicepFiles,
  blockAt,
  loadedFiles,
  modulesOf,
  objectAfter,
  outputsOf,
  paramsOf,
  readRepoFile,
  repoFileExists,
  stripBicepComments,
  topLevelKeys,
} from './infraFiles.js';

/*
 * Checks by text, beside the real compiler (tools.test.ts, deployedSettings.test.ts): every module and
 * loaded file exists, modules get exactly the params they declare, outputs referenced exist, the tables and
 * the DCR come from infra/generated/tables.json and nowhere else, every setting of src/config.ts reaches the
 * app, and role assignments are the intended ones with deterministic names.
 */

const files = bicepFiles();
const code = (file: string): string => stripBicepComments(readRepoFile(file));
const GENERATED = 'infra/generated/tables.json';

describe('Bicep wiring', () => {
  it('has the expected files', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'infra/main.bicep',
        'infra/app/tables.bicep',
        'infra/app/dcr.bicep',
        'infra/app/function.bicep',
        'infra/app/email.bicep',
        'infra/app/rbac.bicep',
        'infra/app/workbook.bicep',
        'infra/app/watcher.bicep',
      ]),
    );
    expect(code('infra/main.bicep')).toMatch(/^targetScope = 'subscription'$/m);
  });

  it('references only module files that exist and passes each module exactly the params it takes', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const module of modulesOf(file)) {
        if (!repoFileExists(module.file)) {
          problems.push(`${file}: module ${module.symbol} -> missing ${module.file}`);
          continue;
        }
        const declared = paramsOf(module.file);
        for (const passed of module.params) {
          if (!declared.some((p) => p.name === passed))
            problems.push(`${file}: ${module.symbol} passes unknown param ${passed}`);
        }
        for (const param of declared.filter((p) => p.required)) {
          if (!module.params.includes(param.name))
            problems.push(`${file}: ${module.symbol} misses required param ${param.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(modulesOf('infra/main.bicep').length).toBeGreaterThanOrEqual(10);
  });

  it('reads only outputs the modules declare', () => {
    const problems: string[] = [];
    for (const file of files) {
      const modules = new Map(modulesOf(file).map((m) => [m.symbol, m.file]));
      for (const [, symbol, output] of code(file).matchAll(/\b(\w+)\.outputs\.(\w+)/g)) {
        const moduleFile = modules.get(symbol!);
        if (!moduleFile) problems.push(`${file}: ${symbol}.outputs.${output} is not a module of this file`);
        else if (!outputsOf(moduleFile).includes(output!))
          problems.push(`${file}: ${moduleFile} has no output ${output}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('loads only files that exist', () => {
    const loads = files.flatMap((file) => loadedFiles(file).map((l) => ({ file, ...l })));
    expect(loads.length).toBeGreaterThan(0);
    for (const load of loads)
      expect(repoFileExists(load.path), `${load.file}: ${load.fn}('${load.path}')`).toBe(true);
  });

  it('pins an API version on every resource and uses no registry modules (unreachable here, nothing to check)', () => {
    for (const file of files) {
      const text = code(file);
      for (const [, type] of text.matchAll(/^\s*resource\s+\w+\s+'([^']+)'/gm)) {
        // Nested child resources ('config', 'containers', ...) inherit their parent's version.
        if (type!.includes('/')) expect(type, `${file}: ${type}`).toMatch(/@\d{4}-\d{2}-\d{2}(-preview)?$/);
      }
      expect(text, file).not.toMatch(/'br[:/]/);
    }
  });

  it('every output of main.bicep is UPPER_SNAKE for azd', () => {
    const outputs = outputsOf('infra/main.bicep');
    expect(outputs.length).toBeGreaterThan(5);
    for (const output of outputs) expect(output).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});

describe('tables and DCR come from infra/generated/tables.json (drift)', () => {
  const infra = buildInfraJson();
  const loaders = files.filter((file) => loadedFiles(file).some((l) => l.path === GENERATED));

  it('the tables module and the DCR module load the generated JSON, and only they', () => {
    expect(loaders).toEqual(['infra/app/dcr.bicep', 'infra/app/tables.bicep']);
    for (const file of loaders) {
      expect(loadedFiles(file)).toContainEqual({ fn: 'loadJsonContent', path: GENERATED });
    }
  });

  it('the tables are a loop over the generated tables, the DCR takes streams, destination and flows from it', () => {
    const tablesBicep = code('infra/app/tables.bicep');
    expect(tablesBicep).toMatch(
      /resource \w+ 'Microsoft\.OperationalInsights\/workspaces\/tables@[^']+' = \[\s*for table in infra\.tables:/,
    );
    expect(tablesBicep).toMatch(/columns: map\(table\.columns,/);
    const dcrBicep = code('infra/app/dcr.bicep');
    expect(dcrBicep).toMatch(/kind: 'Direct'/);
    expect(dcrBicep).toMatch(/streamDeclarations: infra\.streamDeclarations/);
    expect(dcrBicep).toMatch(/name: infra\.destinationName/);
    expect(dcrBicep).toMatch(/dataFlows: map\(infra\.dataFlows,/);
  });

  it('reads only properties the generated JSON has', () => {
    const table = infra.tables[0]!;
    const shapes: Record<string, readonly string[]> = {
      infra: Object.keys(infra),
      table: Object.keys(table),
      column: Object.keys(table.columns[0]!),
      flow: Object.keys(infra.dataFlows[0]!),
    };
    for (const file of loaders) {
      for (const [, variable, property] of code(file).matchAll(/\b(infra|table|column|flow)\.(\w+)/g)) {
        expect(shapes[variable!], `${file}: ${variable}.${property}`).toContain(property);
      }
    }
  });

  it('no Bicep file names a table or a column, or declares columns by hand', () => {
    const names = new Set(tables.flatMap((t) => [t.name, ...Object.keys(t.columns)]));
    for (const file of files) {
      const text = code(file);
      for (const [, literal] of text.matchAll(/'([^'\\]*)'/g)) {
        expect(names.has(literal!), `${file} hard-codes '${literal}'`).toBe(false);
      }
      expect(text, file).not.toMatch(
        /type:\s*'(string|int|long|real|boolean|bool|datetime|dateTime|dynamic)'/,
      );
      expect(text, file).not.toMatch(/_CL\b/);
      expect(text, file).not.toContain(infra.destinationName);
    }
  });
});

describe('app settings', () => {
  const main = code('infra/main.bicep');
  const fn = code('infra/app/function.bicep');
  const keysOf = (text: string, variable: string): string[] => {
    const block = objectAfter(text, new RegExp(`^var ${variable} =`, 'm'));
    if (!block) throw new Error(`no var ${variable}`);
    return topLevelKeys(block);
  };
  const monitor = keysOf(main, 'monitorSettings');
  const alerting = keysOf(main, 'alertingSettings');
  const tunable = keysOf(main, 'tunableSettings');
  const site = keysOf(fn, 'siteSettings');
  // Fleet mode's settings, set only when fleetMode is on; the __credential/__clientId of an
  // identity-based connection are the Functions host's, not src/config.ts's.
  const hostConnection = ['FLEET_QUEUE__credential', 'FLEET_QUEUE__clientId'];
  const fleet = keysOf(main, 'fleetSettingsWhenOn').filter((key) => !hostConnection.includes(key));
  const wired = [...monitor, ...alerting, ...tunable, ...site, ...fleet];
  const configKeys = Object.keys(settingsSchema.shape);

  /** Settings of src/config.ts deliberately not set in Azure, and why. */
  const notInAzure: Record<string, string> = {
    GRAPH_ACCESS_TOKEN: 'a static token for terminals; in Azure the managed identity signs in',
    STATE_TABLE_CONNECTION_STRING:
      'shared keys are disabled; STATE_TABLE_ACCOUNT_URL with the identity instead',
    ALERT_EMAIL_CONNECTION_STRING:
      'an ACS access key; in Azure the identity sends through ALERT_EMAIL_ENDPOINT',
    LOCAL_RETENTION_DAYS:
      'local NDJSON tables and outbox only; in Azure records go to Log Analytics and DATA_DIR is scratch space',
    ALERT_ROUTES_FILE:
      'a file beside a terminal run; in Azure the document is the ALERT_ROUTES app setting (the secure alertRoutes parameter)',
    FLEET_QUEUE:
      'a connection string with a shared key; in Azure FLEET_QUEUE__queueServiceUri with the identity',
  };

  it('sets every setting of src/config.ts, or says why not', () => {
    const missing = configKeys.filter((key) => !wired.includes(key) && !(key in notInAzure));
    if (missing.length > 0) {
      expect.fail(
        `src/config.ts has settings the app does not get in Azure: ${missing.join(', ')}. ` +
          'Add them to monitorSettings, alertingSettings or tunableSettings in infra/main.bicep ' +
          '(or to notInAzure in this test, with the reason).',
      );
    }
    for (const key of Object.keys(notInAzure)) expect(wired).not.toContain(key);
    // Only names src/config.ts still has: a stale entry would hide a setting that came back.
    for (const key of Object.keys(notInAzure)) expect(configKeys).toContain(key);
  });

  it('sets nothing that is not a setting, and nothing twice', () => {
    const unknown = wired.filter((key) => !configKeys.includes(key));
    expect(unknown, 'app settings src/config.ts does not read').toEqual([]);
    expect(new Set(wired).size).toBe(wired.length);
  });

  it('leaves tuning settings blank, so the defaults stay in src/config.ts', () => {
    const block = objectAfter(main, /^var tunableSettings =/m)!;
    for (const key of tunable) expect(block).toMatch(new RegExp(`\\b${key}: ''`));
  });

  it('wires the Azure resources into the settings and hands them all to the function app', () => {
    const block = objectAfter(main, /^var monitorSettings =/m)!;
    expect(block).toMatch(/LOGS_INGESTION_ENDPOINT: dcr\.outputs\.logsIngestionEndpoint/);
    expect(block).toMatch(/LOGS_INGESTION_DCR_IMMUTABLE_ID: dcr\.outputs\.immutableId/);
    expect(block).toMatch(/STATE_TABLE_ACCOUNT_URL: storage\.outputs\.tableEndpoint/);
    expect(block).toMatch(/AZURE_CLIENT_ID: identity\.outputs\.clientId/);
    expect(block).toMatch(/COLLECT_SCHEDULE: collectSchedule/);
    const alertingBlock = objectAfter(main, /^var alertingSettings =/m)!;
    expect(alertingBlock).toMatch(/ALERT_EMAIL_TO: alertEmailTo/);
    expect(alertingBlock).toMatch(/TEAMS_WEBHOOK_URL: teamsWebhookUrl/);
    expect(alertingBlock).toMatch(/ACK_SECRET: ackSecret/);
    expect(alertingBlock).toMatch(/DIGEST_SCHEDULE: digestSchedule/);
    expect(alertingBlock).toMatch(
      /DIGEST_WORKBOOK_URL: '\$\{environment\(\)\.portal\}\/#@\$\{tenant\(\)\.tenantId\}\/resource\$\{workbook\.outputs\.id\}\/workbook'/,
    );
    expect(fn).toMatch(/ACK_BASE_URL: 'https:\/\/\$\{functionApp\.properties\.defaultHostName\}\/api\/ack'/);
    expect(fn).toMatch(/properties: union\(appSettings, siteSettings, platformSettings\)/);
    expect(alertingBlock).toMatch(/ALERT_EMAIL_ENDPOINT: email\.outputs\.endpoint/);
    expect(alertingBlock).toMatch(/ALERT_EMAIL_SENDER: email\.outputs\.senderAddress/);
    // The Azure-managed domain's quotas, not the custom-domain defaults of src/config.ts.
    expect(alertingBlock).toMatch(/EMAIL_MAX_PER_MINUTE: '5'/);
    expect(alertingBlock).toMatch(/EMAIL_MAX_PER_HOUR: '10'/);
    expect(main).toMatch(/param digestSchedule string = '0 0 7 \* \* \*'/);
    expect(main).toMatch(/param collectSchedule string = '0 \*\/5 \* \* \* \*'/);
    expect(main).toMatch(
      /appSettings: union\(tunableSettings, monitorSettings, alertingSettings, fleetSettings, extraAppSettings\)/,
    );
    expect(main).toMatch(/@secure\(\)\s*\n\s*@description\([^\n]*\)\s*\nparam teamsWebhookUrl string = ''/);
    expect(main).toMatch(
      /@secure\(\)\s*\n\s*@description\([^\n]*\)\s*\n@metadata\(\{\s*azd: \{\s*type: 'generate'[\s\S]*?\}\)\s*\nparam ackSecret string\n/,
    );
  });

  it('the function app uses identity-based host storage and Entra-only Application Insights', () => {
    const platform = topLevelKeys(objectAfter(fn, /^var platformSettings =/m)!);
    expect(platform.sort()).toEqual(
      [
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'AzureWebJobsStorage__accountName',
        'AzureWebJobsStorage__clientId',
        'AzureWebJobsStorage__credential',
      ].sort(),
    );
    expect(fn).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/);
    expect(fn).toMatch(/name: 'FC1'/);
    expect(fn).toMatch(/runtime: \{\s*name: 'node'\s*version: '22'/);
    expect(fn).not.toMatch(/FUNCTIONS_WORKER_RUNTIME|FUNCTIONS_EXTENSION_VERSION|WEBSITE_RUN_FROM_PACKAGE/);
    expect(fn).toMatch(/@secure\(\)[^\n]*\n[^\n]*\nparam appSettings object/);
    const storage = code('infra/core/storage.bicep');
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    expect(storage).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(code('infra/core/monitoring.bicep')).toMatch(/DisableLocalAuth: true/);
  });
});

describe('role assignments', () => {
  /** Built-in role definition ids, checked against the role names in the comments next to them. */
  const builtInRoles: Record<string, string> = {
    '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
    'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
    '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
    '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
    '09976791-48a7-449e-bb21-39d1a415f350': 'Communication and Email Service Owner',
  };

  const roleVariables = files.flatMap((file) =>
    [...readRepoFile(file).matchAll(/^var (\w+RoleId) = '([^']+)'(.*)$/gm)].map((m) => ({
      file,
      variable: m[1]!,
      id: m[2]!,
      comment: m[3]!,
    })),
  );

  it('names each role id in a comment, and only known built-in roles are used', () => {
    expect(roleVariables.length).toBeGreaterThanOrEqual(6);
    for (const role of roleVariables) {
      const name = builtInRoles[role.id];
      expect(name, `${role.file}: ${role.variable}`).toBeDefined();
      expect(role.comment, `${role.file}: ${role.variable}`).toBe(` // ${name}`);
    }
  });

  it('assigns exactly the intended roles, each with a deterministic guid() name, to service principals', () => {
    const assigned: string[] = [];
    for (const file of files) {
      const text = code(file);
      for (const match of text.matchAll(
        /^resource \w+ 'Microsoft\.Authorization\/roleAssignments@[^']+' = \{/gm,
      )) {
        const body = blockAt(text, match.index + match[0].length - 1);
        expect(body, file).toMatch(/name: guid\(\w+\.id, \w+, \w+RoleId\)/);
        expect(body, file).toMatch(/principalType: 'ServicePrincipal'/);
        const scope = /scope: (\w+)/.exec(body)![1]!;
        const variable = /roleDefinitions',\s*(\w+RoleId)\s*\)/.exec(body)![1]!;
        const role = roleVariables.find((r) => r.file === file && r.variable === variable)!;
        assigned.push(`${builtInRoles[role.id]} on ${file.replace('infra/', '')}:${scope}`);
      }
    }
    expect(assigned.sort()).toEqual(
      [
        'Communication and Email Service Owner on app/email.bicep:communicationService',
        'Monitoring Metrics Publisher on app/dcr.bicep:dcr',
        'Monitoring Metrics Publisher on app/rbac.bicep:applicationInsights',
        'Storage Blob Data Owner on app/rbac.bicep:storage',
        'Storage Queue Data Contributor on app/rbac.bicep:storage',
        'Storage Table Data Contributor on app/rbac.bicep:storage',
      ].sort(),
    );
  });
});

describe('workbook and watcher', () => {
  it('deploys the workbook JSON with the workspace filled in', () => {
    const bicep = code('infra/app/workbook.bicep');
    const placeholder = /var workspacePlaceholder = '([^']+)'/.exec(bicep)![1]!;
    expect(bicep).toMatch(/loadTextContent\('\.\.\/workbook\/cloud-sync-monitor\.workbook\.json'\)/);
    const workbook = JSON.parse(readRepoFile('infra/workbook/cloud-sync-monitor.workbook.json'));
    expect(workbook.version).toBe('Notebook/1.0');
    expect(workbook.fallbackResourceIds).toEqual([placeholder]);
    const names = (workbook.items as { name: string }[]).map((item) => item.name);
    expect(new Set(names).size).toBe(names.length);
    const parameters = (workbook.items as { type: number; content: { parameters?: { name: string }[] } }[])
      .filter((item) => item.type === 9)
      .flatMap((item) => item.content.parameters ?? [])
      .map((p) => p.name);
    expect(parameters).toEqual(['TimeRange', 'Tenant']);
  });

  it('alerts when no successful run for staleAfterMinutes, every 5 minutes, to email and the azureMonitorAlert webhook', () => {
    const watcher = code('infra/app/watcher.bicep');
    expect(watcher).toMatch(/evaluationFrequency: 'PT5M'/);
    expect(watcher).toMatch(/windowSize: 'PT\$\{staleAfterMinutes\}M'/);
    expect(watcher).toMatch(/query: loadTextContent\('\.\.\/queries\/monitor-successful-runs\.kql'\)/);
    expect(watcher).toMatch(/timeAggregation: 'Count'\s*operator: 'LessThan'\s*threshold: 1/);
    expect(watcher).toMatch(/useCommonAlertSchema: true/);
    // The key comes from the postdeploy hook (read from the deployed app), never from listKeys() here.
    expect(watcher).toMatch(
      /serviceUri: 'https:\/\/\$\{functionAppHostName\}\/api\/azureMonitorAlert\?code=\$\{webhookKey\}'/,
    );
    expect(watcher).not.toMatch(/listKeys/);
    expect(code('infra/main.bicep')).toMatch(/param staleAfterMinutes int = 0/);
    expect(watcher).toMatch(/groupShortName: '.{1,12}'/);
  });
});
