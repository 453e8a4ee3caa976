import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One wrong PASSWORD-channel password; the join throttle counts these per user and channel. A try is written before
 * its password is checked and removed again if the password was right.
 */
@Entity({ tableName: 'channel_password_failures' })
@Index({ properties: ['channelId', 'userId', 'createdAt'] })
export class ChannelPasswordFailure {
  @PrimaryKey({ type: 'string', length: 36 })
  id: string = randomUUID();

  @Property({ type: 'string', length: 36 })
  channelId!: string;

  @Property({ type: 'string', length: 36 })
  userId!: string;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;
}
