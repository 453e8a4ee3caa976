import type { MikroORM } from '@mikro-orm/core';
import { badInput } from '../errors';
import type { Viewer } from './auth.service';
import { accessibleChannel } from './channel-access';
import type { Clock } from './clock';
import { ReadStore, type ReadState } from './store/read.store';
import type { ChannelView } from './views';

const NOTHING_READ: ReadState = { lastReadSeq: 0, unreadCount: 0 };

/** Each user's read position per channel, and the unread counts that follow from it. */
export class ReadPositionService {
  private readonly store: ReadStore;

  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    /** Told of each read position moved, after it is stored (the user's other clients follow). Must not throw. */
    private readonly onReadMoved: (userId: string, channelId: string) => void = () => undefined,
  ) {
    this.store = new ReadStore(orm);
  }

  /**
   * Marks the channel read up to `seq` for the viewer. The position only moves forward: an older seq is accepted and
   * changes nothing, and of two marks at once the higher one stays.
   *
   * @throws DomainError BAD_USER_INPUT (field `seq`) for a seq below 0 or past the channel's newest message;
   * NOT_FOUND for an unknown id or another user's PRIVATE channel; FORBIDDEN for a PASSWORD channel not joined.
   * Nothing is stored then.
   */
  async markRead(viewer: Viewer, channelId: string, seq: number): Promise<void> {
    const channel = await accessibleChannel(this.orm.em.fork(), channelId, viewer.user.id);
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > channel.lastSeq) {
      throw badInput('seq', `seq must be between 0 and the channel's newest, ${channel.lastSeq}.`);
    }
    const before = await this.store.position(viewer.user.id, channel.id);
    await this.store.advance(viewer.user.id, channel.id, seq, this.clock());
    // Only a mark that moves the position is news for the user's other clients (a race may tell them twice).
    if (seq > before) this.onReadMoved(viewer.user.id, channel.id);
  }

  /**
   * The viewer's read state in each channel, in the order given, with one query for all of them; channels the viewer
   * cannot access read as nothing read and nothing unread (as their `lastSeq` reads 0).
   */
  async states(viewer: Viewer, channels: readonly ChannelView[]): Promise<ReadState[]> {
    const open = channels.filter((c) => c.canAccess).map((c) => c.id);
    const found = await this.store.states(viewer.user.id, [...new Set(open)]);
    return channels.map((c) => (c.canAccess ? (found.get(c.id) ?? NOTHING_READ) : NOTHING_READ));
  }
}
