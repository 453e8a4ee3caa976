import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/** One row per code mailed: the hourly caps per email and per client address count these. */
@Entity({ tableName: 'login_code_requests' })
@Index({ properties: ['email', 'createdAt'] })
@Index({ properties: ['clientAddress', 'createdAt'] })
export class LoginCodeRequest {
  @PrimaryKey({ type: 'string', length: 36 })
  id: string = randomUUID();

  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 64 })
  clientAddress!: string;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;
}
