import { LockMode, type MikroORM } from '@mikro-orm/core';
import { Pass, Tier, User, tierAtLeast } from '../entities';
import type { Clock } from './clock';
import { lockingTransaction } from './transaction';

const DAY = 24 * 60 * 60 * 1000;

/** The tier in force for a user now, and when it ends (null for FREE). */
export interface Standing {
  tier: Tier;
  expiresAt: Date | null;
}

export interface GrantPass {
  userId: string;
  tier: Tier.PLUS | Tier.PRO;
  days: number;
  /** The checkout that paid for it; a second grant for the same checkout is refused by the database. */
  checkoutSessionId?: string;
  /** What the checkout paid, in the currency's smallest unit (revenue on the operations page). */
  paid?: { amount: number; currency: string };
}

/** Time-limited passes and the tier they give. Passes never renew. */
export class PassService {
  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
  ) {}

  /** The highest tier among the passes in force now; FREE without one. */
  async standing(userId: string): Promise<Standing> {
    const now = this.clock();
    const passes = await this.orm.em
      .fork()
      .find(Pass, { user: userId, endsAt: { $gt: now } }, { orderBy: { startsAt: 'asc' } });
    const inForce = passes.filter((p) => p.startsAt <= now);
    if (inForce.length === 0) return { tier: Tier.FREE, expiresAt: null };
    const tier = inForce.map((p) => p.tier).reduce((a, b) => (tierAtLeast(a, b) ? a : b));
    // Stacked passes of one tier follow each other without a gap: the tier lasts to the end of the chain.
    let expiresAt = new Date(0);
    for (const pass of passes) {
      if (pass.tier === tier && (pass.startsAt <= now || pass.startsAt <= expiresAt) && pass.endsAt > expiresAt) {
        expiresAt = pass.endsAt;
      }
    }
    return { tier, expiresAt };
  }

  /** Every pass of the user, newest first. */
  passes(userId: string): Promise<Pass[]> {
    return this.orm.em.fork().find(Pass, { user: userId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  /**
   * Grants a pass. One of a tier the user already holds (now or queued) starts when the last of them ends;
   * otherwise it starts now. Grants for one user are serialised on the user's row.
   *
   * @throws UniqueConstraintViolationException when `checkoutSessionId` already paid for a pass.
   */
  async grant({ userId, tier, days, checkoutSessionId, paid }: GrantPass): Promise<Pass> {
    return lockingTransaction(this.orm, async (em) => {
      const now = this.clock();
      await em.findOneOrFail(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const [last] = await em.find(
        Pass,
        { user: userId, tier, endsAt: { $gt: now } },
        { orderBy: { endsAt: 'desc' }, limit: 1 },
      );
      const startsAt = last ? last.endsAt : now;
      const pass = em.create(Pass, {
        user: userId,
        tier,
        startsAt,
        endsAt: new Date(startsAt.getTime() + days * DAY),
        createdAt: now,
        checkoutSessionId: checkoutSessionId ?? null,
        amount: paid?.amount ?? null,
        currency: paid?.currency ?? null,
      });
      await em.flush();
      return pass;
    });
  }
}
