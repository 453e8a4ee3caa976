import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Mailer } from '../mail/mailer';
import type { CheckoutProvider } from '../payments/checkout-provider';
import { planCatalogue } from '../payments/plans';
import type { AccessEvents } from './access-events';
import { ActivityLog } from './activity-log';
import { AdminLookupService } from './admin-lookup.service';
import { AdminStatsService, type InstanceLoad } from './admin-stats.service';
import { AuthService } from './auth.service';
import { ChannelModerationService } from './channel-moderation.service';
import { ChannelPasswords } from './channel-passwords';
import { ChannelService } from './channel.service';
import { CheckoutService } from './checkout.service';
import type { Clock } from './clock';
import { MemberService } from './member.service';
import { MessageChangeService } from './message-change.service';
import { MessageService } from './message.service';
import { ModerationService } from './moderation.service';
import { PassService } from './pass.service';
import { ReadPositionService } from './read-position.service';
import { StatsStore } from './store/stats.store';
import type { MessageChanged, MessageStored } from './views';

/** The rules, one service per area; resolvers reach them through the request context. */
export interface Services {
  /** What admins look up to moderate (users by address, recent messages). */
  adminLookup: AdminLookupService;
  /** The operations page's figures (admins). */
  adminStats: AdminStatsService;
  auth: AuthService;
  channels: ChannelService;
  /** What owners and admins do to channels. */
  channelModeration: ChannelModerationService;
  checkout: CheckoutService;
  /** Edits and deletions. */
  changes: MessageChangeService;
  members: MemberService;
  messages: MessageService;
  /** Admins, bans and the moderation log. */
  moderation: ModerationService;
  passes: PassService;
  reads: ReadPositionService;
}

export interface ServiceParts {
  orm: MikroORM;
  clock: Clock;
  mailer: Mailer;
  /** Undefined in production without Stripe keys (checkouts are refused). */
  checkoutProvider: CheckoutProvider | undefined;
  /** Where committed messages go (StoredMessages). */
  stored: MessageStored;
  /** Where committed edits and deletions go (StoredMessages). */
  changed: MessageChanged;
  /** Who follows access as it changes. */
  accessEvents: AccessEvents;
  /** The sockets and subscriptions this instance holds now (the operations page). */
  instanceLoad: () => Promise<InstanceLoad>;
  logger: Logger;
}

/** Builds the services on their parts, with the limits of the configuration. */
export function createServices(config: Config, parts: ServiceParts): Services {
  const { orm, clock, accessEvents } = parts;
  const passes = new PassService(orm, clock);
  const moderation = new ModerationService(orm, clock, config.moderation.adminEmails, (sessionId) =>
    accessEvents.sessionEnded(sessionId),
  );
  // One pool of argon2 work for joins and password changes (each hash holds 19 MiB).
  const passwords = new ChannelPasswords();
  const channels = new ChannelService(
    orm,
    passes,
    clock,
    parts.stored,
    (userId) => accessEvents.accessChanged(userId),
    { owned: config.limits.channelsPerUser, memberships: config.limits.membershipsPerUser },
    passwords,
  );
  const auth = new AuthService(
    orm,
    parts.mailer,
    clock,
    {
      secret: config.auth.secret,
      sessionTtlDays: config.auth.sessionTtlDays,
      loginCodesPerAddressPerHour: config.auth.loginCodesPerAddressPerHour,
      sessionCacheSeconds: config.auth.sessionCacheSeconds,
    },
    (sessionId) => accessEvents.sessionEnded(sessionId),
    new ActivityLog(new StatsStore(orm), clock, (err) =>
      parts.logger.warn({ err }, 'could not record an active user (daily active users)'),
    ),
  );
  // Logout and bans, here or on another instance: the session's token is looked up (and refused) from now on.
  accessEvents.on({ sessionEnded: (sessionId) => auth.sessionCache.endSession(sessionId) });
  return {
    adminLookup: new AdminLookupService(orm, clock, moderation),
    adminStats: new AdminStatsService(orm, clock, moderation, parts.instanceLoad),
    auth,
    passes,
    channels,
    channelModeration: new ChannelModerationService(orm, clock, passwords, moderation, channels, {
      accessChanged: (userId) => accessEvents.accessChanged(userId),
      channelDeleted: (channelId) => accessEvents.channelDeleted(channelId),
    }),
    checkout: new CheckoutService(orm, passes, planCatalogue(config.plans), parts.checkoutProvider, clock),
    members: new MemberService(orm),
    messages: new MessageService(orm, clock, parts.stored),
    changes: new MessageChangeService(orm, clock, parts.changed, moderation),
    moderation,
    reads: new ReadPositionService(orm, clock, (userId, channelId) => accessEvents.readMoved(userId, channelId)),
  };
}
