import type { Logger } from 'pino';
import { MessageKind, SystemEvent } from '../entities';
import { badInput, DomainError, ErrorCode, forbidden, notFound, unauthenticated } from '../errors';
import type { Metrics } from '../metrics';
import type { Viewer } from '../services/auth.service';
import type { ChannelService } from '../services/channel.service';
import type { MessageChangeService } from '../services/message-change.service';
import { MESSAGE_RULES, type MessageService } from '../services/message.service';
import type { ChangeView, MessageView } from '../services/views';
import type { BrokerConnection } from './broker';
import { ChannelFeed } from './channel-feed';
import { decodePayload, type PayloadSigner } from './payload';
import { Subscriber } from './subscriber';
import type { Topics } from './topics';

/** The longest message body (messageBodySchema), what the first read of a replay is sized by. */
const MAX_BODY_CHARACTERS = 4000;

/** SYSTEM events after which someone may no longer read the channel: their subscriptions are checked again. */
const LOSES_ACCESS = new Set<SystemEvent | null>([SystemEvent.MEMBER_LEFT, SystemEvent.MEMBER_REMOVED]);

export interface LiveMessagesOptions {
  /** How long an early seq waits for the missing ones before they are read from the database (default 250 ms). */
  gapWaitMs?: number;
  /** Live messages held per subscriber before it reads from the database instead (default 16). */
  subscriberBuffer?: number;
  /**
   * Messages a subscriber reads from the database at a time (default 100, the longest history page: 16 the first
   * time, and fewer after a page of long ones), of which it keeps at most `replayPageCharacters` of bodies (default
   * 64,000: 16 messages of the longest body; at least one).
   */
  replayPage?: number;
  replayPageCharacters?: number;
  /** Subscriptions one user may hold on this instance, over all their sockets (default 50). */
  maxSubscriptionsPerUser?: number;
}

/** One of a channel's two streams: its messages by seq, or its changes (edits and deletions) by rev. */
interface Stream<T> {
  /** This stream's feed of each channel watched on this instance. */
  feeds: Map<string, ChannelFeed<T>>;
  /** What the stream's items are, in the errors of its subscriptions. */
  items: string;
  /** How a client catches up when it missed more than a replay serves. */
  catchUp: string;
  positionOf: (item: T) => number;
  /** The length of the item's message body: what a replay page holds is bounded by it. */
  weightOf: (item: T) => number;
  between(channelId: string, after: number, upTo: number, limit?: number): Promise<T[]>;
  last(channelId: string): Promise<number>;
  /** @throws DomainError NOT_FOUND / FORBIDDEN as for history. */
  readableLast(viewer: Viewer, channelId: string): Promise<number>;
  /** Hands an item, in turn, to the feed's subscribers. */
  deliver(item: T, feed: ChannelFeed<T>): void;
  /**
   * The messages stream, for the change stream: its feed of a channel holds the channel's message feed too, whose
   * MEMBER_LEFT and MEMBER_REMOVED messages (gap-filled and resynced like any) end the subscriptions of both streams
   * of who left or was removed.
   */
  holds?: Stream<MessageView>;
}

/**
 * The bridge from the broker to `Subscription.messageAdded` and `Subscription.messageChanged`. It subscribes to a
 * channel's topic while at least one local subscriber watches the channel (reference counted), validates every
 * payload, and hands each subscriber the channel's messages in seq order, or its changes in rev order, without gaps
 * or repeats. What this instance stores or changes also reaches its own subscribers at once (`stored`, `changed`),
 * without the round trip through the broker; the feed drops the second copy.
 */
export class LiveMessages {
  /** Feeds per channel (of either stream), which hold its topic subscription. */
  private readonly topicRefs = new Map<string, number>();
  private readonly messageStream: Stream<MessageView>;
  private readonly changeStream: Stream<ChangeView>;
  /** Open subscriptions per user on this instance. */
  private readonly perUser = new Map<string, number>();
  private readonly options: Required<LiveMessagesOptions>;
  private readonly topicPattern: RegExp;

