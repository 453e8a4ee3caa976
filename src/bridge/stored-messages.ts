import type { Logger } from 'pino';
import type { ChangeView, MessageView } from '../services/views';

/** A part that delivers what was committed: each new message, and each edit or deletion. */
export interface Delivery {
  message(message: MessageView): void;
  change(change: ChangeView): void;
}

type Committed = { message: MessageView } | { change: ChangeView };

/**
 * Where every committed message and every committed change goes, and the one place that says so: the services hand
 * each here once its transaction has committed (never before), and the parts that deliver them are registered here.
 * Today those are the relay, which publishes them on the broker for every instance and for direct MQTT clients
 * (src/bridge/relay.ts), and this instance's live subscriptions, which get them at once
 * (src/bridge/live-messages.ts); the broker's copy then reaches them as a repeat, which their channel feed drops.
 */
export class StoredMessages {
  private readonly deliveries: { name: string; delivery: Delivery }[] = [];
  /**
   * What was committed while the deliveries were still being registered (the default channels' first messages,
   * stored at start-up before the relay exists): each delivery registered later gets it too, so it is published at
   * once rather than left to the relay's sweeper. Kept until {@link StoredMessages.ready}.
   */
  private early: Committed[] | undefined = [];

  constructor(private readonly logger: Logger) {}

  /** Registers a delivery, called for everything committed from now on (and what was before ready()). */
  on(name: string, delivery: Delivery): void {
    const registered = { name, delivery };
    this.deliveries.push(registered);
    for (const committed of this.early ?? []) this.deliver(registered, committed);
  }

  /** Every delivery is registered: what is committed from now on goes to them alone, and nothing is kept. */
  ready(): void {
    this.early = undefined;
  }

  /**
   * A message that has just been committed. Never throws: the message is stored whatever a delivery does, and a
   * delivery that fails is logged (the relay's sweeper and the feeds' gap filling catch up from the database).
   */
  readonly stored = (message: MessageView): void => this.committed({ message });

  /** An edit or deletion that has just been committed; as {@link stored}. */
  readonly changed = (change: ChangeView): void => this.committed({ change });

  private committed(committed: Committed): void {
    this.early?.push(committed);
    for (const registered of this.deliveries) this.deliver(registered, committed);
  }

  private deliver({ name, delivery }: { name: string; delivery: Delivery }, committed: Committed) {
    try {
      if ('message' in committed) delivery.message(committed.message);
      else delivery.change(committed.change);
    } catch (err) {
      const message = 'message' in committed ? committed.message : committed.change.message;
      this.logger.error({ err, messageId: message.id, delivery: name }, 'a delivery of a committed message failed');
    }
  }
}
