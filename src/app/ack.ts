import { performAck, showAck, type AckDependencies, type AckResponse } from '../ack/handleAck.js';
import { acknowledge, AlreadyAcknowledgedError } from '../alerts/ack.js';
import type { Transition } from '../domain/alertModel.js';
import type { WebhookDependencies } from './webhook.js';

/** The acknowledge link's request as the edge read it: the query's token, or the confirmation form. */
export type AckPageRequest =
  | {
      readonly method: 'GET';
      readonly token: string | null;
      /** `remediate` (and `object`, `dn`) of the query: a remediation's confirmation page. */
      readonly query?: Readonly<Record<string, string>>;
    }
  | {
      readonly method: 'POST';
      readonly form: Readonly<Record<string, string>>;
      /** The repeated `match` field (a silence's labels), in order. */
      readonly match?: readonly string[];
    };

/**
 * The acknowledge-link use case (functions/ack.ts). GET only shows the confirmation page, because mail
 * scanners open every link; the POST from that page acts. The pages themselves, the token check and
 * the acknowledgement are src/ack/handleAck.ts's.
 */
export function answerAckPage(deps: AckDependencies, request: AckPageRequest): Promise<AckResponse> {
  if (request.method === 'GET') {
    const q = request.query ?? {};
    return showAck(
      deps,
      request.token,
      q.remediate ? { action: q.remediate, object: q.object, dn: q.dn } : undefined,
    );
  }
  const { form } = request;
  return performAck(deps, {
    token: form.token ?? null,
    until: form.until ?? null,
    by: form.by ?? null,
    action: form.action ?? null,
    match: [...(request.match ?? [])],
    for: form.for ?? null,
    comment: form.comment ?? null,
    remediate: form.remediate ?? null,
    object: form.object ?? null,
    dn: form.dn ?? null,
    confirm: form.confirm ?? null,
  });
}

export type AcknowledgeOutcome =
  | { readonly acknowledged: true; readonly transition: Transition }
  /** Already acknowledged and still silenced: nothing changed; the message says by whom, until when. */
  | { readonly acknowledged: false; readonly message: string };

/**
 * The acknowledgement use case of `cloudsync-monitor ack`: the alert's `acknowledged` transition
 * committed to the alert book (told by the next run), and its CloudSyncAlert_CL row written.
 */
export async function acknowledgeAlert(
  deps: Pick<WebhookDependencies, 'tenantId' | 'state' | 'sink'>,
  input: {
    readonly alertId: string;
    readonly until: 'resolve' | Date;
    readonly by: string;
    readonly now: Date;
  },
): Promise<AcknowledgeOutcome> {
  try {
    const { transition, row } = await acknowledge(deps.state, { tenantId: deps.tenantId, ...input });
    await deps.sink.write('CloudSyncAlert_CL', [row]);
    return { acknowledged: true, transition };
  } catch (error) {
    if (!(error instanceof AlreadyAcknowledgedError)) throw error;
    return { acknowledged: false, message: error.message };
  }
}
