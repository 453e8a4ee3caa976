import { createHash } from 'node:crypto';
import { LockMode, type EntityManager, type MikroORM, type QueryResult } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import {
  Channel,
  ChannelKind,
  ChannelPasswordFailure,
  ChannelRemoval,
  Membership,
  SystemEvent,
  Tier,
  tierAtLeast,
  User,
} from '../entities';
import { badInput, DomainError, ErrorCode, notFound, rateLimited } from '../errors';
import type { Viewer } from './auth.service';
import { canAccess, findChannel, hiddenFrom, isMember } from './channel-access';
import type { Clock } from './clock';
import { MessageStore } from './store/message.store';
import type { PassService } from './pass.service';
import { lockingTransaction } from './transaction';
import { ChannelPasswords } from './channel-passwords';
import { channelNameSchema, channelPasswordSchema, parseField } from './validation';
import { channelView, type ChannelView, type MessageStored, type MessageView } from './views';

const MINUTE = 60_000;

/** The contract's PASSWORD-channel throttle: 10 wrong tries in 15 minutes by one user on one channel. */
export const JOIN_RULES = { maxWrongPasswords: 10, windowMs: 15 * MINUTE } as const;

/** How many channels one user may hold (README, "Limits"). */
export interface ChannelCaps {
  /** PRIVATE and PASSWORD channels a user owns (MAX_CHANNELS_PER_USER). */
  owned: number;
  /** PASSWORD channels a user is a member of, their own included (MAX_MEMBERSHIPS_PER_USER). */
  memberships: number;
}

export interface CreateChannel {
  name: string;
  kind: ChannelKind;
  password?: string | null;
}

type RecordSystemMessage = (channelId: string, event: SystemEvent, body: string, now: Date) => Promise<void>;

/**
 * The namespace of DEFAULT channels' ids (RFC 9562 §5.5). Drawn at random once, as RFC 9562 §6.5 advises for a
 * namespace of one's own. Never to change: every DEFAULT channel's id, its MQTT topic and its cursors derive from it,
 * and Migration20261203001100NameBasedChannelIds keeps its own copy of it.
 */
export const DEFAULT_CHANNEL_NAMESPACE = 'a2eceaf8-7a04-4c83-a1c1-2af6d23ef4cc';

/**
 * A name-based UUID, version 5 (RFC 9562 §5.5): SHA-1 of the namespace's 16 bytes and the name's UTF-8, its first
 * 16 bytes with the version and variant bits set. Computed here rather than with the `uuid` package: its current
 * majors are ES modules only, which jest's CommonJS runtime cannot load untransformed, and the algorithm is fixed.
 */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The stable id of a DEFAULT channel: the same name gives the same id on every instance and database, a valid UUID
 * (version 5 of the name in DEFAULT_CHANNEL_NAMESPACE) that strict validators accept.
 */
export function defaultChannelId(name: string): string {
  return uuidV5(DEFAULT_CHANNEL_NAMESPACE, name);
}

/** Channels, who may enter them, and the SYSTEM messages that record their life. */
export class ChannelService {
  constructor(
    private readonly orm: MikroORM,
    private readonly passes: PassService,
    private readonly clock: Clock,
    private readonly onStored: MessageStored,
    /** Told of each user whose access changed (a channel created, joined or left), after the commit. */
    private readonly onAccessChanged: (userId: string) => void = () => undefined,
    private readonly caps: ChannelCaps = { owned: 100, memberships: 500 },
    private readonly passwords = new ChannelPasswords(),
  ) {
    this.messageStore = new MessageStore(orm);
  }

  /** Where SYSTEM messages are appended (MessageStore.appendSystemMessage). */
  private readonly messageStore: MessageStore;

