import { Entity, ManyToOne, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { Channel } from './channel.entity';
import { User } from './user.entity';

/**
 * How far a user has read a channel: the seq of the newest message they have seen. It only moves forward
 * (ReadStore.advance); a channel the user never marked has none, which reads as 0.
 */
@Entity({ tableName: 'read_positions' })
export class ReadPosition {
  [PrimaryKeyProp]?: ['user', 'channel'];

  @ManyToOne(() => User, { primary: true, deleteRule: 'cascade' })
  user!: User;

  @ManyToOne(() => Channel, { primary: true, deleteRule: 'cascade' })
  channel!: Channel;

  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'datetime', length: 3 })
  updatedAt!: Date;
}
