import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { toolOrSkip } from '../support/externalTools.js';
import { powershellParseErrors } from '../support/powershellParser.js';
import { tempDataDir } from '../support/collectHarness.js';
import { buildProject } from '../support/buildProject.js';
import {
  fromCard,
  fromHtml,
  fromText,
  cutPathsIn,
  formProblems,
  languageOf,
  unescapeHtml,
  type Extracted,
} from './messageCommands.js';

/*
 * Every command and URL in every message of the demo day is whole and runnable (issue 10): `npm start`'s
 * demo is run into a temporary data dir, each alert message read back from the outbox in its three forms
 * (HTML part, text part, Teams card), and each command and URL checked: no ellipsis, no zero-width or
 * bidi character, no placeholder where an id belongs, quotes balanced, URLs that parse; the PowerShell
 * ones are parsed by PowerShell's own parser (pwsh: scripts/ci/install-tools.sh; with CI=true a missing
 * pwsh fails this file).
 */
const exec = promisify(execFile);
/** The built project (shared by the test files that run it as a process: see buildProject). */
let buildDir: string;
const pwsh = toolOrSkip('pwsh');

interface Message {
  readonly file: string;
  readonly subject: string;
  readonly forms: Record<'html' | 'text' | 'card', Extracted>;
  readonly raw: string;
  readonly text: string;
}

let messages: Message[] = [];
let alertIds: Map<string, string[]>;

