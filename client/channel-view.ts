import type { ChatClient, Message } from './chat-client';
import type { ChatError } from './errors';
import { MessageAdded, MessageChanged } from './operations';

export interface ChannelViewOptions {
  /** Messages per history page (1–100, default 50). */
  pageSize?: number;
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

  constructor(
    private readonly client: ChatClient,
    readonly channelId: string,
    options: ChannelViewOptions = {},
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
   * Loads the newest page, then goes live from its newest seq (messages) and from the channel's newest change read
   * before the page (`lastRev`: edits and deletions).
   * @throws ChatError when the page cannot be loaded (NOT_FOUND, FORBIDDEN, NETWORK_ERROR); nothing is live then.
   */
  async open(): Promise<void> {
    const page = await this.client.history(this.channelId, { last: this.pageSize });
    this.changeVariables.afterRev = Math.max(this.changeVariables.afterRev, page.lastRev);
    this.oldestCursor = page.pageInfo.startCursor ?? null;
    this.older = page.pageInfo.hasPreviousPage;
    const newest = page.edges[page.edges.length - 1]?.node.seq ?? 0;
    this.liveVariables.afterSeq = Math.max(this.liveVariables.afterSeq, newest);
    this.add(page.edges.map((edge) => edge.node));
    this.stopLive?.();
    this.stopChanges?.();
    this.goLive();
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
   * the channel). @throws ChatError as `open` does.
   */
  async loadOlder(): Promise<number> {
    if (!this.older) return 0;
    this.pageLoads++;
    let page;
    try {
      page = await this.client.history(this.channelId, {
        last: this.pageSize,
        ...(this.oldestCursor ? { before: this.oldestCursor } : {}),
      });
    } finally {
      this.pageLoads--;
    }
    this.oldestCursor = page.pageInfo.startCursor ?? this.oldestCursor;
    this.older = page.pageInfo.hasPreviousPage;
    return this.add(page.edges.map((edge) => edge.node));
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

  /** Ends the live subscriptions. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopLive?.();
    this.stopChanges?.();
    this.stopLive = this.stopChanges = undefined;
    this.listeners.clear();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
