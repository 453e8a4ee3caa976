import type { ConnectionState, Message } from './chat-client';
import { ChatError } from './errors';

/**
 * Where an outgoing message is: kept locally (`pending`), on its way (`sending`), stored by the server (`sent`), or
 * not stored (`failed`): `retryable` failures are tried again by themselves, the others only when asked.
 */
export type SendState = 'pending' | 'sending' | 'sent' | 'failed';

/** A message the user typed, from the moment it is queued until the server has stored it. */
export interface OutgoingMessage {
  clientMessageId: string;
  channelId: string;
  body: string;
  state: SendState;
  /** When it was queued (ms since the epoch); the queue sends in this order. */
  queuedAt: number;
  attempts: number;
  /** Why the last attempt failed. */
  error?: { code: string; message: string; retryable: boolean };
  /** For a retryable failure: when the next attempt is due (ms since the epoch). */
  retryAt?: number;
  /** The stored message, once `sent`. */
  message?: Message;
}

/**
 * Keeps unsent messages across restarts. Each method resolves once the change is durable; the queue waits for it
 * before telling anyone, so a message acknowledged to the user as queued survives a crash.
 */
export interface QueueStorage {
  /** Every entry put and not deleted. */
  load(): Promise<OutgoingMessage[]>;
  /** Adds the entry, or replaces the one with the same clientMessageId. */
  put(entry: OutgoingMessage): Promise<void>;
  delete(clientMessageId: string): Promise<void>;
}

/** Keeps entries in memory only: nothing survives a reload. For browsers without storage, and tests. */
export class MemoryQueueStorage implements QueueStorage {
  private readonly entries = new Map<string, OutgoingMessage>();

  async load(): Promise<OutgoingMessage[]> {
    return [...this.entries.values()].map((entry) => structuredClone(entry));
  }

  async put(entry: OutgoingMessage): Promise<void> {
    this.entries.set(entry.clientMessageId, structuredClone(entry));
  }

  async delete(clientMessageId: string): Promise<void> {
    this.entries.delete(clientMessageId);
  }
}

/** What the queue needs from the client: ChatClient has both. */
export interface SendTransport {
  sendMessage(input: { channelId: string; body: string; clientMessageId: string }): Promise<Message>;
  /** When the socket comes back after a drop, failed sends are tried at once instead of waiting for their turn. */
  onConnectionChange?(listener: (state: ConnectionState) => void): () => void;
}

export interface SendQueueOptions {
  storage?: QueueStorage;
  /** Delay before retry number `attempt` (1, 2, …) after a transient failure; default 1 s doubling to 30 s. */
  retryDelayMs?: (attempt: number) => number;
  /** The current time in ms (tests). */
  now?: () => number;
}

const defaultRetryDelay = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));

/**
 * A new clientMessageId: the time in milliseconds (12 hex digits), then 80 random bits, without needing a secure
 * context as crypto.randomUUID does. Time first, so one user's ids grow in order and the server's (sender,
 * clientMessageId) index takes each one at its end, not on a random page (as its message ids do, UUIDv7).
 */
export function newClientMessageId(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const hex = (values: Iterable<number>) => Array.from(values, (b) => b.toString(16).padStart(2, '0')).join('');
  return `c-${now.toString(16).padStart(12, '0')}${hex(bytes)}`;
}

/**
 * The send queue: a typed message is stored locally first, then sent, one at a time in the order typed. A
 * transient failure (no answer, INTERNAL_SERVER_ERROR, RATE_LIMITED, UNAUTHENTICATED until the user signs in again)
 * marks it failed-retryable and it is sent again later with the same clientMessageId, so the server stores it once
 * however many tries it takes; messages queued after it wait, keeping their order. A permanent failure (FORBIDDEN,
 * BAD_USER_INPUT, NOT_FOUND, …) marks it failed for good and the queue moves on.
 *
 * Sent messages leave the queue (and its storage); listeners get them through `onSent`.
 */
export class SendQueue {
  private entries: OutgoingMessage[] = [];
  private readonly changeListeners = new Set<() => void>();
  private readonly sentListeners = new Set<(message: Message, entry: OutgoingMessage) => void>();
  private readonly storage: QueueStorage;
  private readonly now: () => number;
  private readonly retryDelay: (attempt: number) => number;
  private pumping = false;
  private running: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly stopWatching: () => void;

  private constructor(
    private readonly transport: SendTransport,
    options: SendQueueOptions,
  ) {
    this.storage = options.storage ?? new MemoryQueueStorage();
    this.now = options.now ?? Date.now;
    this.retryDelay = options.retryDelayMs ?? defaultRetryDelay;
    this.stopWatching =
      transport.onConnectionChange?.((state) => state === 'connected' && this.retryNow()) ?? (() => {});
  }

