/**
 * What fleet mode needs from the settings (src/config.ts composes it as `Settings.fleet`). Fleet mode
 * is off by default: a single-tenant deployment needs none of this.
 */
export interface FleetSettings {
  /** FLEET_MODE=on: the timer fans out to the queue instead of running the one configured tenant. */
  readonly enabled: boolean;
  /** FLEET_QUEUE_NAME: the work queue; the Functions host moves failing messages to `<name>-poison`. */
  readonly queueName: string;
  /** FLEET_QUEUE (connection string) or FLEET_QUEUE__queueServiceUri (managed identity). */
  readonly queue:
    | { readonly kind: 'connectionString'; readonly connectionString: string }
    | { readonly kind: 'serviceUrl'; readonly serviceUrl: string }
    | undefined;
  /** FLEET_MAX_DEQUEUE_COUNT: as host.json's queues.maxDequeueCount (attempts before poison). */
  readonly maxDequeueCount: number;
  /** FLEET_CERTIFICATE_PATH: PEM (key + certificate) of the multi-tenant app, for `certificate` tenants. */
  readonly certificatePath: string | undefined;
}

export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}
