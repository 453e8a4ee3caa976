import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { ChannelKind } from './enums';
import { User } from './user.entity';

@Entity({ tableName: 'channels' })
export class Channel {
  /** A new channel has had no change. */
  [OptionalProps]?: 'lastRev';

  @PrimaryKey({ type: 'string', length: 36 })
  id: string = randomUUID();

  @Property({ type: 'string', length: 64 })
  name!: string;

  @Enum({ items: () => ChannelKind })
  kind!: ChannelKind;

  /** Null for DEFAULT channels. */
  @ManyToOne(() => User, { nullable: true, default: null, deleteRule: 'cascade' })
  owner: User | null = null;

  /** argon2id hash of a PASSWORD channel's password; never exposed. */
  @Property({ type: 'string', length: 255, nullable: true, default: null, hidden: true })
  passwordHash: string | null = null;

  /** The seq of the newest message; the storing transaction takes the next one under this row's lock. */
  @Property({ type: 'integer' })
  lastSeq = 0;

  /** The newest change position (edits and deletions, see MessageChange), taken under the same lock as seqs. */
  @Property({ type: 'integer', default: 0 })
  lastRev = 0;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;
}
