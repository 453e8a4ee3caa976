import { badInput, unauthenticated } from '../errors';
import type { AccessEvents } from '../services/access-events';
import type { Viewer } from '../services/auth.service';

/** What a user's clients learn of each other: today, that their read position in a channel moved. */
export interface ViewerEvent {
  kind: 'READ_POSITION';
  channelId: string;
}

/**
 * The streams of `Subscription.viewerEvents`: each of a user's subscriptions, on any instance (the notices come
 * through AccessEvents, and from other instances through SessionBroadcast), learns each channel whose read position
 * moved. Events not yet read are coalesced per channel, so a stream holds at most one per channel however fast the
 * user marks; each stream gets event objects of its own, so no execution of one is shared with another user
 * (sharedSubscribe shares per event object).
 */
export class ViewerEvents {
  private readonly streams = new Map<string, Set<ViewerStream>>();
  private readonly stopListening: () => void;

  constructor(
    events: AccessEvents,
    private readonly maxPerUser: number,
  ) {
    this.stopListening = events.on({
      readMoved: (userId, channelId) => {
        for (const stream of this.streams.get(userId) ?? []) stream.push(channelId);
      },
    });
  }

  /**
   * Opens a stream of the viewer's events.
   *
   * @throws DomainError UNAUTHENTICATED without a viewer; BAD_USER_INPUT past `maxPerUser` streams of the user.
   */
  subscribe(viewer: Viewer | null): AsyncIterableIterator<ViewerEvent> {
    if (!viewer) throw unauthenticated();
    const userId = viewer.user.id;
    const streams = this.streams.get(userId) ?? new Set<ViewerStream>();
    if (streams.size >= this.maxPerUser) {
      throw badInput('viewerEvents', `At most ${this.maxPerUser} viewerEvents subscriptions per user at once.`);
    }
    const stream = new ViewerStream(() => {
      streams.delete(stream);
      if (streams.size === 0) this.streams.delete(userId);
    });
    streams.add(stream);
    this.streams.set(userId, streams);
    return stream;
  }

  /** Ends every stream and stops listening. */
  close(): void {
    this.stopListening();
    for (const streams of [...this.streams.values()]) for (const stream of [...streams]) stream.end();
  }
}

/** One subscription's events, coalesced per channel until read. `return` never rejects. */
class ViewerStream implements AsyncIterableIterator<ViewerEvent> {
  private readonly pending = new Set<string>();
  private waiting: ((result: IteratorResult<ViewerEvent>) => void) | undefined;
  private ended = false;

  constructor(private readonly onEnd: () => void) {}

  push(channelId: string): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value: { kind: 'READ_POSITION', channelId }, done: false });
      return;
    }
    this.pending.delete(channelId);
    this.pending.add(channelId);
  }

  next(): Promise<IteratorResult<ViewerEvent>> {
    const [channelId] = this.pending;
    if (channelId !== undefined) {
      this.pending.delete(channelId);
      return Promise.resolve({ value: { kind: 'READ_POSITION', channelId }, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ViewerEvent>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending.clear();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ViewerEvent> {
    return this;
  }
}
