import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'string', length: 36 })
  id: string = randomUUID();

  /** Trimmed and lower-cased, so one address is one user. */
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  @Property({ type: 'string', length: 64 })
  displayName!: string;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;

  /** When an admin banned the user; null when they are not banned (see {@link isBanned}). */
  @Property({ type: 'datetime', length: 3, nullable: true })
  bannedAt: Date | null = null;

  /** When the ban ends; null for a ban without end. */
  @Property({ type: 'datetime', length: 3, nullable: true })
  bannedUntil: Date | null = null;

  @Property({ type: 'string', length: 500, nullable: true, default: null })
  banReason: string | null = null;
}

/** Whether a user is banned at `now`: banned, and the ban has no end or ends later. */
export const isBanned = (user: Pick<User, 'bannedAt' | 'bannedUntil'>, now: Date): boolean =>
  user.bannedAt !== null && (user.bannedUntil === null || user.bannedUntil > now);