  constructor(
    private readonly broker: BrokerConnection,
    private readonly topics: Topics,
    messages: MessageService,
    changes: MessageChangeService,
    private readonly channels: ChannelService,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly signer: PayloadSigner,
    options: LiveMessagesOptions = {},
  ) {
    this.options = {
      gapWaitMs: options.gapWaitMs ?? 250,
      subscriberBuffer: options.subscriberBuffer ?? 16,
      replayPage: options.replayPage ?? MESSAGE_RULES.maxPage,
      replayPageCharacters: options.replayPageCharacters ?? 64_000,
      maxSubscriptionsPerUser: options.maxSubscriptionsPerUser ?? 50,
    };
    this.messageStream = {
      feeds: new Map(),
      items: 'messages',
      catchUp: 'load them with Query.messages, then subscribe from the newest',
      positionOf: (message) => message.seq,
      weightOf: (message) => message.body.length,
      between: (channelId, after, upTo, limit) => messages.between(channelId, after, upTo, limit),
      last: (channelId) => messages.lastSeq(channelId),
      readableLast: (viewer, channelId) => messages.readableLastSeq(viewer, channelId),
      deliver: (message, feed) => this.deliver(message, feed),
    };
    this.changeStream = {
      feeds: new Map(),
      items: 'changes',
      catchUp: "read the channel's lastRev, reload its history, then subscribe from that rev",
      positionOf: (change) => change.rev,
      weightOf: (change) => change.message.body.length,
      between: (channelId, after, upTo, limit) => changes.between(channelId, after, upTo, limit),
      last: (channelId) => changes.lastRev(channelId),
      readableLast: (viewer, channelId) => changes.readableLastRev(viewer, channelId),
      deliver: (change, feed) => this.fanOut(change, feed),
      holds: this.messageStream,
    };
    this.topicPattern = new RegExp(`^${topics.prefix.replace(/[.]/g, '\\.')}/channel/([^/]+)$`);
    broker.client.on('message', (topic, payload) => this.route(topic, payload));
    // Publications made while the connection was down never reach this instance: catch up from the database.
    broker.client.on('connect', () => {
      void this.resyncAll();
      setTimeout(() => void this.resyncAll(), 4 * this.options.gapWaitMs).unref();
    });
  }

  /**
   * Opens a live stream of a channel's messages for one viewer. With `afterSeq`, the stored messages after it come
   * first, read from the database a page at a time as the client reads them, then the live ones, with no gap and no
   * repeat between the two (see Subscriber). Access is checked before and again after the subscriber joins the
   * feed, so a leave racing the subscription still ends it.
   *
   * @throws DomainError UNAUTHENTICATED without a session; NOT_FOUND / FORBIDDEN as for history; BAD_USER_INPUT
   * for a negative afterSeq, a replay of more than 1000 messages (page the history instead), or past the
   * subscriptions a user may hold on this instance.
   */
  subscribe(
    viewer: Viewer | null,
    channelId: string,
    afterSeq?: number | null,
  ): Promise<AsyncIterableIterator<MessageView>> {
    return this.open(this.messageStream, 'afterSeq', viewer, channelId, afterSeq);
  }

  /**
   * Opens a live stream of a channel's changes (edits and deletions) for one viewer, in rev order, each with its
   * message as it is then; with `afterRev`, the stored changes after it come first, each with its message as it is
   * now. Otherwise as {@link subscribe}.
   *
   * @throws DomainError as for {@link subscribe}, with `afterRev` in place of `afterSeq`.
   */
  subscribeChanges(
    viewer: Viewer | null,
    channelId: string,
    afterRev?: number | null,
  ): Promise<AsyncIterableIterator<ChangeView>> {
    return this.open(this.changeStream, 'afterRev', viewer, channelId, afterRev);
  }

