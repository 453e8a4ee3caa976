import { DeadlockException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { badInput, DomainError, ErrorCode, notFound, rateLimited } from '../errors';
import { accessRefusal, isChannelId } from './channel-access';
import type { Step } from './store/plain-sql';
import {
  ChannelSequence,
  earlierSendsByKey,
  lockedChannels,
  memberKeys,
  sendKey,
  sendTimes,
  type EarlierSend,
  type MessageStore,
} from './store/message.store';
import { userMessageView, type MessageView, type UserView } from './views';
import { timeOrderedId } from '../entities/ids';

/** One USER message waiting to be stored. */
export interface PendingSend {
  sender: UserView;
  body: string;
  clientMessageId: string;
  now: Date;
}

/** The send limit: at most `sends` messages by one sender within any `windowMs`. */
export interface SendRate {
  sends: number;
  windowMs: number;
}

/** How often a batch rolled back as a deadlock (or a lost Galera certification) runs before its sends are refused. */
const MAX_ATTEMPTS = 10;

/** What a send came to: the message it stored (`stored`), or the one an earlier send with its clientMessageId did. */
export interface SendOutcome {
  message: MessageView;
  stored: boolean;
}

interface Waiting extends PendingSend {
  channelId: string;
  resolve: (outcome: SendOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit. Sends that arrive while a storing transaction runs wait for it, then share the next one, whatever
 * their channels: one statement locks the channel rows (in id order, so two instances' batches cannot deadlock on
 * them), each channel's messages take its next seqs in arrival order (ChannelSequence, the one way a seq is taken),
 * one multi-row insert stores them all, one update moves every channel's `last_seq`, one commit (and one fsync) makes
 * them durable. Each caller still gets its own message, or its own refusal: access (accessRefusal, the rule
 * channel-access owns) and rate are checked per sender under the locks. With no contention a send has its own
 * transaction at once: nothing waits for a batch to fill.
 *
 * The statements are plain SQL (MessageStore): this is the hottest write path, and on loopback each statement's round
 * trip costs the server more CPU than anything else it does for a send, so a transaction's statements are shared by
 * as many sends as possible, and on MySQL they go in two round trips (PlainSql.transaction; bench/RESULTS.md). On
 * MySQL the transaction is READ COMMITTED, as every transaction is (src/mikro-orm.config.ts).
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private running = false;
  constructor(
    private readonly messageStore: MessageStore,
    private readonly rate: SendRate,
    private readonly maxBatch = 200,
  ) {}

  /**
   * Stores a message in the channel, or answers a retry: when the sender already stored a message under this
   * clientMessageId (read under their row lock, so a retry racing the first send, on any instance, sees it), that
   * message is the answer and nothing is stored.
   *
   * @throws DomainError BAD_USER_INPUT when the clientMessageId was used for another message (see
   * {@link retriedSend}); NOT_FOUND (unknown channel, or another user's PRIVATE one), FORBIDDEN (a PASSWORD channel
   * not joined), RATE_LIMITED (the sender's limit is reached, counted under their row lock in the storing
   * transaction, so it holds however many sends run at once, on however many instances); UNAVAILABLE when the
   * batch kept losing to deadlocks.
   */
  store(channelId: string, send: PendingSend): Promise<SendOutcome> {
    // Refused before it joins a batch, where a query the store cannot run would fail every send in it.
    if (!isChannelId(channelId)) return Promise.reject(notFound());
    return new Promise<SendOutcome>((resolve, reject) => {
      this.waiting.push({ ...send, channelId, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      await this.commit(batch);
    }
    this.running = false;
  }

  private async commit(batch: Waiting[], attempt = 1): Promise<void> {
    try {
      const outcomes = await this.messageStore.transaction((step) => this.insert(step, batch));
      batch.forEach((send, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) send.reject(outcome);
        else send.resolve(outcome);
      });
    } catch (error) {
      // Rolled back as a deadlock: multi-row inserts of two instances' batches can deadlock on the shared secondary
      // indexes (sender, clientMessageId), and on a Galera cluster a batch that lost certification to another node's
      // commit (on the same channel rows) fails the same way. Nothing of it stayed: the whole batch runs again, and
      // takes its seqs again after the winner's. (PlainSql also reports a transaction found lost under a step as a
      // deadlock; on a Galera node, where each statement goes alone, the first statement after the loss fails
      // instead, so none of the batch ran outside it. The unique keys on (channel, seq) and (sender,
      // clientMessageId) refuse a second copy of anything that did stay.)
      if (error instanceof DeadlockException && attempt < MAX_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
        await this.commit(batch, attempt + 1);
        return;
      }
      // A clientMessageId stored since this batch read its senders' earlier sends (which the sender's lock should
      // rule out): store the sends one by one, and a lone one again, where the earlier send is now read and answered.
      if (error instanceof UniqueConstraintViolationException && batch.length > 1) {
        for (const send of batch) await this.commit([send], attempt + 1);
        return;
      }
      if (error instanceof UniqueConstraintViolationException && attempt < MAX_ATTEMPTS) {
        await this.commit(batch, attempt + 1);
        return;
      }
      if (error instanceof DeadlockException || error instanceof UniqueConstraintViolationException) {
        const busy = new DomainError(
          ErrorCode.UNAVAILABLE,
          'The channel is too busy right now; send again.',
          { retryAfterSeconds: 1 },
          error,
        );
        for (const send of batch) send.reject(busy);
        return;
      }
      for (const send of batch) send.reject(error);
    }
  }

  /**
   * Locks the channel rows, then the senders' rows, and reads the senders' memberships, their sends within the rate
   * window and what they already stored under these clientMessageIds (one round trip, which also begins the
   * transaction), answers each retry with its earlier message, checks each other send's access and rate, then
   * inserts the accepted messages, moves `last_seq` and commits (another). Both locks are taken in id order, channels
   * before users, so batches of several instances cannot deadlock on them; the sender's lock is what makes the rate
   * exact, as the sends that counted are committed before it is granted.
   */
  private async insert(step: Step, batch: Waiting[]): Promise<(SendOutcome | Error)[]> {
    const channelIds = [...new Set(batch.map((s) => s.channelId))];
    const senderIds = [...new Set(batch.map((s) => s.sender.id))];
    const since = Math.min(...batch.map((s) => s.now.getTime())) - this.rate.windowMs;
    const [channelRows, , memberRows, sendRows, earlierRows] = await step([
      this.messageStore.lockChannels(channelIds),
      this.messageStore.lockUsers(senderIds),
      this.messageStore.memberships(channelIds, senderIds),
      this.messageStore.sendsSince(senderIds, new Date(since)),
      this.messageStore.earlierSends(
        batch.map((send) => ({ senderId: send.sender.id, clientMessageId: send.clientMessageId })),
      ),
    ]);
    const locked = lockedChannels(channelRows);
    const channels = new Map(locked.map((channel) => [channel.id, channel]));
    const sequence = new ChannelSequence(locked);
    const members = memberKeys(memberRows);
    const sent = sendTimes(sendRows);
    const earlier = earlierSendsByKey(earlierRows);

    const outcomes = batch.map((send): SendOutcome | Error => {
      const key = sendKey(send.sender.id, send.clientMessageId);
      const first = earlier.get(key);
      if (first) return retriedSend(first, send);
      const channel = channels.get(send.channelId);
      if (!channel) return notFound();
      const refusal =
        accessRefusal(channel, send.sender.id, members.has(`${channel.id} ${send.sender.id}`)) ??
        this.overRate(sent.get(send.sender.id) ?? [], send.now.getTime());
      if (refusal) return refusal;
      sent.set(send.sender.id, [...(sent.get(send.sender.id) ?? []), send.now.getTime()]);
      const message = userMessageView({
        id: timeOrderedId(),
        channelId: channel.id,
        seq: sequence.next(channel.id),
        body: send.body,
        sender: send.sender,
        clientMessageId: send.clientMessageId,
        createdAt: send.now,
      });
      // The same clientMessageId again in this batch is a retry of this send.
      earlier.set(key, message);
      return { message, stored: true };
    });
    const stored = outcomes.flatMap((o) => (o instanceof Error || !o.stored ? [] : [o.message]));
    if (stored.length > 0) await step([this.messageStore.insert(stored), ...sequence.advance()], { commit: true });
    return outcomes;
  }

  /**
   * RATE_LIMITED when the sender's sends within the window before `now` already reach the limit. Sends stored by
   * other transactions with a later time than `now` (they began after this one but committed first) count too.
   */
  private overRate(times: number[], now: number): Error | undefined {
    const recent = times.filter((t) => t > now - this.rate.windowMs).sort((a, b) => b - a);
    if (recent.length < this.rate.sends) return undefined;
    // A place frees when the limit-th newest send leaves the window.
    const freesAt = recent[this.rate.sends - 1] + this.rate.windowMs;
    return rateLimited((freesAt - now) / 1000, 'You are sending too fast; wait a moment.');
  }
}

/**
 * A retry must match the first send; a clientMessageId reused for something else is refused. Once the message has
 * been edited or deleted its first body is gone, so a retry is matched on the channel alone and answered with the
 * message as it is now. No access or rate check: the send was accepted when it was first stored.
 *
 * @returns BAD_USER_INPUT (as an error to answer with) for a clientMessageId used for another message.
 */
function retriedSend(earlier: EarlierSend, send: Waiting): SendOutcome | Error {
  if (earlier.channelId !== send.channelId || (earlier.rev === 0 && earlier.body !== send.body)) {
    return badInput('clientMessageId', 'This clientMessageId was already used for another message.');
  }
  const message = userMessageView({ ...earlier, sender: send.sender, clientMessageId: send.clientMessageId });
  return { message, stored: false };
}
