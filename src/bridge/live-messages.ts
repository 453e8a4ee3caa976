import type { Logger } from 'pino';
import { MessageKind, SystemEvent } from '../entities';
import { badInput, DomainError, ErrorCode, forbidden, unauthenticated } from '../errors';
import type { Metrics } from '../metrics';
import type { Viewer } from '../services/auth.service';
import type { ChannelService } from '../services/channel.service';
import { MESSAGE_RULES, type MessageService } from '../services/message.service';
import type { MessageView } from '../services/views';
import type { BrokerConnection } from './broker';
import { ChannelFeed } from './channel-feed';
import { decodePayload, type PayloadSigner } from './payload';
import { Subscriber } from './subscriber';
import type { Topics } from './topics';

export interface LiveMessagesOptions {
  /** How long an early seq waits for the missing ones before they are read from the database (default 250 ms). */
  gapWaitMs?: number;
  /** Live messages held per subscriber before it reads from the database instead (default 16). */
  subscriberBuffer?: number;
  /** Messages a subscriber reads from the database at a time (default 16). */
  replayPage?: number;
  /** Subscriptions one user may hold on this instance, over all their sockets (default 50). */
  maxSubscriptionsPerUser?: number;
}

/**
 * The bridge from the broker to `Subscription.messageAdded`. It subscribes to a channel's topic while at least one
 * local subscriber watches the channel (reference counted), validates every payload, and hands each subscriber the
 * channel's messages in seq order, without gaps or repeats. Messages this instance stores also reach its own
 * subscribers at once (`stored`), without the round trip through the broker; the feed drops the second copy.
 */
export class LiveMessages {
  private readonly feeds = new Map<string, ChannelFeed>();
  /** Open subscriptions per user on this instance. */
  private readonly perUser = new Map<string, number>();
  private readonly options: Required<LiveMessagesOptions>;
  private readonly topicPattern: RegExp;

