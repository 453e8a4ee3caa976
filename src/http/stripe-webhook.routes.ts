import express, { Router } from 'express';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import type { CheckoutService } from '../services/checkout.service';

/** Stripe's tolerance for a signed event's age: older deliveries (replays) are refused. */
const TOLERANCE_SECONDS = 300;

/**
 * POST /webhooks/stripe: verifies the `Stripe-Signature` of the raw body with STRIPE_WEBHOOK_SECRET (signature and
 * 300 s tolerance), then hands the event to fulfilment. Answers 400 to a bad signature (nothing changes), 200 once an
 * event is handled or ignored, and 500 when fulfilment failed, so Stripe delivers the event again.
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
        },
      });
      logger.info({ eventId: event.id, type: event.type, outcome }, 'stripe webhook');
      res.json({ received: true, outcome });
    } catch (err) {
      logger.error({ err, eventId: event.id, type: event.type }, 'stripe webhook could not be fulfilled');
      res.status(500).json({ error: 'The event could not be handled; it will be delivered again.' });
    }
  });
  return router;
}
