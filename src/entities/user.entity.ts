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
}
