import { ChannelPasswordFailure } from './channel-password-failure.entity';
import { ChannelRemoval } from './channel-removal.entity';
import { Channel } from './channel.entity';
import { LoginCodeRequest } from './login-code-request.entity';
import { LoginCode } from './login-code.entity';
import { Membership } from './membership.entity';
import { ModerationAction } from './moderation-action.entity';
import { MessageChange } from './message-change.entity';
import { Message } from './message.entity';
import { Pass } from './pass.entity';
import { ReadPosition } from './read-position.entity';
import { Session } from './session.entity';
import { ActiveUserDay, ChannelMessageDay, MessageHour } from './statistics.entity';
import { StripeEvent } from './stripe-event.entity';
import { User } from './user.entity';

export * from './enums';
export { isBanned } from './user.entity';
export {
  ActiveUserDay,
  Channel,
  ChannelMessageDay,
  ChannelPasswordFailure,
  ChannelRemoval,
  LoginCode,
  LoginCodeRequest,
  Membership,
  Message,
  MessageChange,
  MessageHour,
  ModerationAction,
  Pass,
  ReadPosition,
  Session,
  StripeEvent,
  User,
};

/** Every entity, listed once for the ORM (no file-system discovery, so tests and the build see the same set). */
export const entities = [
  User,
  Session,
  LoginCode,
  LoginCodeRequest,
  Channel,
  Membership,
  ChannelRemoval,
  Message,
  MessageChange,
  ModerationAction,
  Pass,
  ChannelPasswordFailure,
  StripeEvent,
  ReadPosition,
  ActiveUserDay,
  MessageHour,
  ChannelMessageDay,
];
