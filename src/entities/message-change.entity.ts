import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Channel } from './channel.entity';
import { Message } from './message.entity';
import { User } from './user.entity';
import { timeOrderedId } from './ids';

/**
 * One edit or deletion of a message. `rev` is the channel's change position: 1 for its first change, then +1 for
 * each, gap-free, taken under the channel row's lock and written in the change's own transaction (like seq for
 * messages), so `messageChanged(afterRev:)` can replay every change a client missed. The row holds no body: a change
 * is always read with the message as it is now, so a deleted body is gone from every path. `publishedAt` stays null
 * until the broker has acknowledged the change's publication (the outbox, like messages).
 */
@Entity({ tableName: 'message_changes' })
@Unique({ properties: ['channel', 'rev'] })
@Index({ properties: ['message'] })
@Index({ properties: ['actor', 'createdAt'] })
@Index({ properties: ['publishedAt'] })
export class MessageChange {
  @PrimaryKey({ type: 'string', length: 36 })
  id: string = timeOrderedId();

  @ManyToOne(() => Channel, { deleteRule: 'cascade' })
  channel!: Channel;

  @Property({ type: 'integer' })
  rev!: number;

  @ManyToOne(() => Message, { deleteRule: 'cascade' })
  message!: Message;

  /** Who made the change (null once their account is gone); their changes are rate limited. */
  @ManyToOne(() => User, { nullable: true, default: null, deleteRule: 'set null' })
  actor: User | null = null;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;

  @Property({ type: 'datetime', length: 3, nullable: true })
  publishedAt: Date | null = null;
}
