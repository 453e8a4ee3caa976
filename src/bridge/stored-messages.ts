import type { Logger } from 'pino';
import type { MessageView } from '../services/views';

/**
 * Where every committed message goes, and the one place that says so: the services hand each message here once its
 * transaction has committed (never before), and the parts that deliver it are registered here. Today those are the
 * relay, which publishes it on the broker for every instance and for direct MQTT clients (src/bridge/relay.ts), and
 * this instance's live subscriptions, which get it at once (src/bridge/live-messages.ts); the broker's copy of it then
 * reaches them as a repeat, which their channel feed drops.
 */
export class StoredMessages {
  private readonly deliveries: { name: string; deliver: (message: MessageView) => void }[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers a delivery, called for every message stored from now on, in the order registered. */
  on(name: string, deliver: (message: MessageView) => void): void {
    this.deliveries.push({ name, deliver });
  }

  /**
   * A message that has just been committed. Never throws: the message is stored whatever a delivery does, and a
   * delivery that fails is logged (the relay's sweeper and the feeds' gap filling catch up from the database).
   */
  readonly stored = (message: MessageView): void => {
    for (const { name, deliver } of this.deliveries) {
      try {
        deliver(message);
      } catch (err) {
        this.logger.error({ err, messageId: message.id, delivery: name }, 'a delivery of a stored message failed');
      }
    }
  };
}
