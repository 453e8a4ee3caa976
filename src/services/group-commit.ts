import { DeadlockException, LockMode, UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import { Channel, ChannelKind, Membership, Message, MessageKind, User } from '../entities';
import { forbidden, hiddenFrom, notFound } from './channel-access';
import { lockingTransaction } from './transaction';

/** One USER message waiting to be stored. */
export interface PendingSend {
  userId: string;
  body: string;
  clientMessageId: string;
  now: Date;
}

interface Waiting extends PendingSend {
  resolve: (message: Message) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit per channel. Sends to one channel that arrive while a transaction for that channel is running wait
 * for it, then share the next transaction: one lock of the channel row, consecutive seqs, one multi-row insert, one
 * commit (and one fsync). Each caller still gets its own message, or its own refusal (access is checked per sender
 * under the lock). With no contention a send has its own transaction at once: nothing waits for a batch to fill.
 */
export class GroupCommit {
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(
    private readonly orm: MikroORM,
    private readonly maxBatch = 100,
  ) {}

  /**
   * Stores a message in the channel.
   *
   * @throws DomainError NOT_FOUND (unknown channel, or another user's PRIVATE one), FORBIDDEN (a PASSWORD channel
   * not joined); UniqueConstraintViolationException when the sender already used the clientMessageId.
   */
  store(channelId: string, send: PendingSend): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const queue = this.waiting.get(channelId);
      if (queue) {
        queue.push({ ...send, resolve, reject });
        return;
      }
      this.waiting.set(channelId, [{ ...send, resolve, reject }]);
      void this.drain(channelId);
    });
  }

  private async drain(channelId: string): Promise<void> {
    const queue = this.waiting.get(channelId)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      await this.commit(channelId, batch);
    }
    this.waiting.delete(channelId);
  }

  private async commit(channelId: string, batch: Waiting[], attempt = 1): Promise<void> {
    try {
      const outcomes = await lockingTransaction(this.orm, async (tx) => {
        const channel = await tx.findOne(Channel, { id: channelId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!channel) return batch.map(() => notFound());
        const senders = [...new Set(batch.map((s) => s.userId))];
        const members =
          channel.kind === ChannelKind.PASSWORD
            ? new Set((await tx.find(Membership, { channel: channelId, user: { $in: senders } })).map((m) => m.user.id))
            : undefined;
        const results = batch.map((send): Message | Error => {
          if (hiddenFrom(channel, send.userId)) return notFound();
          if (members && !members.has(send.userId)) return forbidden();
          channel.lastSeq += 1;
          return tx.create(Message, {
            channel,
            seq: channel.lastSeq,
            kind: MessageKind.USER,
            body: send.body,
            sender: tx.getReference(User, send.userId),
            systemEvent: null,
            clientMessageId: send.clientMessageId,
            createdAt: send.now,
            publishedAt: null,
          });
        });
        await tx.flush();
        return results;
      });
      batch.forEach((send, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Message) send.resolve(outcome);
        else send.reject(outcome);
      });
    } catch (error) {
      // Multi-row inserts of two channels' batches can deadlock on the shared secondary indexes (sender,
      // clientMessageId): MySQL rolls one back, which is then simply run again.
      if (error instanceof DeadlockException && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        await this.commit(channelId, batch, attempt + 1);
        return;
      }
      // One duplicate clientMessageId fails the whole shared transaction: store the others one by one.
      if (error instanceof UniqueConstraintViolationException && batch.length > 1) {
        for (const send of batch) await this.commit(channelId, [send]);
        return;
      }
      for (const send of batch) send.reject(error);
    }
  }
}
