import { registerEnumType } from 'type-graphql';
import { ChannelKind, MessageKind, ModerationActionKind, SystemEvent, Tier } from '../entities';
import { CodeDelivery } from '../mail/mailer';
import { ChangeType } from '../services/views';

registerEnumType(Tier, {
  name: 'Tier',
  description: 'What a user has paid for. FREE users use DEFAULT channels only.',
  valuesConfig: {
    PLUS: { description: 'may create PRIVATE channels' },
    PRO: { description: 'may create PRIVATE and PASSWORD channels' },
  },
});

registerEnumType(ChannelKind, {
  name: 'ChannelKind',
  valuesConfig: {
    DEFAULT: { description: 'defined by the server; every signed-in user may read and post' },
    PRIVATE: { description: 'created by a PLUS or PRO user; only its owner may enter' },
    PASSWORD: { description: 'created by a PRO user; a user enters once with the right password and stays a member' },
  },
});

registerEnumType(MessageKind, {
  name: 'MessageKind',
  valuesConfig: {
    SYSTEM: {
      description: 'written by the server (channel created, member joined, member left); shown in a distinct style',
    },
  },
});

registerEnumType(SystemEvent, { name: 'SystemEvent' });

registerEnumType(ChangeType, {
  name: 'MessageChangeType',
  valuesConfig: {
    UPDATED: { description: 'its sender edited it (editedAt, body)' },
    DELETED: { description: 'it was deleted (deletedAt; its body is empty)' },
  },
});

registerEnumType(ModerationActionKind, {
  name: 'ModerationActionKind',
  valuesConfig: {
    BAN_USER: { description: 'an admin banned targetUser (reason)' },
    UNBAN_USER: { description: 'an admin lifted the ban of targetUser' },
    DELETE_MESSAGE: { description: "an admin or the channel's owner deleted a message of targetUser" },
    CHANGE_CHANNEL_PASSWORD: { description: "the channel's owner or an admin changed its password" },
    DELETE_CHANNEL: { description: "the channel's owner or an admin deleted it (channelId names it still)" },
  },
});

registerEnumType(CodeDelivery, {
  name: 'CodeDelivery',
  valuesConfig: {
    MAIL: { description: 'mailed to the address' },
    SERVER_LOG: {
      description:
        "written to the server's log: a development server without SMTP_URL mails nothing (never in production)",
    },
  },
});
