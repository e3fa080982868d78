import type { DispatchReport, NotifyDependencies } from '../notify/dispatch.js';
import { dispatch } from '../notify/dispatch.js';
import type { OutboundMessage } from '../notify/message.js';
import {
  fleetDigestSubject,
  renderFleetDigestCard,
  renderFleetDigestHtml,
  renderFleetDigestText,
} from '../render/fleetDigest.js';
import { sendDailyDigest } from '../app/digest.js';
import type { SendDigestSettings } from '../digest/settings.js';
import type { DigestModel } from '../domain/digestModel.js';
import type { Logger } from '../log.js';
import type { ChannelReport } from '../notify/delivery.js';
import {
  failedRow,
  fleetDigestModel,
  fleetRow,
  type FleetDigestModel,
  type FleetDigestRow,
} from './fleetDigest.js';
import { FLEET_SCOPE, type TenantRegistry } from './registry.js';
import type { StateStore } from '../state/store.js';
import type { TenantEntry } from './tenantEntry.js';
import { runPool } from '../pool.js';

/** The fleet digest as one message; its id names the day, so a second build of the day sends nothing. */
export function fleetDigestMessage(model: FleetDigestModel): OutboundMessage {
  return {
    id: `fleet-digest-${model.date}`,
    tenantId: FLEET_SCOPE,
    kind: 'digest',
    createdAt: model.windowEnd,
    email: {
      subject: fleetDigestSubject(model),
      html: renderFleetDigestHtml(model),
      plainText: renderFleetDigestText(model),
    },
    teams: { card: renderFleetDigestCard(model) },
  };
}

/* ------------------------------------------------------------------ the digest timer in fleet mode */

export interface FleetDigestsDependencies {
  readonly registry: TenantRegistry;
  readonly state: StateStore;
  readonly log: Logger;
  readonly now: Date;
  /** The deployment's (the MSP's): the fleet digest's window and channels. */
  readonly settings: SendDigestSettings;
  readonly notify: NotifyDependencies;
  /** One tenant's digest settings (its local folder) and channels (its identity: name and routing label). */
  readonly tenant: (entry: TenantEntry) => {
    readonly settings: SendDigestSettings;
    readonly notify: NotifyDependencies;
  };
}

export interface TenantDigestOutcome {
  readonly tenantId: string;
  readonly displayName: string;
  /** `already-sent`: an earlier firing of the day sent it; `failed`: built or sent on no attempt. */
  readonly outcome: 'sent' | 'already-sent' | 'failed';
  /** Per receiver channel (`pending` ones are retried by the next runs, as every message). */
  readonly channels: readonly ChannelReport[];
  readonly error?: string;
}

export interface FleetDigestsResult {
  readonly model: FleetDigestModel;
  readonly report: DispatchReport;
  /** Each tenant's own digest, in registry order. */
  readonly tenants: readonly TenantDigestOutcome[];
}

/**
 * The digest timer of a fleet: each tenant's own daily digest to that tenant's receivers (the routes
 * matching on its `tenant`, see routeDigest; else the digest receivers), then the MSP's fleet digest
 * built from the same models (every tenant's worst problem, worst first).
 *
 * Why in this one timer, a few tenants at a time, and not one queue message per tenant as the runs:
 * a digest reads only the state store (the hourly rollups), never Graph, so there is no per-tenant
 * Graph limit to spread out and a tenant's digest takes tens of milliseconds; the sends are what
 * cost, and the ACS email quota is one per deployment (src/notify/quota.ts), so fanning 500 digests
 * out to many instances would only meet that quota sooner and park the rest in the pending queue. And
 * the fleet digest needs every tenant's model anyway: built once, here, it serves both.
 *
 * A tenant whose digest fails never stops the others: it is tried again once after all the others (a
 * storage blip passes), and if it still fails, its fleet digest row says so (unknown, "could not be
 * built") and the result names it, so the timer fails visibly. A digest that was built but whose
 * delivery failed waits in the pending queue like every message, and the tenant's next run retries it;
 * dispatch's ledger and the day's sent-mark keep a second firing from sending any digest twice.
 */
const DIGEST_LANES = 4;

export async function sendFleetDigests(deps: FleetDigestsDependencies): Promise<FleetDigestsResult> {
  const { tenants } = await deps.registry.list();
  const done = new Map<string, { outcome: TenantDigestOutcome; row: FleetDigestRow; model?: DigestModel }>();
  const attempt = async (entry: TenantEntry) => {
    done.set(entry.tenantId, await tenantDigest(deps, entry));
  };
  await runPool(tenants, DIGEST_LANES, attempt);
  for (const entry of tenants) {
    if (done.get(entry.tenantId)?.outcome.outcome === 'failed') await attempt(entry);
  }
  const results = tenants.map((entry) => done.get(entry.tenantId)!);
  const window = results.find((r) => r.model)?.model;
  const model = fleetDigestModel(
    results.map((r) => r.row),
    window,
    deps.now,
  );
  const report = await dispatch(fleetDigestMessage(model), deps.notify);
  return { model, report, tenants: results.map((r) => r.outcome) };
}

async function tenantDigest(
  deps: FleetDigestsDependencies,
  entry: TenantEntry,
): Promise<{ outcome: TenantDigestOutcome; row: FleetDigestRow; model?: DigestModel }> {
  const who = { tenantId: entry.tenantId, displayName: entry.displayName };
  try {
    const own = deps.tenant(entry);
    const sent = await sendDailyDigest({
      state: deps.state,
      tenantId: entry.tenantId,
      now: deps.now,
      settings: own.settings,
      notify: own.notify,
      tenantLabel: entry.displayName,
    });
    const outcome = sent.report ? 'sent' : 'already-sent';
    return {
      outcome: { ...who, outcome, channels: sent.report?.channels ?? [] },
      row: fleetRow(entry, sent.digest.model),
      model: sent.digest.model,
    };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    deps.log.error(`fleet digest: the digest of ${entry.displayName} failed`, {
      tenantId: entry.tenantId,
      error: text,
    });
    return {
      outcome: { ...who, outcome: 'failed', channels: [], error: text },
      row: failedRow(entry, error),
    };
  }
}
