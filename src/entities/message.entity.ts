import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Channel } from './channel.entity';
import { MessageKind, SystemEvent } from './enums';
import { User } from './user.entity';
import { timeOrderedId } from './ids';

/**
 * A stored message. `(channel, seq)` is unique and gap-free per channel; `(sender, clientMessageId)` makes a
 * retried send store nothing new. `publishedAt` stays null until the broker has acknowledged the publication.
 * An edit or deletion keeps the id and seq, sets `editedAt` / `deletedAt` (a deletion also empties the body) and
 * moves `rev` to the channel's change position of that change (see MessageChange).
 */
@Entity({ tableName: 'messages' })
@Unique({ properties: ['channel', 'seq'] })
@Unique({ properties: ['sender', 'clientMessageId'] })
@Index({ properties: ['sender', 'createdAt'] })
@Index({ properties: ['publishedAt'] })
/** The operations page counts each hour's messages by channel from this index alone (AdminStatsService). */
@Index({ properties: ['createdAt', 'channel', 'kind'] })
export class Message {
  /** Unchanged messages are created without them. */
  [OptionalProps]?: 'rev';

  @PrimaryKey({ type: 'string', length: 36 })
  id: string = timeOrderedId();

  @ManyToOne(() => Channel, { deleteRule: 'cascade' })
  channel!: Channel;

  @Property({ type: 'integer' })
  seq!: number;

  @Enum({ items: () => MessageKind })
  kind!: MessageKind;

  @Property({ type: 'text' })
  body!: string;

  /** Null for SYSTEM messages. */
  @ManyToOne(() => User, { nullable: true, default: null, deleteRule: 'set null' })
  sender: User | null = null;

  @Enum({ items: () => SystemEvent, nullable: true, default: null })
  systemEvent: SystemEvent | null = null;

  @Property({ type: 'string', length: 64, nullable: true, default: null })
  clientMessageId: string | null = null;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;

  @Property({ type: 'datetime', length: 3, nullable: true })
  publishedAt: Date | null = null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  editedAt: Date | null = null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  deletedAt: Date | null = null;

  /** The channel's change position of this message's newest edit or deletion; 0 while it has none. */
  @Property({ type: 'integer', default: 0 })
  rev = 0;
}
