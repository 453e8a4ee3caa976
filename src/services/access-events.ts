/** Where an access event happened: on this instance, or on another one (told through the broker). */
export type EventOrigin = 'local' | 'remote';

/** What follows access as it changes: sockets, the embedded broker, Mosquitto's dynamic security. */
export interface AccessListener {
  /** A session ended (logout): whatever it holds open must close now. */
  sessionEnded?(sessionId: string, origin: EventOrigin): void;
  /** The channels a user may read changed (a channel created, joined or left), after the change was stored. */
  accessChanged?(userId: string, origin: EventOrigin): void;
  /** A user's read position in a channel moved (markRead), after it was stored: their other clients follow. */
  readMoved?(userId: string, channelId: string, origin: EventOrigin): void;
  /** A channel was deleted (deleteChannel), after the deletion was stored: whatever follows it ends. */
  channelDeleted?(channelId: string, origin: EventOrigin): void;
}

/**
 * The changes that the parts holding connections must follow at once: of access, and of a user's read positions. Services tell it after they commit;
 * listeners are registered on it when the parts that follow are built. A listener that throws is reported to
 * `onError` and does not keep the others from hearing the event.
 */
export class AccessEvents {
  private readonly listeners: AccessListener[] = [];

  constructor(private readonly onError: (error: unknown, event: string) => void = () => undefined) {}

  /** Registers a listener; returns a function that removes it. */
  on(listener: AccessListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  sessionEnded(sessionId: string, origin: EventOrigin = 'local'): void {
    this.emit('sessionEnded', (l) => l.sessionEnded?.(sessionId, origin));
  }

  accessChanged(userId: string, origin: EventOrigin = 'local'): void {
    this.emit('accessChanged', (l) => l.accessChanged?.(userId, origin));
  }

  readMoved(userId: string, channelId: string, origin: EventOrigin = 'local'): void {
    this.emit('readMoved', (l) => l.readMoved?.(userId, channelId, origin));
  }

  channelDeleted(channelId: string, origin: EventOrigin = 'local'): void {
    this.emit('channelDeleted', (l) => l.channelDeleted?.(channelId, origin));
  }

  private emit(event: string, call: (listener: AccessListener) => void): void {
    for (const listener of [...this.listeners]) {
      try {
        call(listener);
      } catch (error) {
        this.onError(error, event);
      }
    }
  }
}