  private async open<T>(
    stream: Stream<T>,
    field: 'afterSeq' | 'afterRev',
    viewer: Viewer | null,
    channelId: string,
    after?: number | null,
  ): Promise<AsyncIterableIterator<T>> {
    if (!viewer) throw unauthenticated();
    if (after != null && after < 0) throw badInput(field, `${field} must be 0 or more.`);
    const userId = viewer.user.id;
    const held = this.perUser.get(userId) ?? 0;
    if (held >= this.options.maxSubscriptionsPerUser) {
      throw badInput(
        'channelId',
        `At most ${this.options.maxSubscriptionsPerUser} subscriptions per user at once; end one before opening another.`,
      );
    }
    // Counted from here, so that concurrent subscribes cannot all pass the check above.
    this.perUser.set(userId, held + 1);
    let released = false;
    const releaseUser = () => {
      if (released) return;
      released = true;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    };
    let feed: ChannelFeed<T> | undefined;
    let subscriber: Subscriber<T> | undefined;
    try {
      await stream.readableLast(viewer, channelId);
      const opened = (feed = this.acquire(stream, channelId));
      await opened.ready;
      const position = opened.delivered;
      if (after != null && position - after > MESSAGE_RULES.maxReplay) {
        throw badInput(field, `More than ${MESSAGE_RULES.maxReplay} ${stream.items} were missed; ${stream.catchUp}.`);
      }
      const created: Subscriber<T> = new Subscriber(
        userId,
        after != null && after < position ? after : position,
        {
          between: (from, upTo, limit) => stream.between(channelId, from, upTo, limit),
          get position() {
            return opened.delivered;
          },
          positionOf: stream.positionOf,
          weightOf: stream.weightOf,
        },
        {
          buffer: this.options.subscriberBuffer,
          page: this.options.replayPage,
          pageWeight: this.options.replayPageCharacters,
          // As many of the longest bodies as the weight holds: a first read never loads more than that of them.
          firstPage: Math.max(1, Math.floor(this.options.replayPageCharacters / MAX_BODY_CHARACTERS)),
          // Twice the longest replay: a subscriber that starts a full replay behind has as much again to catch up.
          maxLag: 2 * MESSAGE_RULES.maxReplay,
        },
        () =>
          new DomainError(
            ErrorCode.SLOW_CONSUMER,
            `More than ${2 * MESSAGE_RULES.maxReplay} ${stream.items} arrived that were not read; ${stream.catchUp}.`,
          ),
        () => {
          opened.subscribers.delete(created);
          this.metrics.subscriptions.dec();
          this.release(stream, opened);
          releaseUser();
        },
      );
      subscriber = created;
      opened.subscribers.add(created);
      this.metrics.subscriptions.inc();
      // Access again, now that the subscriber is registered: a leave stored after this point reaches it as a
      // MEMBER_LEFT through the feed (dropLeavers), and one stored before it is seen here.
      await stream.readableLast(viewer, channelId);
      return created;
    } catch (error) {
      if (subscriber) await subscriber.return();
      else {
        if (feed) this.release(stream, feed);
        releaseUser();
      }
      throw error;
    }
  }

  /**
   * A message this instance has just stored: its local subscribers have it now, without waiting for the broker's
   * copy (which the feed then drops as a repeat). Subscribers on other instances get it through the broker.
   */
  stored(message: MessageView): void {
    this.messageStream.feeds.get(message.channelId)?.receive(message);
  }

  /** A change this instance has just committed: as {@link stored}, for the channel's change subscribers. */
  changed(change: ChangeView): void {
    this.changeStream.feeds.get(change.message.channelId)?.receive(change);
  }

  /** A channel was deleted: its live subscriptions (of both streams) end with NOT_FOUND. */
  channelDeleted(channelId: string): void {
    const subscribers: Pick<Subscriber<unknown>, 'fail'>[] = [
      ...(this.messageStream.feeds.get(channelId)?.subscribers ?? []),
      ...(this.changeStream.feeds.get(channelId)?.subscribers ?? []),
    ];
    for (const subscriber of subscribers) subscriber.fail(notFound());
  }

  /** Ends every live subscription (shutdown). */
  async close(): Promise<void> {
    for (const feed of this.allFeeds()) {
      for (const subscriber of [...feed.subscribers]) await subscriber.return();
    }
  }

  /** Every feed of both streams. */
  private allFeeds(): ChannelFeed<unknown>[] {
    return [...this.messageStream.feeds.values(), ...this.changeStream.feeds.values()] as ChannelFeed<unknown>[];
  }

