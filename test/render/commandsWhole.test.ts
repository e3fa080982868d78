import { describe, expect, it } from 'vitest';
import { toolOrSkip } from '../support/externalTools.js';
import { powershellParseErrors } from '../support/powershellParser.js';
import { ackUrlFor, renderSample, resolvedTransitions, sampleTransitions } from './fixtures.js';
import { cutPathsIn, formProblems, fromCard, fromHtml, fromText, languageOf } from './messageCommands.js';

/*
 * Every command and URL of a message of every kind (the fixtures hold one transition of each, a paused
 * job and a resolved deletion trip among them) is whole in the HTML part, the text part and the Teams
 * card, and the PowerShell parses with PowerShell's own parser. test/render/demoCommands.test.ts does the
 * same over the demo day's real messages.
 */
const pwsh = toolOrSkip('pwsh');

const WORKBOOK = 'https://portal.azure.com/#@contoso.onmicrosoft.com/resource/subscriptions/0000/workbook';
const messages = [sampleTransitions(), resolvedTransitions()].map((transitions) =>
  renderSample(transitions, { workbookUrl: WORKBOOK }),
);
const forms = messages.map((m) => ({
  html: fromHtml(m.email.html),
  text: fromText(m.email.plainText),
  card: fromCard(m.teams.card),
}));

describe('commands and URLs of every kind of alert', () => {
  it('are whole in every form: no ellipsis, no invisible characters, ids present, quotes balanced', () => {
    const bad = forms.flatMap((f, i) => [
      ...Object.entries(f).flatMap(([form, extracted]) =>
        formProblems(`message ${i + 1} ${form}`, extracted),
      ),
      ...cutPathsIn(messages[i]!.email.plainText).map((p) => `message ${i + 1}: cut path ${p}`),
    ]);
    expect(bad).toEqual([]);
    // The same commands in every form (the card shows fewer steps, never other ones).
    for (const f of forms) {
      expect(f.html.code).toEqual(f.text.code);
      const text = f.text.code.map((b) => b.join('\n'));
      for (const block of f.card.code) expect(text).toContain(block.join('\n'));
    }
  });

  it('resume a paused job with the whole Graph call', () => {
    expect(messages[0]!.email.plainText).toMatch(
      /Invoke-MgGraphRequest -Method POST -Uri 'https:\/\/graph\.microsoft\.com\/v1\.0\/servicePrincipals\/[0-9a-f-]{36}\/synchronization\/jobs\/AD2AADProvisioning\.[0-9a-f]{32}\/start'\n/,
    );
  });

  it('name the alert id and link to the workbook, the provisioning logs, the configuration and the ack page', () => {
    for (const transition of sampleTransitions().filter((t) => t.transition !== 'resolved')) {
      const { email } = messages[0]!;
      expect(email.plainText).toContain(`Alert id:`);
      expect(email.plainText).toContain(transition.alert.id);
      expect(email.plainText).toContain(ackUrlFor(transition.alert));
    }
    const text = messages[0]!.email.plainText;
    expect(text).toMatch(/Alert deletion-threshold:\S+ in the workbook: https:\/\/portal\.azure\.com\//);
    expect(text).toContain(
      'Provisioning logs (filter: Job ID): https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents',
    );
    expect(text).toContain(
      'Cloud sync configuration: https://entra.microsoft.com/#view/Microsoft_AAD_Connect_Provisioning/AADConnectMenuBlade/~/CloudSync',
    );
    expect(text).toContain(
      'Provisioning log filter:  Job ID = AD2AADProvisioning.3f9a1c7e5b2d4e6f8a0b1c2d3e4f5a6b',
    );
  });

  it.skipIf(pwsh.skip)("parse with PowerShell's own parser", { timeout: 120_000 }, async () => {
    const scripts = [
      ...new Set(
        forms.flatMap((f) =>
          Object.values(f).flatMap((e) =>
            e.code.filter((b) => languageOf(b) === 'powershell').map((b) => b.join('\n')),
          ),
        ),
      ),
    ];
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    const errors = await powershellParseErrors(pwsh.path!, [...scripts, "Get-Service -Name 'unbalanced"]);
    expect(errors.at(-1)?.length, 'the parser finds a broken command').toBeGreaterThan(0);
    const bad = scripts.flatMap((s, i) =>
      (errors[i] ?? []).length > 0 ? [`${s}: ${errors[i]!.join('; ')}`] : [],
    );
    expect(bad).toEqual([]);
  });
});
