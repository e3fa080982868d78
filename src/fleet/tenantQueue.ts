import type { TokenCredential } from '@azure/identity';
import type * as StorageQueue from '@azure/storage-queue';
import type { QueueClient } from '@azure/storage-queue';
import type { FleetSettings } from './settings.js';

/**
 * The fleet's work queue over Azure Queue Storage (`@azure/storage-queue`, loaded at first use).
 * Message text is base64 of the JSON, the encoding the Functions queue trigger expects by default
 * (host.json extensions.queues.messageEncoding = base64).
 */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly popReceipt: string;
  readonly dequeueCount: number;
  readonly insertedOn: Date;
  /** The decoded text (the JSON). */
  readonly text: string;
}

export interface TenantQueue {
  readonly name: string;
  ensure(): Promise<void>;
  send(text: string): Promise<string>;
  /** Up to `count` messages, hidden from other receivers for `visibilitySeconds`. */
  receive(count: number, visibilitySeconds: number): Promise<ReceivedMessage[]>;
  delete(message: ReceivedMessage): Promise<void>;
  /** Makes a received message visible again after `visibilitySeconds` (0: now). */
  release(message: ReceivedMessage, visibilitySeconds: number): Promise<void>;
  approximateCount(): Promise<number>;
}

type Sdk = typeof StorageQueue;

export class StorageTenantQueue implements TenantQueue {
  private loaded: Promise<QueueClient> | undefined;

  constructor(
    readonly name: string,
    private readonly make: (sdk: Sdk) => QueueClient,
  ) {}

  static fromSettings(
    queue: NonNullable<FleetSettings['queue']>,
    name: string,
    credential?: TokenCredential,
  ): StorageTenantQueue {
    return new StorageTenantQueue(name, (sdk) => {
      if (queue.kind === 'connectionString') return new sdk.QueueClient(queue.connectionString, name);
      if (!credential) throw new Error('a queue service URL needs an Azure credential (managed identity)');
      return new sdk.QueueServiceClient(queue.serviceUrl, credential).getQueueClient(name);
    });
  }

  private client(): Promise<QueueClient> {
    this.loaded ??= import('@azure/storage-queue').then((sdk) => this.make(sdk));
    return this.loaded;
  }

  async ensure(): Promise<void> {
    await (await this.client()).createIfNotExists();
  }

  async send(text: string): Promise<string> {
    const sent = await (await this.client()).sendMessage(Buffer.from(text, 'utf8').toString('base64'));
    return sent.messageId;
  }

  async receive(count: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    const answer = await (
      await this.client()
    ).receiveMessages({ numberOfMessages: Math.min(32, count), visibilityTimeout: visibilitySeconds });
    return answer.receivedMessageItems.map((m) => ({
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
      insertedOn: m.insertedOn,
      text: decode(m.messageText),
    }));
  }

  async delete(message: ReceivedMessage): Promise<void> {
    await (await this.client()).deleteMessage(message.messageId, message.popReceipt);
  }

  async release(message: ReceivedMessage, visibilitySeconds: number): Promise<void> {
    await (
      await this.client()
    ).updateMessage(message.messageId, message.popReceipt, undefined, visibilitySeconds);
  }

  async approximateCount(): Promise<number> {
    return (await (await this.client()).getProperties()).approximateMessagesCount ?? 0;
  }
}

/** Base64 as the trigger expects; plain text (a message put by hand in the portal) is taken as it is. */
function decode(text: string): string {
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return Buffer.from(decoded, 'utf8').toString('base64') === text ? decoded : text;
}
