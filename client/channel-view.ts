import type { ChatClient, Message } from './chat-client';
import { ChatError } from './errors';
import type { CachedMessage } from './message-store';
import { MessageAdded, MessageChanged } from './operations';

/**
 * The most changes (and messages) the server replays to a subscription that resumes (MESSAGE_RULES.maxReplay): a
 * cache further behind than this is dropped for the newest page, as its changes could not all be replayed.
 */
const MAX_REPLAY = 1000;

export interface ChannelViewOptions {
  /** Messages per history page (1–100, default 50). */
  pageSize?: number;
  /**
   * The signed-in user, whose cached messages of the channel the view shows first and keeps up to date (in the
   * client's `messageStore`). Without it, or without a store, nothing is cached.
   */
  userId?: string;
  /** How long after a change the cache is written (default 300 ms; a closed view writes at once). */
  cacheDelayMs?: number;
}

/**
 * One channel as a screen shows it: the newest page of history, older pages on demand, and live messages, merged
 * into one list ordered by seq with no message twice, each as it was last edited or deleted.
 *
 * Live messages come from `messageAdded` with `afterSeq` = the newest seq held, so nothing stored between the page
 * and the subscription is missed; after a dropped connection the socket sends the subscription again with the
 * newest seq held at that moment, so the view resumes without gap or repeat. Edits and deletions come the same way
 * from `messageChanged` with `afterRev` = the newest change seen (the first page's `lastRev`, read before its
 * messages). Of two copies of a message the one with the higher `rev` wins, whatever order they arrive in.
 *
 * With the client's `messageStore` and `userId`, `open` first shows the cached messages, then reconciles them with
 * the newest page: the messages stored since, and every edit or deletion since the cache's `lastRev` (replayed by
 * `messageChanged`), so no message shows twice and no deleted body stays. A cache that does not join the newest page
 * (more messages since than a page, or another database) is dropped for the page. When the server cannot be
 * reached, the view keeps showing the cache, says it is `offline`, and reconciles by itself once it answers.
 */
export class ChannelView {
  private readonly ids = new Set<string>();
  private readonly bySeq = new Map<number, Message>();
  private list: Message[] = [];
  private oldestCursor: string | null = null;
  private older = true;
  private failure: ChatError | undefined;
  private stopLive: (() => void) | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private closed = false;
  /** The newest seq this view has marked read. */
  private markedSeq = 0;
  /**
   * The live subscription's variables. afterSeq is the end of the unbroken run of seqs held from the newest page
   * on (a send's answer may arrive before the messages stored just before it), and is kept current so that a
   * resubscription after a reconnect resumes there.
   */
  private readonly liveVariables: { channelId: string; afterSeq: number };
  /** The change subscription's variables: afterRev is the newest change applied, kept current for resumes. */
  private readonly changeVariables: { channelId: string; afterRev: number };
  private stopChanges: (() => void) | undefined;
  /**
   * Changes of messages not held: newer than the unbroken run held (`resumeSeq`), which may arrive before the message
   * itself, whose live copy is then older; or any, while an older page is being loaded, which may have been read
   * before the change. Each is merged with its message when that arrives.
   */
  private readonly ahead = new Map<string, Message>();
  /** Older pages being loaded. */
  private pageLoads = 0;
  private readonly listeners = new Set<() => void>();
  private readonly pageSize: number;
  /** History cursors of the messages that came from pages (live ones have none), by seq. */
  private readonly cursors = new Map<number, string>();
  /** Whether the messages held started from the cache and have not been replaced by a page since. */
  private fromCache = false;
  /** The start cursor of the newest page read at open: older pages are found from it when no cursor is held. */
  private newestPageStart: string | null = null;
  private unreachable = false;
  private reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  private reconcileRetries = 0;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** The reconcile under way, if one is. */
  private reconciling: Promise<void> | undefined;
  /** The client's cache generation when the view opened: after a sign-out or another user's sign-in, nothing is written. */
  private cacheGeneration = 0;
  /** The cache writes, one after another. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ChatClient,
    readonly channelId: string,
    private readonly options: ChannelViewOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 50;
    this.liveVariables = { channelId, afterSeq: 0 };
    this.changeVariables = { channelId, afterRev: 0 };
  }

  /** The messages held, oldest first (a new array after each change). */
  get messages(): readonly Message[] {
    return this.list;
  }

  /** Whether older messages than the first held may exist. */
  get hasOlder(): boolean {
    return this.older;
  }

  /**
   * Whether the view is showing cached messages because the server could not be reached when it opened; it
   * reconciles by itself (0.5 s doubling to 10 s, or at once on `reconnect`) and then turns false.
   */
  get offline(): boolean {
    return this.unreachable;
  }

