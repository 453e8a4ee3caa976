import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Session, User } from '../src/entities';

/**
 * Signs `count` users in for the load, straight in the database (`bench-{i}@example.com`, a day-long session each),
 * and resolves with their bearer tokens, in order.
 */
export async function benchSessions(em: EntityManager, count: number): Promise<string[]> {
  const now = new Date();
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const token = randomBytes(32).toString('base64url');
    tokens.push(token);
    const user = em.create(User, { email: `bench-${i}@example.com`, displayName: `bench${i}`, createdAt: now });
    em.create(Session, {
      user,
      tokenHash: createHash('sha256').update(token).digest('hex'),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 86_400_000),
    });
  }
  await em.flush();
  return tokens;
}
