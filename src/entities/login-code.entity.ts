import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The one live login code of an email address. A new request overwrites it, which is how a new code replaces
 * the previous one; its row is also what serialises requests and tries for one address across instances.
 */
@Entity({ tableName: 'login_codes' })
export class LoginCode {
  @PrimaryKey({ type: 'string', length: 254 })
  email!: string;

  /** HMAC-SHA256 of the email and code under the server's AUTH_SECRET. */
  @Property({ type: 'string', length: 64 })
  codeHash!: string;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;

  @Property({ type: 'datetime', length: 3 })
  expiresAt!: Date;

  @Property({ type: 'integer' })
  failedAttempts = 0;

  /** Set when the code was used; a used code never works again. */
  @Property({ type: 'datetime', length: 3, nullable: true })
  consumedAt: Date | null = null;
}
