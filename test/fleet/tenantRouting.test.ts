import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alertModel.js';
import { tenantIdentity } from '../../src/fleet/tenantEntry.js';
import { channelsForMessage } from '../../src/notify/channels.js';
import { routeAlert, routeDigest, type Routing } from '../../src/notify/routing.js';
import { parseRouting } from '../../src/notify/routingDocument.js';
import { loadSettings } from '../../src/config.js';
import { CONTOSO, FABRIKAM, fleetEntry } from './tenantEntries.js';

/**
 * Issue 13 item 3: in fleet mode a route's `tenant` matcher accepts the tenant's routing label (the
 * registry entry's `--routing-tenant`, default its display name) as well as its id, and each tenant's
 * digest goes where its tenant-only routes send it. The README's fleet routing example routes as the
 * README says.
 */
const NORTHWIND = '3a0a0000-0000-4000-8000-00000000a0a0';

const contoso = tenantIdentity(fleetEntry(CONTOSO, 'Contoso Ltd', 'contoso'));
const fabrikam = tenantIdentity(fleetEntry(FABRIKAM, 'Fabrikam'));
const northwind = tenantIdentity(fleetEntry(NORTHWIND, 'Northwind Traders'));

const alert = (tenantId: string, severity: 'warning' | 'critical', kind = 'sync-errors'): Alert =>
  ({
    kind,
    severity,
    id: `${kind}:x`,
    subject: { tenantId, configurationName: 'corp.example' },
  }) as unknown as Alert;

async function readmeFleetRouting(): Promise<{ text: string; routing: Routing }> {
  const readme = await readFile('README.md', 'utf8');
  const start = readme.indexOf('## Many tenants: fleet mode');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 3));
  const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/^ {3}/gm, ''));
  expect(blocks).toHaveLength(1);
  const parsed = parseRouting(blocks[0]!, 'README fleet example');
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return { text: blocks[0]!, routing: parsed.routing };
}

describe('routing per tenant (fleet mode)', () => {
  it("the README's fleet example sends each customer's alerts to its receivers, critical ones also to on-call", async () => {
    const { routing } = await readmeFleetRouting();
    const to = (a: Alert, t: typeof contoso) => routeAlert(routing, a, t).map((r) => r.receiver);
    // Contoso matches by its routing label, Fabrikam by its display name (no --routing-tenant).
    expect(to(alert(CONTOSO, 'warning'), contoso)).toEqual(['contoso']);
    expect(to(alert(CONTOSO, 'critical'), contoso)).toEqual(['contoso', 'msp-oncall']);
    expect(to(alert(FABRIKAM, 'warning'), fabrikam)).toEqual(['fabrikam']);
    // A tenant without a route of its own: the MSP's.
    expect(to(alert(NORTHWIND, 'warning'), northwind)).toEqual(['msp-desk']);
    expect(to(alert(NORTHWIND, 'critical'), northwind)).toEqual(['msp-oncall']);
    // The label belongs to the tenant whose alerts these are: another tenant's label never matches.
    expect(to(alert(NORTHWIND, 'warning'), contoso)).toEqual(['msp-desk']);
    // Without the identity (one tenant) the matcher compares the id only, as before.
    expect(routeAlert(routing, alert(CONTOSO, 'warning')).map((r) => r.receiver)).toEqual(['msp-desk']);

    // Digests: a tenant's own to its tenant-only route; the others' and the fleet digest to the desk.
    expect(routeDigest(routing, contoso)).toEqual(['contoso']);
    expect(routeDigest(routing, fabrikam)).toEqual(['fabrikam']);
    expect(routeDigest(routing, northwind)).toEqual(['msp-desk']);
    expect(routing.digestReceivers).toEqual(['msp-desk']);
  });

  it('a tenant matcher on the tenant id still works, and a tenant-only route with no receivers sends its digest nowhere', () => {
    const parsed = parseRouting(
      JSON.stringify({
        receivers: [
          { name: 'msp', email: 'noc@msp.example' },
          { name: 'contoso', email: 'it@contoso.com' },
        ],
        routes: [
          { match: { tenant: CONTOSO.toUpperCase(), severity: 'critical' }, receivers: ['contoso'] },
          { match: { tenant: 'Fabrikam' }, receivers: [] },
        ],
        defaultReceiver: 'msp',
      }),
      'ALERT_ROUTES',
    );
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const { routing } = parsed;
    expect(routeAlert(routing, alert(CONTOSO, 'critical'), contoso).map((r) => r.receiver)).toEqual([
      'contoso',
    ]);
    // That route also asks for a severity: it is about alerts, the digest goes to the digest receivers.
    expect(routeDigest(routing, contoso)).toEqual(['msp']);
    expect(routeDigest(routing, fabrikam)).toEqual([]);
    expect(routeAlert(routing, alert(FABRIKAM, 'critical'), fabrikam)).toEqual([]);
  });

  it("picks a tenant digest's channels through the deployment's settings; without routing, every channel", async () => {
    const { text } = await readmeFleetRouting();
    const routed = loadSettings({}, { ALERT_ROUTES: text }).notify;
    expect(channelsForMessage(routed, 'digest', contoso)).toEqual(['contoso.email']);
    expect(channelsForMessage(routed, 'digest', northwind)).toEqual(['msp-desk.email']);
    expect(channelsForMessage(routed, 'digest')).toEqual(['msp-desk.email']);
    const plain = loadSettings({}, {}).notify;
    expect(channelsForMessage(plain, 'digest', contoso)).toEqual(['email', 'teams']);
  });
});