beforeAll(async () => {
  buildDir = buildProject();
  const dataDir = await tempDataDir();
  await exec(process.execPath, [path.join(buildDir, 'src/cli.js'), 'demo', '--data-dir', dataDir], {
    timeout: 300_000,
  });
  const outbox = path.join(dataDir, 'outbox');
  const files = (await readdir(outbox)).filter((f) => f.includes('-alerts-')).sort();
  const byId = new Map<string, { email?: Record<string, unknown>; teams?: Record<string, unknown> }>();
  for (const file of files) {
    const id = file.replace(/^\d{8}T\d{6}Z-(email|teams)-/, '');
    const entry = byId.get(id) ?? {};
    const body = JSON.parse(await readFile(path.join(outbox, file), 'utf8')) as Record<string, unknown>;
    if (file.includes('-email-')) entry.email = body;
    else entry.teams = body;
    byId.set(id, entry);
  }
  messages = [...byId.entries()].map(([file, { email, teams }]) => {
    const content = (email?.content ?? {}) as { subject: string; html: string; plainText: string };
    const attachments = (teams?.attachments ?? []) as { content: Record<string, unknown> }[];
    const card = attachments[0]?.content ?? {};
    return {
      file,
      subject: content.subject,
      forms: { html: fromHtml(content.html), text: fromText(content.plainText), card: fromCard(card) },
      raw: `${content.html}\n${content.plainText}\n${JSON.stringify(card)}`,
      text: content.plainText,
    };
  });
  // Alert ids per message, from the rows of the transitions that were sent.
  const rows = (await readFile(path.join(dataDir, 'tables', 'CloudSyncAlert_CL.ndjson'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { AlertId: string; TimeGenerated: string; Channels: string[] | null });
  alertIds = new Map();
  for (const row of rows.filter((r) => (r.Channels ?? []).length > 0)) {
    const stamp = row.TimeGenerated.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    alertIds.set(stamp, [...(alertIds.get(stamp) ?? []), row.AlertId]);
  }
}, 600_000);

describe('commands and URLs in every demo-day message', () => {
  it('has messages with commands in all three forms', () => {
    expect(messages.length).toBeGreaterThanOrEqual(8);
    for (const form of ['html', 'text', 'card'] as const) {
      expect(messages.flatMap((m) => m.forms[form].code).length, form).toBeGreaterThan(5);
      expect(messages.flatMap((m) => m.forms[form].urls).length, form).toBeGreaterThan(5);
    }
  });

  it('every command and URL is whole: no ellipsis, no invisible characters, ids present, quotes balanced', () => {
    const bad: string[] = [];
    for (const m of messages) {
      for (const [form, extracted] of Object.entries(m.forms))
        bad.push(...formProblems(`${m.file} ${form}`, extracted));
      bad.push(...cutPathsIn(m.text).map((p) => `${m.file} text: cut path ${p}`));
      // Directory and Graph text has its URLs broken on purpose (no auto-links from data); a Microsoft
      // URL in it must then also be offered whole, as a link.
      const text = unescapeHtml(m.raw.replace(/\\u200b/g, '\u200b'));
      for (const broken of text.matchAll(/https?\u200b:\/\/([^\s"'<>()&]+)/gu)) {
        const whole = `https://${(broken[1] ?? '').replace(/[.,;:]+$/, '')}`;
        if (/microsoft\.com|aka\.ms/.test(whole) && !m.forms.html.urls.includes(whole))
          bad.push(`${m.file}: ${whole} only as broken text`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the "allow deletes" Graph call is whole in every form: job id, /restart, the ForceDeletes body', () => {
    const trip = messages.find((m) => /Deletion threshold exceeded/.test(m.subject));
    expect(trip, 'the deletion-threshold message').toBeDefined();
    for (const [form, extracted] of Object.entries(trip!.forms)) {
      const call = extracted.code.flat().find((l) => l.startsWith('Invoke-MgGraphRequest'));
      expect(call, form).toMatch(
        /^Invoke-MgGraphRequest -Method POST -Uri 'https:\/\/graph\.microsoft\.com\/v1\.0\/servicePrincipals\/[0-9a-f-]{36}\/synchronization\/jobs\/AD2AADProvisioning\.[0-9a-f]{32}\/restart' -Body '\{"criteria":\{"resetScope":"ForceDeletes"\}\}' -ContentType 'application\/json'$/,
      );
    }
  });

  it('agent-host commands select the services by their service names, never one display name', () => {
    const lines = messages.flatMap((m) => m.forms.text.code.flat());
    const service = lines.filter((l) => /-Service\b/.test(l));
    expect(service.length).toBeGreaterThan(0);
    for (const line of service) {
      expect(line).not.toMatch(/-DisplayName/);
      expect(line).toMatch(/-Name (AADConnectProvisioningAgent|AzureADConnectAgentUpdater)\b/);
    }
  });

  it('each message names the alert ids of its transitions and links to the job and configuration in Entra', () => {
    for (const m of messages) {
      const stamp = m.file.slice(0, 16);
      const ids = [...alertIds.entries()].find(([s]) => m.file.includes(s) || stamp.startsWith(s))?.[1] ?? [];
      for (const id of ids) expect(m.raw, `${m.file} names ${id}`).toContain(id);
      const urls = m.forms.html.urls;
      expect(
        urls.some((u) => u.startsWith('https://entra.microsoft.com/')),
        m.file,
      ).toBe(true);
    }
    const jobMessages = messages.filter((m) => /Job ID = /.test(m.raw));
    expect(jobMessages.length).toBeGreaterThan(5);
    for (const m of jobMessages) {
      expect(
        m.forms.html.urls.some((u) => u.includes('ProvisioningEvents')),
        m.file,
      ).toBe(true);
      expect(
        m.forms.html.urls.some((u) => u.includes('AADConnectMenuBlade')),
        m.file,
      ).toBe(true);
    }
  });

  it.skipIf(pwsh.skip)(
    "every PowerShell command parses with PowerShell's own parser",
    { timeout: 180_000 },
    async () => {
      const blocks = new Map<string, string>();
      for (const m of messages) {
        for (const [form, extracted] of Object.entries(m.forms)) {
          for (const block of extracted.code) {
            if (languageOf(block) === 'powershell') blocks.set(block.join('\n'), `${m.file} ${form}`);
          }
        }
      }
      const scripts = [...blocks.keys()];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      const errors = await powershellParseErrors(pwsh.path!, scripts);
      const bad = scripts.flatMap((script, i) =>
        (errors[i] ?? []).length > 0 ? [`${blocks.get(script)}: ${script}: ${errors[i]!.join('; ')}`] : [],
      );
      expect(bad).toEqual([]);
    },
  );
});