  /**
   * Creates the configured DEFAULT channels that are missing, each with a CHANNEL_CREATED message. Safe to run
   * on several instances at once: each channel and its first message are created once.
   */
  async ensureDefaultChannels(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const id = defaultChannelId(name);
      await this.withSystemMessages(async (em, record) => {
        const now = this.clock();
        const inserted: QueryResult<Channel> = await em
          .createQueryBuilder(Channel)
          .insert({ id, name, kind: ChannelKind.DEFAULT, lastSeq: 0, createdAt: now })
          .onConflict('id')
          .ignore()
          .execute('run');
        if (inserted.affectedRows === 1) await record(id, SystemEvent.CHANNEL_CREATED, `Channel ${name} created`, now);
      });
    }
  }

  /** DEFAULT channels, every PASSWORD channel, and the viewer's own PRIVATE channels, oldest first. */
  async list(viewer: Viewer): Promise<ChannelView[]> {
    const em = this.orm.em.fork();
    const userId = viewer.user.id;
    const channels = await em.find(
      Channel,
      {
        $or: [
          { kind: { $in: [ChannelKind.DEFAULT, ChannelKind.PASSWORD] } },
          { kind: ChannelKind.PRIVATE, owner: userId },
        ],
      },
      { populate: ['owner'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    const memberships = await em.find(
      Membership,
      { user: userId, channel: { $in: channels.filter((c) => c.kind === ChannelKind.PASSWORD).map((c) => c.id) } },
      { fields: ['channel'] },
    );
    const joined = new Set(memberships.map((m) => m.channel.id));
    return channels.map((c) => channelView(c, canAccess(c, userId, joined.has(c.id))));
  }

  /** One channel, or null when it does not exist or is another user's PRIVATE channel. */
  async get(viewer: Viewer, channelId: string): Promise<ChannelView | null> {
    const em = this.orm.em.fork();
    const channel = await findChannel(em, channelId, { populate: ['owner'] });
    if (!channel || hiddenFrom(channel, viewer.user.id)) return null;
    return this.view(em, channel, viewer.user.id);
  }

  /**
   * Creates a PRIVATE or PASSWORD channel owned by the viewer, with a CHANNEL_CREATED message.
   *
   * @throws DomainError BAD_USER_INPUT for a bad name, a DEFAULT kind, a PASSWORD channel without a valid password
   * or another kind with one; TIER_REQUIRED (with `requiredTier`) when PRIVATE lacks PLUS or PASSWORD lacks PRO.
   */
  async create(viewer: Viewer, input: CreateChannel): Promise<ChannelView> {
    const name = parseField('name', channelNameSchema, input.name);
    if (input.kind === ChannelKind.DEFAULT) {
      throw badInput('kind', 'DEFAULT channels are defined by the server; create PRIVATE or PASSWORD.');
    }
    let password: string | undefined;
    if (input.kind === ChannelKind.PASSWORD) {
      if (input.password == null) throw badInput('password', 'A PASSWORD channel needs a password.');
      password = parseField('password', channelPasswordSchema, input.password);
    } else if (input.password != null) {
      throw badInput('password', 'Only PASSWORD channels take a password.');
    }
    // The cheap checks first: nobody gets a password hashed (19 MiB, tens of ms) for a channel they cannot create.
    const requiredTier = input.kind === ChannelKind.PASSWORD ? Tier.PRO : Tier.PLUS;
    const { tier } = await this.passes.standing(viewer.user.id);
    if (!tierAtLeast(tier, requiredTier)) {
      throw new DomainError(
        ErrorCode.TIER_REQUIRED,
        `Creating a ${input.kind} channel needs the ${requiredTier} tier.`,
        {
          requiredTier,
        },
      );
    }
    await this.checkCaps(this.orm.em.fork(), viewer.user.id, input.kind);
    const passwordHash = password === undefined ? null : await this.passwords.hash(password);

    const id = await this.withSystemMessages(async (em, record) => {
      const now = this.clock();
      // Counted again under the user's row lock: concurrent creations cannot pass the caps together.
      await em.findOneOrFail(User, viewer.user.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      await this.checkCaps(em, viewer.user.id, input.kind);
      const owner = em.getReference(User, viewer.user.id);
      const channel = em.create(Channel, { name, kind: input.kind, owner, passwordHash, lastSeq: 0, createdAt: now });
      if (input.kind === ChannelKind.PASSWORD) em.create(Membership, { channel, user: owner, joinedAt: now });
      await em.flush();
      await record(channel.id, SystemEvent.CHANNEL_CREATED, `${viewer.user.displayName} created ${name}`, now);
      return channel.id;
    });
    this.onAccessChanged(viewer.user.id);
    return (await this.get(viewer, id))!;
  }

  /**
   * @throws DomainError FORBIDDEN (with `limit`) when the user owns {@link ChannelCaps.owned} channels already, or
   * when `kind` would add a membership past {@link ChannelCaps.memberships}.
   */
  private async checkCaps(em: EntityManager, userId: string, kind: ChannelKind): Promise<void> {
    const owned = await em.count(Channel, {
      owner: userId,
      kind: { $in: [ChannelKind.PRIVATE, ChannelKind.PASSWORD] },
    });
    if (owned >= this.caps.owned) {
      throw new DomainError(ErrorCode.FORBIDDEN, `One user may own at most ${this.caps.owned} channels.`, {
        limit: this.caps.owned,
      });
    }
    if (kind === ChannelKind.PASSWORD) await this.checkMemberships(em, userId);
  }

  private async checkMemberships(em: EntityManager, userId: string): Promise<void> {
    if ((await em.count(Membership, { user: userId })) >= this.caps.memberships) {
      throw new DomainError(
        ErrorCode.FORBIDDEN,
        `One user may be a member of at most ${this.caps.memberships} PASSWORD channels; leave one first.`,
        { limit: this.caps.memberships },
      );
    }
  }

  /**
   * Enters a channel. For a PASSWORD channel the right password makes the viewer a member (with a MEMBER_JOINED
   * message); joining again, or joining a DEFAULT or one's own PRIVATE channel, changes nothing.
   *
   * @throws DomainError NOT_FOUND for an unknown id or another user's PRIVATE channel; BAD_USER_INPUT when a
   * PASSWORD channel is joined without a password; WRONG_PASSWORD; RATE_LIMITED after 10 wrong passwords by the
   * viewer on the channel within 15 minutes (the right password is refused too until the window passes); FORBIDDEN
   * with reason REMOVED for a user removed from the channel, until its password changes.
   */
  async join(viewer: Viewer, channelId: string, password: string | null | undefined): Promise<ChannelView> {
    const userId = viewer.user.id;
    const em = this.orm.em.fork();
    const channel = await findChannel(em, channelId);
    if (!channel || hiddenFrom(channel, userId)) throw notFound();
    if (channel.kind !== ChannelKind.PASSWORD || (await isMember(em, channel.id, userId))) {
      return (await this.get(viewer, channel.id))!;
    }
    if (password == null) throw badInput('password', 'This channel needs its password.');
    if (await em.count(ChannelRemoval, { channel: channel.id, user: userId })) throw removed();
    await this.checkMemberships(em, userId);

    // The try is recorded before the password is checked, under the user's row lock, so concurrent tries (several
    // requests, several instances) are counted one after another and cannot together get past the limit.
    const slot = await lockingTransaction(this.orm, async (tx) => {
      const now = this.clock();
      await tx.findOneOrFail(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const tries = await tx.find(
        ChannelPasswordFailure,
        { channelId: channel.id, userId, createdAt: { $gt: new Date(now.getTime() - JOIN_RULES.windowMs) } },
        { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] },
      );
      if (tries.length >= JOIN_RULES.maxWrongPasswords) {
        return { refusedFor: (tries[0].createdAt.getTime() + JOIN_RULES.windowMs - now.getTime()) / 1000 };
      }
      return { attempt: tx.create(ChannelPasswordFailure, { channelId: channel.id, userId, createdAt: now }) };
    });
    const { attempt } = slot;
    if (!attempt) throw rateLimited(slot.refusedFor, 'Too many wrong passwords; try again later.');
    // Only a wrong password counts as a try: whatever else fails (a busy server, the database) gives the try back.
    const forgetTry = () => this.orm.em.fork().nativeDelete(ChannelPasswordFailure, { id: attempt.id });
    let right: boolean;
    try {
      right = await this.passwords.verify(channel.passwordHash!, password);
    } catch (error) {
      await forgetTry().catch(() => undefined);
      throw error;
    }
    if (!right) throw new DomainError(ErrorCode.WRONG_PASSWORD, 'Wrong password.');

    try {
      await this.withSystemMessages(async (tx, record) => {
        await tx.nativeDelete(ChannelPasswordFailure, { id: attempt.id });
        // Channel, then user: the order the group commit takes its locks in, so the two cannot deadlock. Under them,
        // a second join of the same user (another request, another instance) finds the first one's membership.
        const locked = await findChannel(tx, channel.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
        // The password checked is still the channel's: one changed meanwhile (changeChannelPassword) is not let in.
        if (locked?.passwordHash !== channel.passwordHash) {
          throw new DomainError(ErrorCode.WRONG_PASSWORD, 'Wrong password.');
        }
        await tx.findOneOrFail(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (await isMember(tx, channel.id, userId)) return;
        // A removal made while the password was checked is seen here, under the channel's lock.
        if (await tx.count(ChannelRemoval, { channel: channel.id, user: userId })) throw removed();
        await this.checkMemberships(tx, userId);
        const now = this.clock();
        tx.create(Membership, { channel: channel.id, user: userId, joinedAt: now });
        await record(channel.id, SystemEvent.MEMBER_JOINED, `${viewer.user.displayName} joined`, now);
      });
    } catch (error) {
      await forgetTry().catch(() => undefined);
      throw error;
    }
    this.onAccessChanged(userId);
    return (await this.get(viewer, channel.id))!;
  }

  /**
   * Leaves a PASSWORD channel (with a MEMBER_LEFT message); entering again needs the password. Returns false when
   * there was nothing to leave (not a member, or a DEFAULT or PRIVATE channel, which have no members).
   *
   * @throws DomainError NOT_FOUND for an unknown id or another user's PRIVATE channel.
   */
  async leave(viewer: Viewer, channelId: string): Promise<boolean> {
    const userId = viewer.user.id;
    const channel = await findChannel(this.orm.em.fork(), channelId);
    if (!channel || hiddenFrom(channel, userId)) throw notFound();
    if (channel.kind !== ChannelKind.PASSWORD) return false;
    const left = await this.withSystemMessages(async (em, record) => {
      const removed = await em.nativeDelete(Membership, { channel: channel.id, user: userId });
      if (removed === 0) return false;
      await record(channel.id, SystemEvent.MEMBER_LEFT, `${viewer.user.displayName} left`, this.clock());
      return true;
    });
    if (left) this.onAccessChanged(userId);
    return left;
  }

  /**
   * Removes a member from a PASSWORD channel (with a MEMBER_REMOVED message) and keeps them from joining again until
   * the password changes; a user who is not a member (left already, or never joined) is kept out all the same.
   * `inTransaction` runs in the same transaction when anything changed (the moderation log). Resolves whether they
   * were a member. The caller has checked who may do this.
   *
   * @throws DomainError NOT_FOUND when the channel or the user is gone.
   */
  async remove(
    channelId: string,
    userId: string,
    inTransaction: (em: SqlEntityManager, now: Date) => void,
  ): Promise<boolean> {
    const wasMember = await this.withSystemMessages(async (em, record) => {
      // The channel's row lock, under which joins check for removals.
      if (!(await findChannel(em, channelId, { lockMode: LockMode.PESSIMISTIC_WRITE }))) throw notFound();
      const user = await em.findOne(User, userId);
      if (!user) throw notFound('user');
      const now = this.clock();
      const member = (await em.nativeDelete(Membership, { channel: channelId, user: userId })) > 0;
      const barred = (await em.count(ChannelRemoval, { channel: channelId, user: userId })) > 0;
      if (!barred) em.create(ChannelRemoval, { channel: channelId, user: userId, removedAt: now });
      if (member) await record(channelId, SystemEvent.MEMBER_REMOVED, `${user.displayName} was removed`, now);
      if (member || !barred) inTransaction(em, now);
      return member;
    });
    if (wasMember) this.onAccessChanged(userId);
    return wasMember;
  }

  /** The ids of every channel the user may read now: DEFAULT ones, their own PRIVATE ones, PASSWORD ones joined. */
  async readableChannelIds(userId: string): Promise<string[]> {
    const [open, personal] = await Promise.all([this.defaultChannelIds(), this.personalChannelIds(userId)]);
    return [...open, ...personal];
  }

  /** The ids of the DEFAULT channels, which every signed-in user may read, oldest first. */
  async defaultChannelIds(): Promise<string[]> {
    const channels = await this.orm.em
      .fork()
      .find(Channel, { kind: ChannelKind.DEFAULT }, { fields: ['id'], orderBy: { createdAt: 'asc', id: 'asc' } });
    return channels.map((c) => c.id);
  }

  /** The ids of the other channels the user may read now: their own PRIVATE ones and the PASSWORD ones joined. */
  async personalChannelIds(userId: string): Promise<string[]> {
    const em = this.orm.em.fork();
    const [owned, joined] = await Promise.all([
      em.find(
        Channel,
        { kind: ChannelKind.PRIVATE, owner: userId },
        { fields: ['id'], orderBy: { createdAt: 'asc', id: 'asc' } },
      ),
      em.find(Membership, { user: userId }, { fields: ['channel'] }),
    ]);
    return [...owned.map((c) => c.id), ...joined.map((m) => m.channel.id)];
  }

  /** Which of these users may read a channel now (subscriptions re-check this when someone leaves). */
  async usersWithAccess(channelId: string, userIds: string[]): Promise<Set<string>> {
    const em = this.orm.em.fork();
    const channel = await findChannel(em, channelId);
    if (!channel) return new Set();
    const members =
      channel.kind === ChannelKind.PASSWORD
        ? new Set((await em.find(Membership, { channel: channelId, user: { $in: userIds } })).map((m) => m.user.id))
        : new Set<string>();
    return new Set(userIds.filter((id) => canAccess(channel, id, members.has(id))));
  }

  /** Runs `work` in a transaction; the SYSTEM messages it records are handed to `onStored` after the commit. */
  private async withSystemMessages<T>(
    work: (em: SqlEntityManager, record: RecordSystemMessage) => Promise<T>,
  ): Promise<T> {
    const stored: MessageView[] = [];
    const result = await lockingTransaction(this.orm, (em) =>
      work(em, async (channelId, systemEvent, body, now) => {
        stored.push(await this.messageStore.appendSystemMessage(em, channelId, systemEvent, body, now));
      }),
    );
    for (const message of stored) this.onStored(message);
    return result;
  }

  private async view(em: EntityManager, channel: Channel, userId: string): Promise<ChannelView> {
    const member = channel.kind === ChannelKind.PASSWORD && (await isMember(em, channel.id, userId));
    return channelView(channel, canAccess(channel, userId, member));
  }
}

const removed = () =>
  new DomainError(ErrorCode.FORBIDDEN, 'You were removed from this channel; ask its owner.', { reason: 'REMOVED' });
