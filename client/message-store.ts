import type { Message } from './chat-client';

/** A message as cached, with its history cursor when it came from a page (live messages have none). */
export type CachedMessage = Message & { cursor?: string };

/** What is cached of one channel for one user: enough to draw it at once and to reconcile it with the server. */
export interface CachedChannel {
  /** An unbroken run of seqs, oldest first, ending at the newest message held when it was written. */
  messages: CachedMessage[];
  /** The channel's newest change (edit or deletion) these messages reflect: later ones are fetched on open. */
  lastRev: number;
}

/** How much a store keeps: the newest `perChannel` messages of each channel, at most `total` in all. */
export interface MessageStoreLimits {
  perChannel: number;
  total: number;
}

export const DEFAULT_MESSAGE_STORE_LIMITS: MessageStoreLimits = { perChannel: 200, total: 5_000 };

/**
 * The recent-message cache (the original plan's §6.3): the newest messages of each channel a user opened, so a
 * channel draws at once and a short network loss keeps it on screen. The server stays the source of truth:
 * `ChannelView` reconciles what it reads here, and the cache can always be dropped.
 *
 * Keyed by user, channel and seq; bounded by {@link MessageStoreLimits} (a write keeps the newest `perChannel` of its
 * channel, then the oldest messages of any channel go until `total` holds). One user at a time: `claim` at sign-in
 * forgets every other user's messages, `clear` at logout forgets all, so a shared device never shows the previous
 * user's messages (ChatClient does both when given the store).
 *
 * Every method rejects when the underlying storage fails; callers treat the cache as lost, never as an error of
 * the chat.
 */
export interface MessageStore {
  /** The user's cached channel, or undefined when nothing of it is cached. */
  read(userId: string, channelId: string): Promise<CachedChannel | undefined>;
  /** Replaces the user's cached channel with `channel` (bounded as above). */
  write(userId: string, channelId: string, channel: CachedChannel): Promise<void>;
  /** Forgets every user's messages but `userId`'s. */
  claim(userId: string): Promise<void>;
  /** Forgets everything. */
  clear(): Promise<void>;
}

/** The newest `perChannel` messages of `channel`, oldest first. */
export function newestOf(channel: CachedChannel, limits: MessageStoreLimits): CachedChannel {
  const messages = [...channel.messages].sort((a, b) => a.seq - b.seq).slice(-limits.perChannel);
  return { messages, lastRev: channel.lastRev };
}

interface Entry {
  userId: string;
  channelId: string;
  message: CachedMessage;
}

/** Keeps the cache in memory: it lasts as long as the process. For tests, and runtimes without storage. */
export class MemoryMessageStore implements MessageStore {
  /** `${userId} ${channelId}` → the cached channel. */
  private readonly channels = new Map<string, { userId: string; channel: CachedChannel }>();

  constructor(private readonly limits: MessageStoreLimits = DEFAULT_MESSAGE_STORE_LIMITS) {}

  async read(userId: string, channelId: string): Promise<CachedChannel | undefined> {
    const held = this.channels.get(`${userId} ${channelId}`);
    return held && held.channel.messages.length ? structuredClone(held.channel) : undefined;
  }

  async write(userId: string, channelId: string, channel: CachedChannel): Promise<void> {
    this.channels.set(`${userId} ${channelId}`, { userId, channel: structuredClone(newestOf(channel, this.limits)) });
    this.evict();
  }

  async claim(userId: string): Promise<void> {
    for (const [key, held] of this.channels) if (held.userId !== userId) this.channels.delete(key);
  }

  async clear(): Promise<void> {
    this.channels.clear();
  }

  /** Drops the oldest messages of any channel (by time) until at most `total` are held. */
  private evict(): void {
    const all: Entry[] = [];
    for (const { userId, channel } of this.channels.values()) {
      for (const message of channel.messages) all.push({ userId, channelId: message.channelId, message });
    }
    if (all.length <= this.limits.total) return;
    all.sort((a, b) => a.message.createdAt.localeCompare(b.message.createdAt) || a.message.seq - b.message.seq);
    for (const { userId, channelId, message } of all.slice(0, all.length - this.limits.total)) {
      const held = this.channels.get(`${userId} ${channelId}`)!;
      held.channel.messages = held.channel.messages.filter((m) => m.seq !== message.seq);
    }
  }
}
