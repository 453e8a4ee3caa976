import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { DevelopmentCheckout } from '../payments/checkout-provider';
import type { CheckoutService } from '../services/checkout.service';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
  `<title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}` +
  `button{font-size:1rem;padding:.6rem 1.2rem}</style></head><body><h1>${title}</h1>${body}</body></html>`;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The pages a checkout returns to, and (development only) the local checkout page. The success page grants
 * nothing: a pass comes only from the webhook, or from the development page's button, which runs the same
 * fulfilment.
 */
export function checkoutPageRoutes(
  checkout: CheckoutService,
  development: DevelopmentCheckout | undefined,
  logger: Logger,
  /** Where the pages lead back to: the web page at /app when this server serves it. */
  backToApp = false,
): Router {
  const router = Router();
  const back = backToApp ? '<p><a href="/app/">Back to the chat</a></p>' : '';
  router.get('/checkout/success', (_req, res) => {
    res
      .type('html')
      .send(
        page(
          'Payment received',
          '<p>Thank you. Your pass appears in the app as soon as the payment is confirmed.</p>' + back,
        ),
      );
  });
  router.get('/checkout/cancel', (_req, res) => {
    res
      .type('html')
      .send(page('Payment cancelled', '<p>Nothing was charged. You can start again from the app.</p>' + back));
  });
  if (!development) return router;

  router.get('/dev/checkout/:id', (req, res) => {
    const order = development.read(req.params.id);
    const plan = order && checkout.plans().find((p) => p.id === order.planId);
    if (!plan) {
      res.status(404).type('html').send(page('Unknown checkout', '<p>This checkout link is not valid.</p>'));
      return;
    }
    const price = `${(plan.amount / 100).toFixed(2)} ${plan.currency.toUpperCase()}`;
    res
      .type('html')
      .send(
        page(
          'Development checkout',
          `<p>${escapeHtml(plan.tier)} pass for ${plan.days} days, ${escapeHtml(price)}.</p>` +
            '<p>No payment provider is configured, so this page completes the purchase the way the Stripe webhook would.</p>' +
            `<form method="post" action="/dev/checkout/${escapeHtml(req.params.id)}/complete"><button type="submit">Pay (development)</button></form>`,
        ),
      );
  });
  router.post('/dev/checkout/:id/complete', express.urlencoded({ extended: false }), async (req, res) => {
    const order = development.read(req.params.id);
    if (!order) {
      res.status(404).type('html').send(page('Unknown checkout', '<p>This checkout link is not valid.</p>'));
      return;
    }
    try {
      const outcome = await checkout.fulfil({
        checkoutSessionId: req.params.id,
        userId: order.userId,
        planId: order.planId,
      });
      if (outcome !== 'fulfilled' && outcome !== 'already-fulfilled')
        throw new Error(`development checkout: ${outcome}`);
      res.redirect(303, `/checkout/success?session_id=${encodeURIComponent(req.params.id)}`);
    } catch (err) {
      logger.error({ err }, 'development checkout could not be fulfilled');
      res.status(500).type('html').send(page('Checkout failed', '<p>The purchase could not be completed.</p>'));
    }
  });
  return router;
}
