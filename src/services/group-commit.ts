import { randomUUID } from 'node:crypto';
import {
  DeadlockException,
  DriverException,
  IsolationLevel,
  UniqueConstraintViolationException,
  type MikroORM,
  type Transaction as Tx,
} from '@mikro-orm/core';
import { MySqlPlatform } from '@mikro-orm/mysql';
import { ChannelKind, MessageKind } from '../entities';
import { forbidden, notFound } from './channel-access';
import { PlainSql } from './plain-sql';
import type { MessageView, UserView } from './views';

/** One USER message waiting to be stored. */
export interface PendingSend {
  sender: UserView;
  body: string;
  clientMessageId: string;
  now: Date;
}

interface Waiting extends PendingSend {
  resolve: (message: MessageView) => void;
  reject: (error: unknown) => void;
}

interface ChannelRow {
  kind: ChannelKind;
  owner_id: string | null;
  last_seq: number;
}

/**
 * Group commit per channel. Sends to one channel that arrive while a transaction for that channel is running wait
 * for it, then share the next transaction: one lock of the channel row, consecutive seqs, one multi-row insert, one
 * commit (and one fsync). Each caller still gets its own message, or its own refusal (access is checked per sender
 * under the lock). With no contention a send has its own transaction at once: nothing waits for a batch to fill.
 *
 * The statements are plain SQL (PlainSql): this is the hottest write path, and the unit of work's change sets cost
 * more CPU than the statements. On MySQL the transaction is READ COMMITTED, as in `lockingTransaction`.
 */
export class GroupCommit {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly sql: PlainSql;
  private readonly mysql: boolean;

  constructor(
    private readonly orm: MikroORM,
    private readonly maxBatch = 100,
  ) {
    this.sql = new PlainSql(orm);
    this.mysql = orm.em.getPlatform() instanceof MySqlPlatform;
  }

  /**
   * Stores a message in the channel.
   *
   * @throws DomainError NOT_FOUND (unknown channel, or another user's PRIVATE one), FORBIDDEN (a PASSWORD channel
   * not joined); UniqueConstraintViolationException when the sender already used the clientMessageId.
   */
  store(channelId: string, send: PendingSend): Promise<MessageView> {
    return new Promise<MessageView>((resolve, reject) => {
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
      const outcomes = await this.transaction((tx) => this.insert(tx, channelId, batch));
      batch.forEach((send, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) send.reject(outcome);
        else send.resolve(outcome);
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

  /** Locks the channel row, checks each sender's access, inserts the accepted messages and moves `last_seq`. */
  private async insert(tx: Tx, channelId: string, batch: Waiting[]): Promise<(MessageView | Error)[]> {
    const [channel] = await this.sql.rows<ChannelRow>(
      `select kind, owner_id, last_seq from channels where id = ?${this.mysql ? ' for update' : ''}`,
      [channelId],
      tx,
    );
    if (!channel) return batch.map(() => notFound());
    let members: Set<string> | undefined;
    if (channel.kind === ChannelKind.PASSWORD) {
      const senders = [...new Set(batch.map((s) => s.sender.id))];
      const rows = await this.sql.rows<{ user_id: string }>(
        `select user_id from memberships where channel_id = ? and user_id in (${senders.map(() => '?').join(', ')})`,
        [channelId, ...senders],
        tx,
      );
      members = new Set(rows.map((row) => row.user_id));
    }
    let lastSeq = Number(channel.last_seq);
    const outcomes = batch.map((send): MessageView | Error => {
      if (channel.kind === ChannelKind.PRIVATE && channel.owner_id !== send.sender.id) return notFound();
      if (members && !members.has(send.sender.id)) return forbidden();
      lastSeq += 1;
      return {
        id: randomUUID(),
        channelId,
        seq: lastSeq,
        kind: MessageKind.USER,
        body: send.body,
        sender: send.sender,
        systemEvent: null,
        clientMessageId: send.clientMessageId,
        createdAt: send.now,
      };
    });
    const stored = outcomes.filter((o): o is MessageView => !(o instanceof Error));
    if (stored.length === 0) return outcomes;
    await this.sql.run(
      `insert into messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at) values ${stored
        .map(() => '(?, ?, ?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      stored.flatMap((m) => [
        m.id,
        channelId,
        m.seq,
        m.kind,
        m.body,
        m.sender!.id,
        m.clientMessageId,
        this.sql.date(m.createdAt),
      ]),
      tx,
    );
    await this.sql.run('update channels set last_seq = ? where id = ?', [lastSeq, channelId], tx);
    return outcomes;
  }

  private async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const isolationLevel = this.mysql ? IsolationLevel.READ_COMMITTED : undefined;
    try {
      return await this.orm.em.getConnection().transactional(work, { isolationLevel });
    } catch (error) {
      // Statements' errors are converted already (PlainSql); BEGIN's and COMMIT's are the driver's own.
      throw error instanceof DriverException ? error : this.orm.em.getDriver().convertException(error as Error);
    }
  }
}
