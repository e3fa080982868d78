import { describe, expect, it } from 'vitest';
import { outputsOf, paramsOf, readRepoFile, repoFileExists } from './infraFiles.js';

/*
 * azure.yaml and infra/main.parameters.json: valid, and naming what exists. azure.yaml is read with a parser
 * for the YAML subset it uses (nested mappings of plain scalars), which refuses anything else rather than
 * guessing, so the file stays that simple.
 */

type YamlMap = { [key: string]: string | boolean | YamlMap };

function parseSimpleYaml(text: string): YamlMap {
  const root: YamlMap = {};
  const stack: { indent: number; map: YamlMap }[] = [{ indent: -1, map: root }];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (line.trim() === '') continue;
    const match = /^( *)([A-Za-z_][\w-]*):(?: (.*))?$/.exec(line);
    if (!match) throw new Error(`azure.yaml line ${index + 1}: not a "key: value" line: ${raw}`);
    const indent = match[1]!.length;
    while (stack.length > 1 && indent <= stack[stack.length - 1]!.indent) stack.pop();
    const parent = stack[stack.length - 1]!.map;
    const key = match[2]!;
    if (key in parent) throw new Error(`azure.yaml line ${index + 1}: duplicate key ${key}`);
    const value = match[3]?.trim();
    if (value === undefined || value === '') {
      const child: YamlMap = {};
      parent[key] = child;
      stack.push({ indent, map: child });
    } else if (/^[[{&*!|>'"]/.test(value)) {
      throw new Error(`azure.yaml line ${index + 1}: unsupported YAML value ${value}`);
    } else {
      parent[key] = value === 'true' ? true : value === 'false' ? false : value;
    }
  }
  return root;
}

describe('azure.yaml', () => {
  const yaml = parseSimpleYaml(readRepoFile('azure.yaml'));

  it('names the project, the Bicep infra and the function app service', () => {
    expect(yaml.name).toBe('cloud-sync-monitor');
    expect(yaml.infra).toEqual({ provider: 'bicep', path: 'infra', module: 'main' });
    expect(repoFileExists('infra/main.bicep')).toBe(true);
    expect(yaml.services).toEqual({
      monitor: {
        project: '.',
        language: 'js',
        host: 'function',
        dist: '.deploy',
        hooks: {
          prepackage: {
            posix: { shell: 'sh', run: 'npm run package' },
            windows: { shell: 'pwsh', run: 'npm run package' },
          },
        },
      },
    });
  });

  it('tags the function app with the service name, so azd deploy finds it', () => {
    expect(readRepoFile('infra/main.bicep')).toMatch(/var serviceName = 'monitor'/);
    expect(readRepoFile('infra/app/function.bicep')).toMatch(/'azd-service-name': serviceName/);
  });

  it('runs the Graph grant after provisioning and the webhook step after deploying, on both shells, never blocking', () => {
    const hooks = yaml.hooks as YamlMap;
    const expected: Record<string, string> = {
      postprovision: 'grant-graph-permissions',
      postdeploy: 'postdeploy',
    };
    expect(Object.keys(hooks).sort()).toEqual(Object.keys(expected).sort());
    for (const [hook, script] of Object.entries(expected)) {
      const { posix, windows } = hooks[hook] as { posix: YamlMap; windows: YamlMap };
      expect(posix).toMatchObject({
        shell: 'sh',
        run: `./infra/scripts/${script}.sh`,
        continueOnError: true,
      });
      expect(windows).toMatchObject({
        shell: 'pwsh',
        run: `./infra/scripts/${script}.ps1`,
        continueOnError: true,
      });
      expect(repoFileExists(posix.run as string)).toBe(true);
      expect(repoFileExists(windows.run as string)).toBe(true);
    }
  });

  it('the parser refuses what it does not understand', () => {
    expect(() => parseSimpleYaml('a:\n  - b\n')).toThrow(/not a "key: value" line/);
    expect(() => parseSimpleYaml('a: [b]\n')).toThrow(/unsupported/);
    expect(() => parseSimpleYaml('a: 1\na: 2\n')).toThrow(/duplicate/);
  });
});

describe('infra/main.parameters.json', () => {
  const file = JSON.parse(readRepoFile('infra/main.parameters.json'));
  const parameters = file.parameters as Record<string, { value: unknown }>;
  const declared = paramsOf('infra/main.bicep');

  it('is a deployment parameters file for main.bicep', () => {
    expect(file.$schema).toBe(
      'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#',
    );
    expect(file.contentVersion).toBe('1.0.0.0');
    for (const name of Object.keys(parameters)) expect(declared.map((p) => p.name)).toContain(name);
    // A required parameter comes from this file, or azd generates it (metadata type 'generate').
    const generated = [
      ...readRepoFile('infra/main.bicep').matchAll(
        /@metadata\(\{\s*azd: \{\s*type: 'generate'[\s\S]*?\}\)\s*\nparam (\w+)/g,
      ),
    ].map((m) => m[1]!);
    expect(generated).toEqual(['ackSecret']);
    for (const param of declared.filter((p) => p.required && !generated.includes(p.name))) {
      expect(Object.keys(parameters)).toContain(param.name);
    }
    for (const name of generated) expect(Object.keys(parameters)).not.toContain(name);
  });

  it('maps the azd environment into the parameters', () => {
    expect(parameters.environmentName!.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.location!.value).toBe('${AZURE_LOCATION}');
    expect(parameters.alertWebhookKey!.value).toBe('${ALERT_WEBHOOK_KEY=}');
    expect(parameters.staleAfterMinutes!.value).toBe('${WATCHER_STALE_MINUTES=0}');
    expect(parameters.alertEmailTo!.value).toBe('${ALERT_EMAIL_TO=}');
    expect(parameters.teamsWebhookUrl!.value).toBe('${TEAMS_WEBHOOK_URL=}');
    for (const [name, { value }] of Object.entries(parameters)) {
      if (typeof value === 'string') expect(value, name).toMatch(/^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$/);
    }
  });

  it('reads no environment variable that a main.bicep output would overwrite with something else', () => {
    const inputs = Object.values(parameters)
      .map(({ value }) => (typeof value === 'string' ? /^\$\{([A-Z0-9_]+)/.exec(value)?.[1] : undefined))
      .filter((name): name is string => name !== undefined);
    const outputs = outputsOf('infra/main.bicep');
    // AZURE_LOCATION comes back unchanged; anything else would feed an output into the next provisioning.
    expect(inputs.filter((name) => outputs.includes(name))).toEqual(['AZURE_LOCATION']);
  });
});
