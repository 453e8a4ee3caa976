import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AccessEvents } from '../services/access-events';
import type { BrokerConnection } from './broker';
import type { PayloadSigner } from './payload';
import type { Topics } from './topics';

/**
 * Tells the other server instances, through the broker, of each session that ended here (logout), each read
 * position that moved here (markRead) and each channel deleted here, and tells this instance of theirs: a session's sockets and broker clients
 * close at once on every instance, and a user's clients on every instance learn their new read position. The notices
 * are signed like messages; an unsigned or altered one is ignored. Should the broker be down, the instances' periodic
 * session checks close the sockets instead, and read positions are read again when clients ask.
 */
export class SessionBroadcast {
  private readonly stopListening: () => void;
  /** This instance's notices come back to it from the broker: they carry its id, and it skips them. */
  private readonly instance = randomUUID();

  constructor(
    private readonly broker: BrokerConnection,
    private readonly topics: Topics,
    private readonly signer: PayloadSigner,
    events: AccessEvents,
    private readonly logger: Logger,
    /**
     * Told true once the other instances' notices can arrive (subscribed), false when they may be missed (the broker
     * connection closed): what relies on them (the session cache) stops trusting itself until true again.
     */
    onListening: (listening: boolean) => void = () => undefined,
  ) {
    const subscribe = () =>
      void broker.client
        .subscribeAsync([topics.sessionsEnded, topics.readMoved, topics.channelDeleted], { qos: 1 })
        .then(() => onListening(true))
        .catch((err: unknown) => logger.warn({ err }, 'could not subscribe to session notices'));
    broker.client.on('connect', subscribe);
    broker.client.on('close', () => onListening(false));
    if (broker.client.connected) subscribe();
    broker.client.on('message', (topic, payload) => {
      if (topic !== topics.sessionsEnded && topic !== topics.readMoved && topic !== topics.channelDeleted) return;
      const notice = this.signer.open(payload);
      if (!notice || notice.from === this.instance) return;
      if (notice.type === 'session.ended' && typeof notice.sessionId === 'string') {
        events.sessionEnded(notice.sessionId, 'remote');
      } else if (
        notice.type === 'read.moved' &&
        typeof notice.userId === 'string' &&
        typeof notice.channelId === 'string'
      ) {
        events.readMoved(notice.userId, notice.channelId, 'remote');
      } else if (notice.type === 'channel.deleted' && typeof notice.channelId === 'string') {
        events.channelDeleted(notice.channelId, 'remote');
      }
    });
    this.stopListening = events.on({
      sessionEnded: (sessionId, origin) => {
        if (origin === 'local') this.tell(this.topics.sessionsEnded, { v: 1, type: 'session.ended', sessionId });
      },
      readMoved: (userId, channelId, origin) => {
        if (origin === 'local') this.tell(this.topics.readMoved, { v: 1, type: 'read.moved', userId, channelId });
      },
      channelDeleted: (channelId, origin) => {
        if (origin === 'local') this.tell(this.topics.channelDeleted, { v: 1, type: 'channel.deleted', channelId });
      },
    });
  }

  close(): void {
    this.stopListening();
  }

  private tell(topic: string, notice: Record<string, unknown>): void {
    this.broker.client
      .publishAsync(topic, this.signer.seal({ ...notice, from: this.instance }), { qos: 1 })
      .catch((err: unknown) => this.logger.warn({ err, notice }, 'could not tell other instances of a change'));
  }
}
