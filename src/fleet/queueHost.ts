import type { ReceivedMessage, TenantQueue } from './tenantQueue.js';

/**
 * What the Azure Functions host does with a queue-triggered function, for where no host runs (the
 * fleet bench, the tests, a self-hosted worker): receive a message hidden for `visibilitySeconds`, call
 * the handler, delete the message when it succeeded; when it failed, move it to the poison queue once
 * it has been dequeued `maxDequeueCount` times (the host's rule: dequeueCount >= maxDequeueCount, then
 * copy to `<queue>-poison` and delete), else make it visible again after `retryVisibilitySeconds`
 * (host.json queues.visibilityTimeout, default 0).
 */
export interface QueueHostOptions {
  readonly queue: TenantQueue;
  readonly poisonQueue: TenantQueue;
  readonly maxDequeueCount: number;
  /** How long a received message stays hidden: longer than a run may take (RUN_MAX_SECONDS). */
  readonly visibilitySeconds: number;
  readonly retryVisibilitySeconds?: number;
  readonly handler: (text: string, message: ReceivedMessage) => Promise<unknown>;
}

export type ProcessOutcome = 'processed' | 'retried' | 'poisoned' | 'empty';

export async function processNext(options: QueueHostOptions): Promise<ProcessOutcome> {
  const [message] = await options.queue.receive(1, options.visibilitySeconds);
  if (!message) return 'empty';
  try {
    await options.handler(message.text, message);
  } catch {
    if (message.dequeueCount >= options.maxDequeueCount) {
      await options.poisonQueue.send(message.text);
      await options.queue.delete(message);
      return 'poisoned';
    }
    await options.queue.release(message, options.retryVisibilitySeconds ?? 0);
    return 'retried';
  }
  await options.queue.delete(message);
  return 'processed';
}

/** Processes messages one at a time until `signal` aborts; waits `pollMs` whenever the queue is empty. */
export async function runQueueWorker(
  options: QueueHostOptions & {
    readonly signal: AbortSignal;
    readonly pollMs: number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly onOutcome?: (outcome: ProcessOutcome) => void;
  },
): Promise<void> {
  while (!options.signal.aborted) {
    let outcome: ProcessOutcome;
    try {
      outcome = await processNext(options);
    } catch {
      // The queue service itself failed (a receive, a delete): as the host, wait and poll again.
      outcome = 'empty';
    }
    options.onOutcome?.(outcome);
    if (outcome === 'empty') await options.sleep(options.pollMs);
  }
}
