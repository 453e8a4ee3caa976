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
  /**
   * Messages stored while the deliveries were still being registered (the default channels' first messages, stored
   * at start-up before the relay exists): each delivery registered later gets them too, so they are published at
   * once rather than left to the relay's sweeper. Kept until {@link StoredMessages.ready}.
   */
  private early: MessageView[] | undefined = [];

  constructor(private readonly logger: Logger) {}

  /** Registers a delivery, called for every message stored from now on (and those stored before ready()). */
  on(name: string, deliver: (message: MessageView) => void): void {
    const delivery = { name, deliver };
    this.deliveries.push(delivery);
    for (const message of this.early ?? []) this.deliver(delivery, message);
  }

  /** Every delivery is registered: messages stored from now on go to them alone, and none is kept. */
  ready(): void {
    this.early = undefined;
  }

  /**
   * A message that has just been committed. Never throws: the message is stored whatever a delivery does, and a
   * delivery that fails is logged (the relay's sweeper and the feeds' gap filling catch up from the database).
   */
  readonly stored = (message: MessageView): void => {
    this.early?.push(message);
    for (const delivery of this.deliveries) this.deliver(delivery, message);
  };

  private deliver({ name, deliver }: { name: string; deliver: (message: MessageView) => void }, message: MessageView) {
    try {
      deliver(message);
    } catch (err) {
      this.logger.error({ err, messageId: message.id, delivery: name }, 'a delivery of a stored message failed');
    }
  }
}
