import { Entity, ManyToOne, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { Channel } from './channel.entity';
import { User } from './user.entity';

/**
 * A user removed from a PASSWORD channel by its owner or an admin. While the row stands the user cannot join again,
 * even with the password; changing the channel's password deletes its removals (the old password is what they knew).
 */
@Entity({ tableName: 'channel_removals' })
export class ChannelRemoval {
  [PrimaryKeyProp]?: ['channel', 'user'];

  @ManyToOne(() => Channel, { primary: true, deleteRule: 'cascade' })
  channel!: Channel;

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'datetime', length: 3 })
  removedAt!: Date;
}
