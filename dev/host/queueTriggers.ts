/**
 * Storage-queue-triggered functions fed from a real queue (Azurite or Azure Storage), with
 * the queue trigger's semantics: batches, dequeue count, release on failure,
 * `<queue>-poison` after `maxDequeueCount`, payload parsed as JSON when it is JSON,
 * `triggerMetadata` as the Node worker passes it, and the app-wide message encoding.
 */
import { QueueClient, QueueServiceClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { createInvocationContext, errorMessage, type InvocationDeps, type Logger } from './invocation';
import type { FunctionDescription } from './registry';
import { resolveSettings, SettingError, type QueueOptions } from './settings';
import type { WorkTracker } from './work';
import type { HostEvent } from './engine';

export type ResolvedQueueOptions = Required<QueueOptions>;

/**
 * Nesting camelCased in trigger metadata; deeper values are passed as they are. A message can
 * be nested thousands of levels deep (64 KB of `{"a":`): recursing through all of them would
 * overflow the stack in the host, before the function runs.
 */
export const MAX_METADATA_DEPTH = 64;

/** Keys camelCased recursively, as @azure/functions does for trigger metadata (down to {@link MAX_METADATA_DEPTH}). */
function toCamelCase(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth >= MAX_METADATA_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => toCamelCase(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [
      k.charAt(0).toLowerCase() + k.slice(1),
      toCamelCase(x, depth + 1),
    ]),
  );
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function connectionStringFor(connection: string | undefined, fallback: string | undefined): string {
  const name = connection && connection.trim() ? connection : 'AzureWebJobsStorage';
  const value =
    process.env[name] ?? process.env[`AzureWebJobs${name}`] ?? (name === 'AzureWebJobsStorage' ? fallback : undefined);
  if (!value)
    throw new SettingError(
      `Storage connection '${name}' is not set (app setting '${name}'; or pass storageConnectionString to the local host).`,
    );
  return value;
}

/**
 * The queue service of a queue trigger's connection; a connection string the queue SDK cannot use
 * (e.g. a blob-only one, with `BlobEndpoint` but no `QueueEndpoint`) is a configuration problem
 * named by its setting, not the SDK's "Invalid EndpointSuffix".
 */
function queueServiceFor(connection: string | undefined, fallback: string | undefined, fn: string): QueueServiceClient {
  const value = connectionStringFor(connection, fallback);
  const name = connection && connection.trim() ? connection : 'AzureWebJobsStorage';
  try {
    return QueueServiceClient.fromConnectionString(value);
  } catch (e) {
    const queueEndpoint = /(^|;)\s*QueueEndpoint\s*=/i.test(value);
    throw new SettingError(
      `Storage connection '${name}' cannot reach a queue service for queue function '${fn}': ${(e as Error).message}` +
        (queueEndpoint
          ? ''
          : ` (it names no QueueEndpoint: Azurite's connection string needs BlobEndpoint, QueueEndpoint and TableEndpoint, or use UseDevelopmentStorage=true)`),
    );
  }
}

export class QueueListener {
  readonly queueName: string;
  private readonly queue: QueueClient;
  private readonly poison: QueueClient;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private polling = false;

  constructor(
    readonly fn: FunctionDescription,
    private readonly opts: ResolvedQueueOptions,
    private readonly deps: InvocationDeps,
    private readonly work: WorkTracker,
    private readonly emit: (e: HostEvent) => void,
    private readonly logger: Logger,
    fallbackConnection: string | undefined,
  ) {
    const t = fn.trigger as { queueName?: string; connection?: string };
    this.queueName = resolveSettings(String(t.queueName ?? ''), `Queue function '${fn.name}' queueName`);
    const service = queueServiceFor(t.connection, fallbackConnection, fn.name);
    this.queue = service.getQueueClient(this.queueName);
    this.poison = service.getQueueClient(`${this.queueName}-poison`);
  }

  get client(): QueueClient {
    return this.queue;
  }

  get poisonClient(): QueueClient {
    return this.poison;
  }

  async start(): Promise<void> {
    await this.queue.createIfNotExists();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
  }

  /** Polls at once instead of waiting for the next interval. */
  wake(): void {
    this.wakeUp?.();
  }

  /** True when a visible message is waiting (the poller is woken up to take it). */
  async hasVisibleMessages(): Promise<boolean> {
    if (this.stopped) return false;
    const peeked = await this.queue.peekMessages({ numberOfMessages: 1 });
    const found = peeked.peekedMessageItems.length > 0;
    if (found) this.wake();
    return found || this.polling;
  }

  private async run(): Promise<void> {
    let delay = 0;
    while (!this.stopped) {
      let received = 0;
      try {
        received = await this.pollOnce();
      } catch (err) {
        if (this.stopped) break;
        this.logger({
          level: 'warning',
          category: 'host',
          message: `Polling queue '${this.queueName}' failed: ${errorMessage(err)}`,
          time: new Date(this.deps.now()).toISOString(),
        });
      }
      delay =
        received > 0
          ? 0
          : Math.min(this.opts.maxPollingIntervalMs, Math.max(this.opts.minPollingIntervalMs, delay * 2));
      if (delay > 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeUp = () => {
            clearTimeout(timer);
            delay = 0;
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }

  private async pollOnce(): Promise<number> {
    this.work.begin();
    this.polling = true;
    try {
      const res = await this.queue.receiveMessages({ numberOfMessages: this.opts.batchSize, visibilityTimeout: 600 });
      if (this.stopped) {
        // Leave them for the next host: make them visible again.
        await Promise.all(
          res.receivedMessageItems.map((m) =>
            this.queue.updateMessage(m.messageId, m.popReceipt, undefined, 0).catch(() => undefined),
          ),
        );
        return 0;
      }
      await Promise.all(res.receivedMessageItems.map((m) => this.process(m)));
      return res.receivedMessageItems.length;
    } finally {
      this.polling = false;
      this.work.end();
    }
  }

  private async process(m: DequeuedMessageItem): Promise<void> {
    let text = m.messageText;
    if (this.opts.messageEncoding === 'base64') {
      const compact = text.replace(/\s+/g, '');
      if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
        this.logger({
          level: 'error',
          category: 'host',
          message: `Message ${m.messageId} on queue '${this.queueName}' is not valid base64 (messageEncoding is base64): moved to '${this.queueName}-poison' without invoking '${this.fn.name}'.`,
          time: new Date(this.deps.now()).toISOString(),
        });
        await this.moveToPoison(m);
        return;
      }
      text = Buffer.from(compact, 'base64').toString('utf8');
    }
    // Whatever the message holds, it reaches the function, and a failure anywhere in its
    // invocation counts against its dequeue count (→ poison after maxDequeueCount), never
    // against the poller.
    const payload = parsePayload(text);
    const context = createInvocationContext(this.fn, this.deps, {
      triggerMetadata: {
        dequeueCount: m.dequeueCount,
        expirationTime: m.expiresOn.toISOString(),
        id: m.messageId,
        insertionTime: m.insertedOn.toISOString(),
        nextVisibleTime: m.nextVisibleOn.toISOString(),
        popReceipt: m.popReceipt,
      },
    });
    try {
      (context.triggerMetadata as Record<string, unknown>).queueTrigger = toCamelCase(payload);
      await this.fn.handler(payload, context);
    } catch (err) {
      context.error(
        `Executed '${this.fn.name}' (Failed, message ${m.messageId}, dequeue count ${m.dequeueCount}): ${errorMessage(err)}`,
      );
      this.emit({
        type: 'functionInvoked',
        time: new Date(this.deps.now()).toISOString(),
        name: this.fn.name,
        trigger: 'queue',
        ok: false,
        error: errorMessage(err),
      });
      if (m.dequeueCount >= this.opts.maxDequeueCount) {
        this.logger({
          level: 'warning',
          category: 'host',
          message: `Message ${m.messageId} has reached MaxDequeueCount of ${this.opts.maxDequeueCount}. Moving message to queue '${this.queueName}-poison'.`,
          time: new Date(this.deps.now()).toISOString(),
        });
        await this.moveToPoison(m);
      } else {
        await this.queue.updateMessage(
          m.messageId,
          m.popReceipt,
          undefined,
          Math.ceil(this.opts.visibilityTimeoutMs / 1000),
        );
      }
      return;
    }
    this.emit({
      type: 'functionInvoked',
      time: new Date(this.deps.now()).toISOString(),
      name: this.fn.name,
      trigger: 'queue',
      ok: true,
    });
    await this.queue.deleteMessage(m.messageId, m.popReceipt);
  }

  private async moveToPoison(m: DequeuedMessageItem): Promise<void> {
    await this.poison.createIfNotExists();
    await this.poison.sendMessage(m.messageText);
    await this.queue.deleteMessage(m.messageId, m.popReceipt);
  }
}
