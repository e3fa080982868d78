import { renderAlertMessage } from '../../src/render/alertMessage.js';
import { renderCardPreviewHtml } from '../../src/render/cardPreview.js';
import { GENERATED_AT, TENANT_ID, ackUrlFor, resolvedTransitions, sampleTransitions } from './fixtures.js';

/**
 * The pages the screenshot script and the Chromium test render: the alert email (HTML part) and the
 * Teams card (through the card preview), each for realistic data and for hostile directory data.
 */
export interface PreviewPage {
  readonly name: string;
  readonly html: string;
  readonly kind: 'email' | 'card';
  readonly hostile: boolean;
}

export function previewPages(): PreviewPage[] {
  const pages: PreviewPage[] = [];
  for (const hostile of [false, true]) {
    const message = renderAlertMessage({
      tenantId: TENANT_ID,
      tenantName: hostile ? 'Contoso <script>window.__pwned="tenant"</script>' : 'Contoso',
      generatedAt: GENERATED_AT,
      transitions: sampleTransitions({ hostile }),
      ackUrlFor,
    });
    const suffix = hostile ? '-hostile' : '';
    pages.push({ name: `alert-email${suffix}`, html: message.email.html, kind: 'email', hostile });
    pages.push({
      name: `teams-card${suffix}`,
      html: renderCardPreviewHtml(message.teams.card, message.email.subject),
      kind: 'card',
      hostile,
    });
  }
  // A message that resolves: the deletion trip (deletes allowed, how many deleted) and a quarantine.
  const resolved = renderAlertMessage({
    tenantId: TENANT_ID,
    tenantName: 'Contoso',
    generatedAt: resolvedTransitions()[0]!.at,
    transitions: resolvedTransitions(),
    ackUrlFor,
  });
  pages.push({ name: 'alert-email-resolved', html: resolved.email.html, kind: 'email', hostile: false });
  pages.push({
    name: 'teams-card-resolved',
    html: renderCardPreviewHtml(resolved.teams.card, resolved.email.subject),
    kind: 'card',
    hostile: false,
  });
  return pages;
}
