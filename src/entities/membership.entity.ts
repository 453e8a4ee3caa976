import { Entity, ManyToOne, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { Channel } from './channel.entity';
import { User } from './user.entity';

/** A user who entered a PASSWORD channel with its password (the owner from the start). */
@Entity({ tableName: 'memberships' })
export class Membership {
  [PrimaryKeyProp]?: ['channel', 'user'];

  @ManyToOne(() => Channel, { primary: true, deleteRule: 'cascade' })
  channel!: Channel;

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'datetime', length: 3 })
  joinedAt!: Date;
}
