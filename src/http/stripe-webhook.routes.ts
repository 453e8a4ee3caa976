import express, { Router, type ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import type { CheckoutService } from '../services/checkout.service';

/** Stripe's tolerance for a signed event's age: older deliveries (replays) are refused. */
const TOLERANCE_SECONDS = 300;

/**
 * POST /webhooks/stripe: verifies the `Stripe-Signature` of the raw body with STRIPE_WEBHOOK_SECRET (signature and
 * 300 s tolerance), then hands the event to fulfilment. Answers 400 to a bad signature and 413 to a body over 512 KB
 * (nothing changes; JSON, never a stack trace), 200 once an event is handled, ignored or found unfulfillable (a paid
 * checkout naming no known user or plan, or paying less than the plan: logged for an operator), and 500 when
 * fulfilment failed for a reason that may pass (the database), so Stripe delivers the event again.
 */
export function stripeWebhookRoutes(
  webhookSecret: string | undefined,
  checkout: CheckoutService,
  logger: Logger,
): Router {
  const router = Router();
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    if (!webhookSecret) {
      res.status(404).json({ error: 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).' });
      return;
    }
    let event: Stripe.Event;
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      event = Stripe.webhooks.constructEvent(
        body,
        req.header('stripe-signature') ?? '',
        webhookSecret,
        TOLERANCE_SECONDS,
      );
    } catch {
      res.status(400).json({ error: 'The signature does not verify.' });
      return;
    }
    try {
      const session = event.type.startsWith('checkout.session.')
        ? (event.data.object as Stripe.Checkout.Session)
        : undefined;
      const outcome = await checkout.handleEvent({
        id: event.id,
        type: event.type,
        session: session && {
          checkoutSessionId: session.id,
          paymentStatus: session.payment_status,
          userId: session.metadata?.userId ?? session.client_reference_id,
          planId: session.metadata?.planId,
          paid: { amount: session.amount_total, currency: session.currency },
          asked: askedPrice(session.metadata),
        },
      });
      if (outcome === 'unfulfillable' || outcome === 'underpaid') {
        // Acknowledged (Stripe retrying would change nothing), and left to an operator to refund or grant by hand.
        logger.error(
          {
            eventId: event.id,
            type: event.type,
            outcome,
            checkoutSessionId: session?.id,
            amount: session?.amount_total,
          },
          'stripe webhook: a paid checkout granted no pass; refund it or grant the pass by hand',
        );
      } else logger.info({ eventId: event.id, type: event.type, outcome }, 'stripe webhook');
      res.json({ received: true, outcome });
    } catch (err) {
      logger.error({ err, eventId: event.id, type: event.type }, 'stripe webhook could not be fulfilled');
      res.status(500).json({ error: 'The event could not be handled; it will be delivered again.' });
    }
  });
  router.use('/webhooks/stripe', ((error: { status?: number; type?: string }, _req, res, next) => {
    if (error.type !== 'entity.too.large') return next(error);
    res.status(413).json({ error: 'The body is larger than 512 KB.' });
  }) as ErrorRequestHandler);
  return router;
}

/** The price a Checkout Session was opened with, as the server kept it in its metadata (older sessions have none). */
function askedPrice(metadata: Stripe.Metadata | null | undefined): { amount: number; currency: string } | undefined {
  const amount = Number(metadata?.amount);
  const currency = metadata?.currency;
  return Number.isSafeInteger(amount) && amount > 0 && currency ? { amount, currency } : undefined;
}