  constructor(
    private readonly broker: BrokerConnection,
    private readonly topics: Topics,
    private readonly messages: MessageService,
    private readonly channels: ChannelService,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly signer: PayloadSigner,
    options: LiveMessagesOptions = {},
  ) {
    this.options = {
      gapWaitMs: options.gapWaitMs ?? 250,
      subscriberBuffer: options.subscriberBuffer ?? 16,
      replayPage: options.replayPage ?? 16,
      maxSubscriptionsPerUser: options.maxSubscriptionsPerUser ?? 50,
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
  async subscribe(
    viewer: Viewer | null,
    channelId: string,
    afterSeq?: number | null,
  ): Promise<AsyncIterableIterator<MessageView>> {
    if (!viewer) throw unauthenticated();
    if (afterSeq != null && afterSeq < 0) throw badInput('afterSeq', 'afterSeq must be 0 or more.');
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
    let feed: ChannelFeed | undefined;
    let subscriber: Subscriber | undefined;
    try {
      await this.messages.readableLastSeq(viewer, channelId);
      const opened = (feed = this.acquire(channelId));
      await opened.ready;
      const position = opened.delivered;
      if (afterSeq != null && position - afterSeq > MESSAGE_RULES.maxReplay) {
        throw badInput(
          'afterSeq',
          `More than ${MESSAGE_RULES.maxReplay} messages were missed; load them with Query.messages, then subscribe from the newest.`,
        );
      }
      const created: Subscriber = new Subscriber(
        userId,
        afterSeq != null && afterSeq < position ? afterSeq : position,
        {
          between: (after, upTo, limit) => this.messages.between(channelId, after, upTo, limit),
          get position() {
            return opened.delivered;
          },
        },
        // Twice the longest replay: a subscriber that starts a full replay behind has as much again to catch up.
        { buffer: this.options.subscriberBuffer, page: this.options.replayPage, maxLag: 2 * MESSAGE_RULES.maxReplay },
        () =>
          new DomainError(
            ErrorCode.SLOW_CONSUMER,
            `More than ${2 * MESSAGE_RULES.maxReplay} messages arrived that were not read; page the history, then subscribe from its newest seq.`,
          ),
        () => {
          opened.subscribers.delete(created);
          this.metrics.subscriptions.dec();
          this.release(opened);
          releaseUser();
        },
      );
      subscriber = created;
      opened.subscribers.add(created);
      this.metrics.subscriptions.inc();
      // Access again, now that the subscriber is registered: a leave stored after this point reaches it as a
      // MEMBER_LEFT through the feed (dropLeavers), and one stored before it is seen here.
      await this.messages.readableLastSeq(viewer, channelId);
      return created;
    } catch (error) {
      if (subscriber) await subscriber.return();
      else {
        if (feed) this.release(feed);
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
    this.feeds.get(message.channelId)?.receive(message);
  }

  /** Ends every live subscription (shutdown). */
  async close(): Promise<void> {
    for (const feed of [...this.feeds.values()]) {
      for (const subscriber of [...feed.subscribers]) await subscriber.return();
    }
  }

  private acquire(channelId: string): ChannelFeed {
    let feed = this.feeds.get(channelId);
    if (!feed) {
      const created = new ChannelFeed(
        channelId,
        {
          between: (after, upTo) => this.messages.between(channelId, after, upTo),
          lastSeq: () => this.messages.lastSeq(channelId),
        },
        (message, from) => this.deliver(message, from),
        this.options.gapWaitMs,
        this.logger,
      );
      created.ready = (async () => {
        await this.broker.client.subscribeAsync(this.topics.channel(channelId), { qos: 1 });
        created.start(await this.messages.lastSeq(channelId));
      })();
      created.ready.catch(() => undefined);
      this.feeds.set(channelId, created);
      feed = created;
    }
    feed.refs += 1;
    return feed;
  }

  private release(feed: ChannelFeed): void {
    feed.refs -= 1;
    if (feed.refs > 0 || this.feeds.get(feed.channelId) !== feed) return;
    this.feeds.delete(feed.channelId);
    feed.close();
    if (this.broker.client.connected) {
      this.broker.client
        .unsubscribeAsync(this.topics.channel(feed.channelId))
        .catch((err: unknown) => this.logger.debug({ err }, 'unsubscribe failed'));
    }
  }

  private route(topic: string, payload: Buffer): void {
    const channelId = this.topicPattern.exec(topic)?.[1];
    const feed = channelId ? this.feeds.get(channelId) : undefined;
    if (!feed) return;
    const message = decodePayload(payload, feed.channelId, this.signer);
    if (!message) {
      this.logger.warn({ topic, bytes: payload.length }, 'dropped a malformed or unsigned message payload');
      return;
    }
    feed.receive(message);
  }

  private deliver(message: MessageView, feed: ChannelFeed): void {
    for (const subscriber of feed.subscribers) subscriber.push(message);
    this.metrics.deliveries.inc(feed.subscribers.size);
    if (message.kind === MessageKind.SYSTEM && message.systemEvent === SystemEvent.MEMBER_LEFT) {
      void this.dropLeavers(feed);
    }
  }

  /** After someone leaves a channel, ends the live subscriptions of whoever may no longer read it. */
  private async dropLeavers(feed: ChannelFeed): Promise<void> {
    const subscribers = [...feed.subscribers];
    try {
      const allowed = await this.channels.usersWithAccess(feed.channelId, [
        ...new Set(subscribers.map((s) => s.userId)),
      ]);
      for (const subscriber of subscribers) if (!allowed.has(subscriber.userId)) subscriber.fail(forbidden());
    } catch (err) {
      this.logger.warn({ err, channelId: feed.channelId }, 'could not re-check access after a member left');
    }
  }

  private async resyncAll(): Promise<void> {
    for (const feed of this.feeds.values()) {
      await feed
        .resync()
        .catch((err: unknown) => this.logger.warn({ err, channelId: feed.channelId }, 'resync failed'));
    }
  }
}
