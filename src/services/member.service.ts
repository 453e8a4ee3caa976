import type { MikroORM } from '@mikro-orm/core';
import { ChannelKind } from '../entities';
import { badInput } from '../errors';
import type { Viewer } from './auth.service';
import { accessibleChannel } from './channel-access';
import { MemberStore } from './store/member.store';
import { decodeMemberCursor, encodeMemberCursor } from './cursor';
import { userView, type ChannelView, type PageInfo, type UserView } from './views';

/** A page of a channel's members, Relay-style, in the order they joined. */
export interface MemberPage {
  edges: { cursor: string; node: UserView }[];
  pageInfo: PageInfo;
}

export const MEMBER_RULES = { defaultPage: 50, maxPage: 100 } as const;

/**
 * Who is in a channel. A PASSWORD channel's members are those who joined it (the owner from the start); a PRIVATE
 * channel's only member is its owner; a DEFAULT channel has no member list, as every signed-in user may read it.
 */
export class MemberService {
  private readonly store: MemberStore;

  constructor(private readonly orm: MikroORM) {
    this.store = new MemberStore(orm);
  }

  /**
   * Each channel's member count, in the order given, with one query for all of them: 0 for a DEFAULT channel (no
   * member list) and for a channel the viewer cannot access, 1 for a PRIVATE channel (its owner).
   */
  async counts(channels: readonly ChannelView[]): Promise<number[]> {
    const password = channels.filter((c) => c.canAccess && c.kind === ChannelKind.PASSWORD).map((c) => c.id);
    const counted = await this.store.counts([...new Set(password)]);
    return channels.map((c) => {
      if (!c.canAccess || c.kind === ChannelKind.DEFAULT) return 0;
      return c.kind === ChannelKind.PRIVATE ? 1 : (counted.get(c.id) ?? 0);
    });
  }

  /**
   * A page of the channel's members: `first` of them (default 50) after the `after` cursor.
   *
   * @throws DomainError BAD_USER_INPUT for `first` outside 1–100 or a cursor not of this channel's members;
   * NOT_FOUND for an unknown id or another user's PRIVATE channel; FORBIDDEN for a PASSWORD channel not joined.
   */
  async page(
    viewer: Viewer,
    channelId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<MemberPage> {
    const first = args.first ?? MEMBER_RULES.defaultPage;
    if (!Number.isInteger(first) || first < 1 || first > MEMBER_RULES.maxPage) {
      throw badInput('first', `first must be between 1 and ${MEMBER_RULES.maxPage}.`);
    }
    const em = this.orm.em.fork();
    const channel = await accessibleChannel(em, channelId, viewer.user.id);
    const after = args.after == null ? undefined : decodeMemberCursor('after', args.after, channel.id);
    let members: { user: UserView; joinedAt: Date }[] = [];
    let more = false;
    if (channel.kind === ChannelKind.PASSWORD) {
      const rows = await this.store.page(channel.id, after, first + 1);
      more = rows.length > first;
      members = rows.slice(0, first).map((r) => ({ user: userView(r), joinedAt: r.joinedAt }));
    } else if (channel.kind === ChannelKind.PRIVATE && !after) {
      await em.populate(channel, ['owner']);
      members = [{ user: userView(channel.owner!), joinedAt: channel.createdAt }];
    }
    const edges = members.map((m) => ({ cursor: encodeMemberCursor(channel.id, m.joinedAt, m.user.id), node: m.user }));
    return {
      edges,
      pageInfo: {
        hasNextPage: more,
        hasPreviousPage: after !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }
}
