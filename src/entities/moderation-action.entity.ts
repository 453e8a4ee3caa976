import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { ModerationActionKind } from './enums';
import { User } from './user.entity';

/**
 * One moderation action, recorded in the transaction that made it: who did what to whom, where, when and why. Users
 * are foreign keys (null once the account is gone); the channel and message are kept as ids, so the log outlives them.
 */
@Entity({ tableName: 'moderation_actions' })
@Index({ properties: ['createdAt', 'id'] })
export class ModerationAction {
  @PrimaryKey({ type: 'string', length: 36 })
  id: string = randomUUID();

  @Property({ type: 'string', length: 32 })
  action!: ModerationActionKind;

  @ManyToOne(() => User, { nullable: true, default: null, deleteRule: 'set null' })
  actor: User | null = null;

  @ManyToOne(() => User, { nullable: true, default: null, deleteRule: 'set null' })
  targetUser: User | null = null;

  @Property({ type: 'string', length: 36, nullable: true, default: null })
  channelId: string | null = null;

  @Property({ type: 'string', length: 36, nullable: true, default: null })
  messageId: string | null = null;

  @Property({ type: 'string', length: 500, nullable: true, default: null })
  reason: string | null = null;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;
}
