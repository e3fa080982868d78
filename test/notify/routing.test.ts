import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config.js';
import { receiverChannels, routeAlert } from '../../src/notify/routing.js';
import { parseRouting } from '../../src/notify/routingDocument.js';
import type { Alert } from '../../src/domain/alertModel.js';

/**
 * Issue 11 item 2: the routing document is checked at start-up, every problem at once, each named by
 * its place in the document, no webhook URL quoted; the README's worked examples stay valid.
 */
const SECRET_URL = 'http://prod-00.westeurope.logic.azure.com/workflows/1/invoke?sig=TopSecretSignature123';

function problemsOf(document: unknown): string[] {
  try {
    loadSettings({}, { ALERT_ROUTES: JSON.stringify(document) });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('the routing document at start-up', () => {
  it('a bad document fails start-up naming each problem, together, without quoting a webhook', () => {
    const problems = problemsOf({
      receivers: [
        { name: 'ops', email: ['ops@contoso.example'] },
        { name: 'oncall', teams: [SECRET_URL] },
      ],
      routes: [
        { match: { severity: 'urgent' }, receivers: ['oncall'] },
        { match: { configuration: 'contoso.com' }, receivers: ['oncal'] },
      ],
      defaultReceiver: 'ops',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ALERT_ROUTES receivers\[1\]\.teams\[0\]: must be an https:\/\/ URL \(value not shown\)$/,
        ),
        expect.stringMatching(
          /^ALERT_ROUTES routes\[0\]\.match\.severity\[0\]: must be a severity: warning, critical$/,
        ),
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/TopSecretSignature123|logic\.azure\.com/);
  });

  it('references, duplicates, unknown labels and empty receivers are all named, together', () => {
    const problems = problemsOf({
      receivers: [
        { name: 'ops', email: ['ops@contoso.example'] },
        { name: 'OPS', email: 'not-an-address' },
        { name: 'nobody' },
      ],
      routes: [{ match: { domain: 'contoso.com' }, receivers: ['oncall'] }],
      defaultReceiver: 'platform',
      digestReceivers: ['ops'],
    });
    expect(problems).toEqual([
      'ALERT_ROUTES receivers[1].email[0]: must be an email address',
      "ALERT_ROUTES routes[0].match: unknown field 'domain' (labels: kind, severity, configuration, jobFamily, tenant, alertId)",
    ]);
    // The shape is right once those are fixed: the cross checks speak then.
    const more = problemsOf({
      receivers: [
        { name: 'ops', email: ['ops@contoso.example'] },
        { name: 'OPS', email: 'ops2@contoso.example' },
        { name: 'nobody' },
      ],
      routes: [{ match: { configuration: 'contoso.com' }, receivers: ['oncall'] }],
      defaultReceiver: 'platform',
    });
    expect(more).toEqual([
      "ALERT_ROUTES receivers[1].name: 'OPS' is used by another receiver",
      "ALERT_ROUTES receivers[2]: 'nobody' has no email and no teams: it could tell nobody",
      "ALERT_ROUTES defaultReceiver: no receiver named 'platform' (receivers: ops, OPS, nobody)",
      "ALERT_ROUTES routes[0].receivers[0]: no receiver named 'oncall' (receivers: ops, OPS, nobody)",
    ]);
  });

  it('routing problems come with the other settings problems, and JSON errors say so', () => {
    let error: unknown;
    try {
      loadSettings({}, { ALERT_ROUTES: '{"receivers": [', RUN_LEASE_SECONDS: 'abc' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.some((p) => p.startsWith('RUN_LEASE_SECONDS'))).toBe(true);
    expect(problems.some((p) => /^ALERT_ROUTES is not valid JSON/.test(p))).toBe(true);
  });

  it('ALERT_ROUTES_FILE is read at start-up; a missing file is named', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routes-'));
    try {
      const file = path.join(dir, 'routes.json');
      await writeFile(
        file,
        JSON.stringify({
          receivers: [{ name: 'ops', email: 'ops@contoso.example' }],
          defaultReceiver: 'ops',
        }),
      );
      const settings = loadSettings({}, { ALERT_ROUTES_FILE: file });
      expect(receiverChannels(settings.notify.routing!).map((c) => c.id)).toEqual(['ops.email']);
      expect(() => loadSettings({}, { ALERT_ROUTES_FILE: path.join(dir, 'missing.json') })).toThrow(
        /ALERT_ROUTES_FILE cannot read '.*missing\.json' \(ENOENT\)/,
      );
      expect(() => loadSettings({}, { ALERT_ROUTES_FILE: file, ALERT_ROUTES: '{}' })).toThrow(
        /set ALERT_ROUTES or ALERT_ROUTES_FILE, not both/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('routing and the single-receiver settings', () => {
  it('without ALERT_ROUTES: one implicit receiver, channels email and teams; with it, a warning that those are unused', () => {
    const plain = loadSettings({}, { ALERT_EMAIL_TO: 'ops@contoso.example' });
    expect(plain.notify.routing).toBeUndefined();
    expect(plain.notify.warnings).toEqual([]);
    const routed = loadSettings(
      {},
      {
        ALERT_EMAIL_TO: 'ops@contoso.example',
        ALERT_ROUTES: JSON.stringify({
          receivers: [{ name: 'ops', email: 'ops@contoso.example' }],
          defaultReceiver: 'ops',
        }),
      },
    );
    expect(routed.notify.warnings.map((w) => w.code)).toEqual(['RoutingReplacesChannels']);
  });
});

describe("the README's routing examples", () => {
  it('are three valid documents that route as the README says', async () => {
    const readme = await readFile('README.md', 'utf8');
    const section = readme.slice(
      readme.indexOf('## Routing'),
      readme.indexOf('\n## ', readme.indexOf('## Routing') + 3),
    );
    const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(3);
    const routings = blocks.map((text, i) => {
      const parsed = parseRouting(text, `README example ${i + 1}`);
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      return parsed.routing;
    });
    const alert = (severity: 'warning' | 'critical', configurationName: string) =>
      ({
        kind: 'sync-errors',
        severity,
        subject: { tenantId: 't', configurationName },
        id: 'a',
      }) as unknown as Alert;
    const to = (i: number, a: Alert) => routeAlert(routings[i]!, a).map((r) => r.receiver);
    expect(to(0, alert('warning', 'contoso.com'))).toEqual(['identity-team']);
    expect(to(1, alert('warning', 'fabrikam.com'))).toEqual(['fabrikam']);
    expect(to(1, alert('critical', 'northwind.local'))).toEqual(['platform']);
    expect(routings[1]!.digestReceivers).toEqual(['platform', 'contoso', 'fabrikam']);
    expect(to(2, alert('critical', 'contoso.com'))).toEqual(['oncall']);
    expect(to(2, alert('warning', 'contoso.com'))).toEqual([]);
    expect(routings[2]!.digestReceivers).toEqual(['identity-team']);
  });
});