  private acquire<T>(stream: Stream<T>, channelId: string): ChannelFeed<T> {
    let feed = stream.feeds.get(channelId);
    if (!feed) {
      const created = new ChannelFeed<T>(
        channelId,
        stream.positionOf,
        { between: (after, upTo) => stream.between(channelId, after, upTo), last: () => stream.last(channelId) },
        (item, from) => stream.deliver(item, from),
        this.options.gapWaitMs,
        this.logger,
      );
      this.topicRefs.set(channelId, (this.topicRefs.get(channelId) ?? 0) + 1);
      created.ready = (async () => {
        await this.broker.client.subscribeAsync(this.topics.channel(channelId), { qos: 1 });
        created.start(await stream.last(channelId));
      })();
      created.ready.catch(() => undefined);
      stream.feeds.set(channelId, created);
      if (stream.holds) this.acquire(stream.holds, channelId);
      feed = created;
    }
    feed.refs += 1;
    return feed;
  }

  private release<T>(stream: Stream<T>, feed: ChannelFeed<T>): void {
    feed.refs -= 1;
    if (feed.refs > 0 || stream.feeds.get(feed.channelId) !== feed) return;
    stream.feeds.delete(feed.channelId);
    feed.close();
    const held = stream.holds?.feeds.get(feed.channelId);
    if (stream.holds && held) this.release(stream.holds, held);
    const topicRefs = (this.topicRefs.get(feed.channelId) ?? 1) - 1;
    if (topicRefs > 0) {
      this.topicRefs.set(feed.channelId, topicRefs);
      return;
    }
    this.topicRefs.delete(feed.channelId);
    if (this.broker.client.connected) {
      this.broker.client
        .unsubscribeAsync(this.topics.channel(feed.channelId))
        .catch((err: unknown) => this.logger.debug({ err }, 'unsubscribe failed'));
    }
  }

  private route(topic: string, payload: Buffer): void {
    const channelId = this.topicPattern.exec(topic)?.[1];
    if (!channelId || !this.topicRefs.has(channelId)) return;
    const event = decodePayload(payload, channelId, this.signer);
    if (!event) {
      this.logger.warn({ topic, bytes: payload.length }, 'dropped a malformed or unsigned message payload');
      return;
    }
    if (event.type === 'message.created') this.messageStream.feeds.get(channelId)?.receive(event.message);
    else this.changeStream.feeds.get(channelId)?.receive(event.change);
  }

  private fanOut<T>(item: T, feed: ChannelFeed<T>): void {
    for (const subscriber of feed.subscribers) subscriber.push(item);
    this.metrics.deliveries.inc(feed.subscribers.size);
  }

  private deliver(message: MessageView, feed: ChannelFeed<MessageView>): void {
    this.fanOut(message, feed);
    if (message.kind === MessageKind.SYSTEM && LOSES_ACCESS.has(message.systemEvent)) {
      void this.dropLeavers(feed.channelId);
    }
  }

  /** After someone leaves a channel, ends the live subscriptions (of both streams) of whoever may no longer read it. */
  private async dropLeavers(channelId: string): Promise<void> {
    const subscribers: Pick<Subscriber<unknown>, 'userId' | 'fail'>[] = [
      ...(this.messageStream.feeds.get(channelId)?.subscribers ?? []),
      ...(this.changeStream.feeds.get(channelId)?.subscribers ?? []),
    ];
    try {
      const allowed = await this.channels.usersWithAccess(channelId, [...new Set(subscribers.map((s) => s.userId))]);
      for (const subscriber of subscribers) if (!allowed.has(subscriber.userId)) subscriber.fail(forbidden());
    } catch (err) {
      this.logger.warn({ err, channelId }, 'could not re-check access after a member left');
    }
  }

  private async resyncAll(): Promise<void> {
    for (const feed of this.allFeeds()) {
      await feed
        .resync()
        .catch((err: unknown) => this.logger.warn({ err, channelId: feed.channelId }, 'resync failed'));
    }
  }
}
