import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { RecordSink } from '../sinks/sink.js';
import type { StateStore } from '../state/store.js';

/**
 * What a webhook use case works with (src/wiring.ts's createWebhookDependencies builds it): the tenant,
 * which must be configured (a webhook has no Graph token to derive it from), the sink and the state store.
 */
export interface WebhookDependencies {
  readonly tenantId: string;
  readonly sink: RecordSink;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
}
