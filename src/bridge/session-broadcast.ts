import type { Logger } from 'pino';
import type { AccessEvents } from '../services/access-events';
import type { BrokerConnection } from './broker';
import type { PayloadSigner } from './payload';
import type { Topics } from './topics';

/**
 * Tells the other server instances, through the broker, of each session that ended here (logout), and tells this
 * instance of theirs, so a session's sockets and broker clients close at once on every instance. The notices are
 * signed like messages; an unsigned or altered one is ignored. Should the broker be down, the instances' periodic
 * session checks close the sockets instead.
 */
export class SessionBroadcast {
  private readonly stopListening: () => void;

  constructor(
    private readonly broker: BrokerConnection,
    private readonly topics: Topics,
    private readonly signer: PayloadSigner,
    events: AccessEvents,
    private readonly logger: Logger,
  ) {
    const subscribe = () =>
      void broker.client
        .subscribeAsync(topics.sessionsEnded, { qos: 1 })
        .catch((err: unknown) => logger.warn({ err }, 'could not subscribe to session notices'));
    broker.client.on('connect', subscribe);
    if (broker.client.connected) subscribe();
    broker.client.on('message', (topic, payload) => {
      if (topic !== topics.sessionsEnded) return;
      const sessionId = this.read(payload);
      if (sessionId) events.sessionEnded(sessionId, 'remote');
    });
    this.stopListening = events.on({
      sessionEnded: (sessionId, origin) => {
        if (origin === 'local') this.tell(sessionId);
      },
    });
  }

  close(): void {
    this.stopListening();
  }

  private tell(sessionId: string): void {
    this.broker.client
      .publishAsync(this.topics.sessionsEnded, this.signer.seal({ v: 1, type: 'session.ended', sessionId }), { qos: 1 })
      .catch((err: unknown) =>
        this.logger.warn({ err, sessionId }, 'could not tell other instances of an ended session'),
      );
  }

  private read(payload: Buffer): string | undefined {
    const notice = this.signer.open(payload);
    return notice?.type === 'session.ended' && typeof notice.sessionId === 'string' ? notice.sessionId : undefined;
  }
}
