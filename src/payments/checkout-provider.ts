import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import Stripe from 'stripe';
import type { Plan } from './plans';

export interface CheckoutRequest {
  plan: Plan;
  userId: string;
  email: string;
  /** Same key, same answer: a double click opens one Checkout Session. */
  idempotencyKey: string;
}

export interface CheckoutLink {
  id: string;
  url: string;
}

/** Where a user pays. `createCheckout` rejects when the provider cannot start a payment. */
export interface CheckoutProvider {
  createCheckout(request: CheckoutRequest): Promise<CheckoutLink>;
}

/** Stripe Checkout in payment mode: a pass is bought once and never renews. */
export class StripeCheckout implements CheckoutProvider {
  private readonly stripe: Stripe;

  constructor(
    secretKey: string,
    private readonly publicUrl: () => string,
    apiUrl?: string,
  ) {
    const api = apiUrl ? new URL(apiUrl) : undefined;
    this.stripe = new Stripe(secretKey, {
      maxNetworkRetries: 1,
      ...(api
        ? { protocol: api.protocol === 'http:' ? 'http' : 'https', host: api.hostname, port: api.port || undefined }
        : {}),
    });
  }

  async createCheckout({ plan, userId, email, idempotencyKey }: CheckoutRequest): Promise<CheckoutLink> {
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: plan.currency,
              unit_amount: plan.amount,
              product_data: { name: `${plan.tier} pass, ${plan.days} days` },
            },
          },
        ],
        client_reference_id: userId,
        customer_email: email,
        // The price asked is kept with the session: what was paid is checked against it, not against today's price.
        metadata: { userId, planId: plan.id, amount: String(plan.amount), currency: plan.currency },
        success_url: `${this.publicUrl()}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${this.publicUrl()}/checkout/cancel`,
      },
      { idempotencyKey },
    );
    if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
    return { id: session.id, url: session.url };
  }
}

/**
 * The development fallback (no STRIPE_SECRET_KEY, refused in production): a local checkout page whose button
 * completes the purchase through the same fulfilment as the Stripe webhook. Its session ids are signed, so the
 * page needs no storage and a forged id is refused.
 */
export class DevelopmentCheckout implements CheckoutProvider {
  constructor(
    private readonly publicUrl: () => string,
    private readonly secret: string,
  ) {}

  async createCheckout({ plan, userId }: CheckoutRequest): Promise<CheckoutLink> {
    const payload = Buffer.from(JSON.stringify({ u: userId, p: plan.id, n: randomUUID() })).toString('base64url');
    const id = `dev_cs_${payload}.${this.sign(payload)}`;
    return { id, url: `${this.publicUrl()}/dev/checkout/${id}` };
  }

  /** The user and plan a development session id stands for, or undefined when it is malformed or forged. */
  read(id: string): { userId: string; planId: string } | undefined {
    const match = /^dev_cs_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(id);
    if (!match) return undefined;
    const expected = Buffer.from(this.sign(match[1]));
    const given = Buffer.from(match[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const { u, p } = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as { u: string; p: string };
    return { userId: u, planId: p };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`dev-checkout:${payload}`).digest('base64url');
  }
}
