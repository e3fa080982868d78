import { userInfo } from 'node:os';
import { systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { alertVersion } from '../remediation/alertVersion.js';
import { ACTION_LABELS } from '../remediation/plan.js';
import { prepareRemediation, remediate } from '../remediation/remediate.js';
import { isRemediationAction, REMEDIATION_ACTIONS } from '../remediation/settings.js';
import { createRemediationGraph } from '../wiring.js';
import { openLocalState } from './localState.js';
import { shellWord } from './shellWord.js';

/**
 * `cloudsync-monitor remediate allow-deletes|restart|provision ALERT_ID [--object ID --dn DN] [--confirm]`
 * (issue 15 item 4). Without --confirm it prints the exact Graph request and sends nothing; with it, the
 * same checks as the ack page (REMEDIATION allows it, the alert is open, the action fits, and, with
 * --alert-version, the alert is still what the plan showed), then the request; every confirmed attempt
 * is a CloudSyncRemediation_CL row and a note on the alert.
 */
export async function remediateCommand(
  settings: Settings,
  log: Logger,
  options: {
    readonly action: string | undefined;
    readonly alertId: string | undefined;
    readonly object?: string | undefined;
    readonly dn?: string | undefined;
    readonly actor?: string | undefined;
    readonly alertVersion?: string | undefined;
    readonly confirm: boolean;
    /** --data-dir as given: the printed command must read the same state. */
    readonly dataDir?: string | undefined;
    readonly print: (line: string) => void;
  },
): Promise<number | { usage: string }> {
  const { action, alertId, print } = options;
  if (!action || !isRemediationAction(action))
    return { usage: `remediate takes an action: ${REMEDIATION_ACTIONS.join(', ')}` };
  if (!alertId) return { usage: 'remediate needs the alert id (see `cloudsync-monitor ack --list`)' };
  const chosen = action;
  const local = await openLocalState(settings, systemClock, log, { orAskGraph: true });
  const deps = {
    ...local,
    clock: systemClock,
    log,
    settings: settings.remediation,
    graph: () => createRemediationGraph(settings, systemClock),
  };
  const request = {
    alertId,
    action: chosen,
    object: options.object,
    dn: options.dn,
    ...(options.alertVersion ? { seenVersion: options.alertVersion } : {}),
  };
  if (!options.confirm) {
    const prepared = await prepareRemediation(deps, request);
    if (!prepared.ok) {
      print(`not possible: ${prepared.reason}`);
      return 1;
    }
    const { plan, alert } = prepared;
    print(`${ACTION_LABELS[chosen]}: alert ${alert.id} [${alert.severity}] ${alert.kind}: ${alert.summary}`);
    print(plan.effect);
    print('request (not sent):');
    print(`  ${plan.method} ${settings.graph.baseUrl}/v1.0${plan.path}`);
    print(`  ${JSON.stringify(plan.body)}`);
    const object = plan.object
      ? ` --object ${shellWord(plan.object.sourceId)} --dn ${shellWord(plan.object.dn)}`
      : '';
    const dataDir = options.dataDir ? ` --data-dir ${shellWord(options.dataDir)}` : '';
    // `=`: a version is base64url, and one that starts with "-" would read as an option otherwise.
    print(
      `to send it: cloudsync-monitor remediate ${chosen} ${alert.id}${object} --alert-version=${alertVersion(alert)}${dataDir} --confirm`,
    );
    return 0;
  }
  const outcome = await remediate(deps, {
    ...request,
    actor: options.actor ?? `cli:${userInfo().username}`,
    via: 'cli',
    confirmation: { flag: true },
  });
  if (outcome.plan) print(`${outcome.plan.method} ${settings.graph.baseUrl}/v1.0${outcome.plan.path}`);
  print(`${outcome.outcome}: ${outcome.message}`);
  return outcome.outcome === 'performed' ? 0 : 1;
}