  /**
   * Opens a queue over `storage` and starts sending what it holds. Entries left `sending` by a process that
   * stopped mid-send are sent again (the server answers a repeat with the message it stored, if it did).
   */
  static async open(transport: SendTransport, options: SendQueueOptions = {}): Promise<SendQueue> {
    const queue = new SendQueue(transport, options);
    const stored = await queue.storage.load();
    queue.entries = stored
      .filter((entry) => entry.state !== 'sent')
      .map((entry) => (entry.state === 'sending' ? { ...entry, state: 'pending' as const } : entry))
      .sort((a, b) => a.queuedAt - b.queuedAt);
    queue.pump();
    return queue;
  }

  /** Every unsent entry, oldest first, optionally of one channel only. */
  list(channelId?: string): readonly OutgoingMessage[] {
    return channelId ? this.entries.filter((entry) => entry.channelId === channelId) : [...this.entries];
  }

  /** Calls `listener` after any entry changes; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Calls `listener` with each message the server stored (e.g. to add it to a ChannelView at once). */
  onSent(listener: (message: Message, entry: OutgoingMessage) => void): () => void {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }

  /**
   * Queues a message and resolves once it is kept in storage (not once it is sent). The body is sent as typed;
   * the server checks it.
   */
  async enqueue(channelId: string, body: string, clientMessageId = newClientMessageId()): Promise<OutgoingMessage> {
    const entry: OutgoingMessage = {
      clientMessageId,
      channelId,
      body,
      state: 'pending',
      queuedAt: Math.max(this.now(), (this.entries[this.entries.length - 1]?.queuedAt ?? 0) + 1),
      attempts: 0,
    };
    await this.storage.put(entry);
    this.entries.push(entry);
    this.changed();
    this.pump();
    return entry;
  }

  /** Sends a failed entry again now, retryable or not. */
  async retry(clientMessageId: string): Promise<void> {
    const entry = this.find(clientMessageId);
    if (!entry || entry.state !== 'failed') return;
    await this.update(entry, { state: 'pending', retryAt: undefined });
    this.pump();
  }

  /** Tries every retryable failure now (the connection came back, or the user asked). */
  retryNow(): void {
    for (const entry of this.entries) if (entry.state === 'failed' && entry.error?.retryable) entry.retryAt = undefined;
    this.pump();
  }

  /** Drops an entry that is not being sent (e.g. a permanent failure the user dismissed). */
  async discard(clientMessageId: string): Promise<void> {
    const entry = this.find(clientMessageId);
    if (!entry || entry.state === 'sending') return;
    await this.storage.delete(clientMessageId);
    this.entries = this.entries.filter((e) => e !== entry);
    this.changed();
  }

  /** Resolves when no entry is pending, sending or waiting to be retried (permanent failures may remain). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.nextInLine()) return;
        stop();
        resolve();
      };
      const stop = this.onChange(check);
      check();
    });
  }

  /**
   * Stops sending and resolves once an attempt under way has settled (its entry stays in storage unless it was
   * stored by the server).
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.stopWatching();
    await this.running;
  }

  private nextInLine(): OutgoingMessage | undefined {
    return this.entries.find(
      (entry) =>
        entry.state === 'pending' || entry.state === 'sending' || (entry.state === 'failed' && entry.error?.retryable),
    );
  }

  /** Sends the entries in line one at a time until the line is empty or its head must wait. */
  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    clearTimeout(this.timer);
    this.running = (async () => {
      try {
        for (;;) {
          const head = this.nextInLine();
          if (!head || this.closed) return;
          const wait = (head.retryAt ?? 0) - this.now();
          if (wait > 0) {
            this.timer = setTimeout(() => this.pump(), wait);
            return;
          }
          await this.attempt(head);
        }
      } catch {
        // Only storage can throw here (a full disk, say): keep what is in memory and try again shortly.
        this.timer = setTimeout(() => this.pump(), 5000);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async attempt(entry: OutgoingMessage): Promise<void> {
    await this.update(entry, { state: 'sending', attempts: entry.attempts + 1, retryAt: undefined });
    try {
      const message = await this.transport.sendMessage({
        channelId: entry.channelId,
        body: entry.body,
        clientMessageId: entry.clientMessageId,
      });
      await this.storage.delete(entry.clientMessageId);
      this.entries = this.entries.filter((e) => e !== entry);
      Object.assign(entry, { state: 'sent', message, error: undefined });
      for (const listener of this.sentListeners) listener(message, entry);
      this.changed();
    } catch (caught) {
      const error = caught instanceof ChatError ? caught : ChatError.network(caught);
      const retryable = error.transient || error.code === 'UNAUTHENTICATED';
      const delay = Math.max(this.retryDelay(entry.attempts), (error.retryAfterSeconds ?? 0) * 1000);
      await this.update(entry, {
        state: 'failed',
        error: { code: error.code, message: error.message, retryable },
        retryAt: retryable ? this.now() + delay : undefined,
      });
    }
  }

  private async update(entry: OutgoingMessage, change: Partial<OutgoingMessage>): Promise<void> {
    Object.assign(entry, change);
    await this.storage.put(entry);
    this.changed();
  }

  private find(clientMessageId: string): OutgoingMessage | undefined {
    return this.entries.find((entry) => entry.clientMessageId === clientMessageId);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }
}