  /** Why the live subscription ended (FORBIDDEN after leaving, UNAUTHENTICATED after logout), if it did. */
  get error(): ChatError | undefined {
    return this.failure;
  }

  /** The seq up to which every message from the newest page on is held: where live delivery resumes. */
  get resumeSeq(): number {
    return this.liveVariables.afterSeq;
  }

  /** Calls `listener` after every change of `messages`, `hasOlder` or `error`; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Shows the cached messages (when there is a cache), loads the newest page and reconciles the two, then goes live
   * from the newest seq held (messages) and from the newest change the messages reflect (edits and deletions).
   * @throws ChatError when the page cannot be loaded (NOT_FOUND, FORBIDDEN, NETWORK_ERROR); nothing is live then. A
   * transient failure with cached messages shown does not throw: the view is `offline` and retries by itself.
   */
  async open(): Promise<void> {
    this.cacheGeneration = this.client.cacheGeneration;
    const stored = await this.readCache();
    // A run broken by eviction (messages of one time may commit out of seq order) keeps its newest part only.
    const cached = unbrokenTail(stored?.messages ?? []);
    if (stored && cached.length) {
      this.fromCache = true;
      this.changeVariables.afterRev = stored.lastRev;
      this.older = cached[0].seq > 1;
      this.oldestCursor = cached[0].cursor ?? null;
      // Live delivery resumes after the newest message of the cached run.
      this.liveVariables.afterSeq = cached[cached.length - 1].seq;
      this.add(cached.map((message) => this.withoutCursor(message)));
    }
    try {
      await this.reconcile();
    } catch (error) {
      if (this.fromCache && error instanceof ChatError && error.transient) {
        if (this.closed) return;
        this.unreachable = true;
        this.emit();
        this.retryReconcile();
        return;
      }
      // Refused (FORBIDDEN, NOT_FOUND): the channel is not the viewer's to see, cached or not.
      if (this.fromCache) {
        this.forget();
        this.emit();
        await this.forgetCache();
      }
      throw error;
    }
  }

  /** Tries to reach the server now instead of at the next retry, when the view is `offline`. */
  reconnect(): void {
    if (!this.unreachable || this.closed) return;
    this.reconcileRetries = 0;
    clearTimeout(this.reconcileTimer);
    this.retryReconcile(0);
  }

