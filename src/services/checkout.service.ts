import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import { StripeEvent, User } from '../entities';
import { badInput, DomainError, ErrorCode } from '../errors';
import type { CheckoutLink, CheckoutProvider } from '../payments/checkout-provider';
import type { Plan } from '../payments/plans';
import type { Viewer } from './auth.service';
import type { Clock } from './clock';
import type { PassService } from './pass.service';

/** A paid checkout to turn into a pass. */
export interface PaidCheckout {
  /** The Checkout Session id: one pass per session, however often it is reported. */
  checkoutSessionId: string;
  userId: string | null | undefined;
  planId: string | null | undefined;
  /** What the provider says was paid (Stripe's `amount_total` and `currency`); absent for the development checkout. */
  paid?: { amount: number | null | undefined; currency: string | null | undefined };
  /** The price the checkout was opened with (kept in its metadata); the plan's price today when it was not kept. */
  asked?: { amount: number; currency: string };
}

/** The parts of a Stripe event that fulfilment reads. */
export interface CheckoutEvent {
  id: string;
  type: string;
  session?: PaidCheckout & { paymentStatus: string | null | undefined };
}

/**
 * What became of a checkout: a pass granted (now or before), or none because the checkout names no known user or plan
 * (`unfulfillable`), or paid less than the price it was opened with or in another currency (`underpaid`). The last two are
 * acknowledged to the provider (a retry would change nothing) and logged for an operator.
 */
export type FulfilOutcome = 'fulfilled' | 'already-fulfilled' | 'unfulfillable' | 'underpaid';
export type EventOutcome = FulfilOutcome | 'duplicate' | 'ignored';

/** Selling passes: the plans, starting a checkout, and fulfilment from the provider's events. */
export class CheckoutService {
  constructor(
    private readonly orm: MikroORM,
    private readonly passes: PassService,
    private readonly catalogue: Plan[],
    /** Undefined in production without Stripe keys: checkouts are refused with PAYMENT_UNAVAILABLE. */
    private readonly provider: CheckoutProvider | undefined,
    private readonly clock: Clock,
  ) {}

  plans(): Plan[] {
    return this.catalogue;
  }

  /**
   * Opens a checkout for a plan. A repeated call within the same minute (a double click) returns the same session.
   *
   * @throws DomainError BAD_USER_INPUT (field `planId`) for an unknown plan; PAYMENT_UNAVAILABLE when no provider is
   * configured or the provider fails.
   */
  async start(viewer: Viewer, planId: string): Promise<CheckoutLink> {
    const plan = this.catalogue.find((p) => p.id === planId);
    if (!plan) throw badInput('planId', `Unknown plan; choose one of ${this.catalogue.map((p) => p.id).join(', ')}.`);
    if (!this.provider) throw new DomainError(ErrorCode.PAYMENT_UNAVAILABLE, 'Payments are not available.');
    const minute = Math.floor(this.clock().getTime() / 60_000);
    const idempotencyKey = createHash('sha256').update(`checkout:${viewer.user.id}:${plan.id}:${minute}`).digest('hex');
    try {
      return await this.provider.createCheckout({
        plan,
        userId: viewer.user.id,
        email: viewer.user.email,
        idempotencyKey,
      });
    } catch (cause) {
      throw new DomainError(
        ErrorCode.PAYMENT_UNAVAILABLE,
        'The payment provider could not start a checkout; try again.',
        {},
        cause,
      );
    }
  }

  /**
   * Grants the pass a paid checkout bought, when it names a known user and plan and paid the plan's price in its
   * currency. The same checkout fulfilled twice (a redelivered event, or both `completed` and
   * `async_payment_succeeded`) grants one pass.
   *
   * @throws the database's error when the pass cannot be stored (the provider retries).
   */
  async fulfil({ checkoutSessionId, userId, planId, paid, asked }: PaidCheckout): Promise<FulfilOutcome> {
    const plan = this.catalogue.find((p) => p.id === planId);
    if (!plan || !userId || !(await this.orm.em.fork().findOne(User, userId))) return 'unfulfillable';
    const price = asked ?? plan;
    if (paid && (paid.currency?.toLowerCase() !== price.currency || (paid.amount ?? 0) < price.amount)) {
      return 'underpaid';
    }
    try {
      await this.passes.grant({
        userId,
        tier: plan.tier,
        days: plan.days,
        checkoutSessionId,
        paid: {
          amount: paid?.amount ?? price.amount,
          currency: (paid?.currency ?? price.currency).toLowerCase(),
        },
      });
      return 'fulfilled';
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return 'already-fulfilled';
      throw error;
    }
  }

  /**
   * Handles one verified provider event: `checkout.session.completed` with payment_status `paid`, or
   * `checkout.session.async_payment_succeeded`, grants the pass; every other event is acknowledged and ignored.
   * An event already handled changes nothing.
   */
  async handleEvent(event: CheckoutEvent): Promise<EventOutcome> {
    const em = this.orm.em.fork();
    if (await em.findOne(StripeEvent, event.id)) return 'duplicate';
    const pays =
      (event.type === 'checkout.session.completed' && event.session?.paymentStatus === 'paid') ||
      event.type === 'checkout.session.async_payment_succeeded';
    const outcome: EventOutcome = pays && event.session ? await this.fulfil(event.session) : 'ignored';
    try {
      await em.insert(StripeEvent, { id: event.id, type: event.type, receivedAt: this.clock() });
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
    return outcome;
  }
}
