/** What a user has paid for; FREE users use DEFAULT channels only. Ordered from least to most. */
export enum Tier {
  FREE = 'FREE',
  PLUS = 'PLUS',
  PRO = 'PRO',
}

export enum ChannelKind {
  DEFAULT = 'DEFAULT',
  PRIVATE = 'PRIVATE',
  PASSWORD = 'PASSWORD',
}

export enum MessageKind {
  USER = 'USER',
  SYSTEM = 'SYSTEM',
}

export enum SystemEvent {
  CHANNEL_CREATED = 'CHANNEL_CREATED',
  MEMBER_JOINED = 'MEMBER_JOINED',
  MEMBER_LEFT = 'MEMBER_LEFT',
  /** The channel's owner or an admin removed a member (removeMember). */
  MEMBER_REMOVED = 'MEMBER_REMOVED',
}

/** What a moderation action did (the moderation log). */
export enum ModerationActionKind {
  BAN_USER = 'BAN_USER',
  UNBAN_USER = 'UNBAN_USER',
  DELETE_MESSAGE = 'DELETE_MESSAGE',
  CHANGE_CHANNEL_PASSWORD = 'CHANGE_CHANNEL_PASSWORD',
  DELETE_CHANNEL = 'DELETE_CHANNEL',
  REMOVE_MEMBER = 'REMOVE_MEMBER',
}

const TIER_RANK: Record<Tier, number> = { FREE: 0, PLUS: 1, PRO: 2 };

/** Whether `held` is at least `needed`. */
export const tierAtLeast = (held: Tier, needed: Tier) => TIER_RANK[held] >= TIER_RANK[needed];