  private retryReconcile(delay = Math.min(10_000, 500 * 2 ** this.reconcileRetries++)): void {
    clearTimeout(this.reconcileTimer);
    if (this.closed) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcile().catch((error: unknown) => {
        if (this.closed) return;
        if (error instanceof ChatError && error.transient) return this.retryReconcile();
        this.unreachable = false;
        this.failure = error instanceof ChatError ? error : ChatError.network(error);
        this.emit();
      });
    }, delay);
  }

  /**
   * Reads the newest page and merges it with what is held (dropping a cache it does not join), then (re)starts the
   * live subscriptions from there.
   */
  private reconcile(): Promise<void> {
    // One at a time: a second caller (loadOlder while offline, a retry, reconnect) waits for the one under way.
    this.reconciling ??= this.readNewestPage().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async readNewestPage(): Promise<void> {
    const page = await this.client.history(this.channelId, { last: this.pageSize });
    if (this.closed) return;
    clearTimeout(this.reconcileTimer);
    const nodes = page.edges.map((edge) => edge.node);
    // A cache that does not join the page, or whose changes since could not all be replayed, gives way to the page.
    if (this.fromCache && (!this.joins(nodes) || page.lastRev - this.changeVariables.afterRev > MAX_REPLAY)) {
      this.forget();
    }
    if (!this.fromCache) {
      this.changeVariables.afterRev = Math.max(this.changeVariables.afterRev, page.lastRev);
      this.oldestCursor = page.pageInfo.startCursor ?? null;
      this.older = page.pageInfo.hasPreviousPage;
    }
    this.newestPageStart = page.pageInfo.startCursor ?? null;
    for (const edge of page.edges) this.cursors.set(edge.node.seq, edge.cursor);
    const newest = nodes[nodes.length - 1]?.seq ?? 0;
    this.liveVariables.afterSeq = Math.max(this.liveVariables.afterSeq, newest);
    this.unreachable = false;
    this.reconcileRetries = 0;
    this.add(nodes);
    this.emit();
    this.stopLive?.();
    this.stopChanges?.();
    this.goLive();
  }

  /**
   * Whether the cached run joins the newest page: no seq missing between them, the same message at each seq both
   * hold, and nothing cached past the server's newest (else the cache is from another database).
   */
  private joins(nodes: readonly Message[]): boolean {
    if (!nodes.length) return this.list.length === 0;
    if (nodes[0].seq > this.liveVariables.afterSeq + 1) return false;
    if (this.liveVariables.afterSeq > nodes[nodes.length - 1].seq) return false;
    return nodes.every((node) => (this.bySeq.get(node.seq)?.id ?? node.id) === node.id);
  }

  /** Drops every message held (a stale cache), so the newest page starts the view afresh. */
  private forget(): void {
    this.fromCache = false;
    this.ids.clear();
    this.bySeq.clear();
    this.cursors.clear();
    this.ahead.clear();
    this.list = [];
    this.liveVariables.afterSeq = 0;
    this.changeVariables.afterRev = 0;
  }

  /**
   * Subscribes from `resumeSeq`. A subscription the server ends for a passing reason (INTERNAL_SERVER_ERROR while
   * its database is unreachable, SLOW_CONSUMER) is opened again after a pause (0.5 s doubling to 10 s) from where
   * the view is; any other error ends live updates and is kept in `error`.
   */
  private goLive(): void {
    if (this.closed) return;
    const failed = (error: ChatError) => {
      this.stopLive?.();
      this.stopChanges?.();
      this.stopLive = this.stopChanges = undefined;
      if (this.closed) return;
      if (error.transient || error.code === 'SLOW_CONSUMER') {
        clearTimeout(this.retryTimer);
        const delay = Math.min(10_000, 500 * 2 ** this.retries++);
        this.retryTimer = setTimeout(() => this.goLive(), delay);
        return;
      }
      this.failure = error;
      this.emit();
    };
    this.stopLive = this.client.subscribe(MessageAdded, this.liveVariables, {
      next: (data) => {
        this.retries = 0;
        this.add([data.messageAdded]);
      },
      error: failed,
    });
    this.stopChanges = this.client.subscribe(MessageChanged, this.changeVariables, {
      next: (data) => {
        this.retries = 0;
        const change = data.messageChanged;
        this.changeVariables.afterRev = Math.max(this.changeVariables.afterRev, change.rev);
        this.applyChange(change.message);
      },
      error: failed,
    });
  }

  /**
   * An edit or deletion: replaces the copy held when it is newer (higher rev). A change of a message not held yet
   * is kept until the message arrives when the message is newer than `resumeSeq` or a page is being loaded; else it
   * is dropped (a page loaded later has the message as it is now).
   */
  private applyChange(message: Message): void {
    if (message.channelId !== this.channelId) return;
    const held = this.bySeq.get(message.seq);
    if (held) {
      if (held.id !== message.id || held.rev >= message.rev) return;
      this.bySeq.set(message.seq, message);
      this.list = this.list.map((m) => (m.seq === message.seq ? message : m));
      this.emit();
      return;
    }
    const mayArrive = message.seq > this.liveVariables.afterSeq || this.pageLoads > 0;
    if (mayArrive && (this.ahead.get(message.id)?.rev ?? -1) < message.rev) {
      this.ahead.set(message.id, message);
    }
  }

  /**
   * Loads the page before the oldest message held and resolves with how many messages it added (0 at the start of
   * the channel). When the oldest message held came from the cache without its cursor, pages are read back from the
   * newest page until they pass it. @throws ChatError as `open` does.
   */
  async loadOlder(): Promise<number> {
    if (!this.older) return 0;
    this.pageLoads++;
    try {
      if (!this.oldestCursor && !this.newestPageStart) await this.reconcile();
      let before = this.oldestCursor ?? this.newestPageStart;
      const oldestHeld = this.list[0]?.seq ?? Infinity;
      let added = 0;
      for (;;) {
        const page = await this.client.history(this.channelId, {
          last: this.pageSize,
          ...(before ? { before } : {}),
        });
        for (const edge of page.edges) this.cursors.set(edge.node.seq, edge.cursor);
        added += this.add(page.edges.map((edge) => edge.node));
        const first = page.edges[0]?.node.seq;
        if (!page.pageInfo.hasPreviousPage || first === undefined || first < oldestHeld || this.oldestCursor) {
          this.older = page.pageInfo.hasPreviousPage;
          this.oldestCursor = page.pageInfo.startCursor ?? this.oldestCursor;
          this.emit();
          return added;
        }
        before = page.pageInfo.startCursor ?? null;
      }
    } finally {
      this.pageLoads--;
    }
  }

  /**
   * Merges messages into the list (e.g. the answer to a send, before it arrives live) and resolves with how many
   * were new. Messages of other channels are ignored.
   */
  add(messages: readonly Message[]): number {
    let added = 0;
    let changed = false;
    for (const given of messages) {
      if (given.channelId !== this.channelId) continue;
      const held = this.bySeq.get(given.seq);
      if (held) {
        // Already held: a newer copy (an edit or deletion read with a page) replaces it.
        if (held.id === given.id && given.rev > held.rev) {
          this.bySeq.set(given.seq, given);
          changed = true;
        }
        continue;
      }
      if (this.ids.has(given.id)) continue;
      const ahead = this.ahead.get(given.id);
      this.ahead.delete(given.id);
      this.ids.add(given.id);
      this.bySeq.set(given.seq, ahead && ahead.rev > given.rev ? ahead : given);
      added++;
    }
    if (added === 0 && !changed) return 0;
    this.list = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    while (this.bySeq.has(this.liveVariables.afterSeq + 1)) this.liveVariables.afterSeq++;
    if (this.pageLoads === 0) {
      for (const [id, message] of this.ahead) if (message.seq <= this.liveVariables.afterSeq) this.ahead.delete(id);
    }
    this.emit();
    return added;
  }

  /**
   * Marks the channel read up to the newest message held without a gap before it (`resumeSeq`), as it is shown: call
   * it when the newest message is on screen. Sends nothing when that seq is already marked (by this view); a failure
   * leaves it to the next call.
   */
  async markShown(): Promise<void> {
    const newest = this.resumeSeq;
    if (newest <= this.markedSeq) return;
    this.markedSeq = newest;
    try {
      await this.client.markRead(this.channelId, newest);
    } catch (error) {
      if (this.markedSeq === newest) this.markedSeq = 0;
      throw error;
    }
  }

  /** Ends the live subscriptions, and writes the cache at once when a change is not written yet (see `saved`). */
  close(): void {
    if (this.saveTimer !== undefined) {
      clearTimeout(this.saveTimer);
      void this.writeCache();
    }
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.reconcileTimer);
    this.stopLive?.();
    this.stopChanges?.();
    this.stopLive = this.stopChanges = undefined;
    this.listeners.clear();
  }

  /** Resolves once the cache writes begun so far are done (a write that fails leaves the cache as it was). */
  saved(): Promise<void> {
    return this.writing;
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
    this.scheduleCacheWrite();
  }

  /** The cache, while it is still this view's user's (no sign-out or other user's sign-in since the view opened). */
  private get cache() {
    const store = this.client.messageStore;
    if (!store || !this.options.userId || this.client.cacheGeneration !== this.cacheGeneration) return undefined;
    return { store, userId: this.options.userId };
  }

  /** The cached channel, or undefined (no cache, nothing cached, or a store that failed: it is only a cache). */
  private async readCache() {
    const cache = this.cache;
    return cache?.store.read(cache.userId, this.channelId).catch(() => undefined);
  }

  /** Removes the channel from the cache (the viewer may no longer see it). */
  private async forgetCache(): Promise<void> {
    const cache = this.cache;
    await cache?.store.write(cache.userId, this.channelId, { messages: [], lastRev: 0 }).catch(() => undefined);
  }

  private scheduleCacheWrite(): void {
    if (!this.cache || this.closed || this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => void this.writeCache(), this.options.cacheDelayMs ?? 300);
  }

  /** Writes the unbroken run of messages up to `resumeSeq`, with the newest change they reflect. */
  private writeCache(): Promise<void> {
    this.saveTimer = undefined;
    const cache = this.cache;
    if (!cache) return this.writing;
    const run: CachedMessage[] = [];
    for (let seq = this.liveVariables.afterSeq; this.bySeq.has(seq); seq--) {
      const cursor = this.cursors.get(seq);
      run.push(cursor ? { ...this.bySeq.get(seq)!, cursor } : this.bySeq.get(seq)!);
    }
    if (!run.length) return this.writing;
    const channel = { messages: run.reverse(), lastRev: this.changeVariables.afterRev };
    this.writing = this.writing
      .then(() => cache.store.write(cache.userId, this.channelId, channel))
      .catch(() => undefined);
    return this.writing;
  }

  private withoutCursor(message: CachedMessage): Message {
    const { cursor, ...rest } = message;
    if (cursor) this.cursors.set(message.seq, cursor);
    return rest;
  }
}

/** The messages of `messages` (ordered by seq) from the newest back to the first missing seq. */
function unbrokenTail<T extends { seq: number }>(messages: readonly T[]): T[] {
  let start = messages.length - 1;
  while (start > 0 && messages[start - 1].seq === messages[start].seq - 1) start--;
  return messages.slice(Math.max(start, 0));
}
