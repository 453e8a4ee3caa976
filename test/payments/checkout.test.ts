import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { DAY, TestClock } from '../support/clock';
import { CREATE, type TestUser } from '../support/chat';
import { count } from '../support/db';
import { codesOf, gql } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

const START = 'mutation ($planId: ID!) { startCheckout(planId: $planId) { id url } }';
const ME = '{ me { tier tierExpiresAt passes { tier startsAt endsAt } } }';
const WEBHOOK_SECRET = 'whsec_test_secret';

/** A stand-in for Stripe's API on loopback: it records each request and answers as Stripe would. */
class StripeDouble {
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers']; form: URLSearchParams }[] =
    [];
  failWith: number | undefined;
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.requests.push({
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        form: new URLSearchParams(body),
      });
      res.setHeader('content-type', 'application/json');
      if (this.failWith) {
        res.statusCode = this.failWith;
        res.end(JSON.stringify({ error: { type: 'api_error', message: 'boom' } }));
        return;
      }
      const id = `cs_test_${this.requests.length}`;
      res.end(JSON.stringify({ id, object: 'checkout.session', url: `https://checkout.stripe.com/c/pay/${id}` }));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(eachProfile)('passes and payment (%s)', (_name, profile) => {
  const clock = new TestClock();
  const stripe = new StripeDouble();
  let dev: TestServer;
  let paid: TestServer;

  const devChat = useChatServer(profile, {
    clock,
    env: { SESSION_TTL_DAYS: '365', PLAN_PLUS_30D_AMOUNT: '300', PLAN_CURRENCY: 'eur' },
  });
  let stripeUrl: string;
  beforeAll(async () => {
    stripeUrl = await stripe.start();
  });
  const paidChat = useChatServer(profile, () => ({
    clock,
    env: {
      SESSION_TTL_DAYS: '365',
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: stripeUrl,
      PUBLIC_URL: 'https://chat.example.com',
    },
  }));
  afterAll(() => stripe.stop());
  beforeAll(() => {
    dev = devChat.server;
    paid = paidChat.server;
  });

  it('lists the plans to anyone, with prices from configuration', async () => {
    const res = await gql(dev.url, '{ plans { id tier days amount currency } }');
    expect(res.data!.plans).toEqual([
      { id: 'PLUS_30D', tier: 'PLUS', days: 30, amount: 300, currency: 'eur' },
      { id: 'PRO_30D', tier: 'PRO', days: 30, amount: 999, currency: 'eur' },
    ]);
  });

  it('needs a session and a known plan to start a checkout', async () => {
    expect(codesOf(await gql(dev.url, START, { planId: 'PLUS_30D' }))).toEqual(['UNAUTHENTICATED']);
    const user = await devChat.user('planless');
    const res = await user.gql(START, { planId: 'GOLD_FOREVER' });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('planId');
  });

  describe('development checkout (no Stripe keys)', () => {
    const buy = async (user: TestUser, planId: string) => {
      const { url } = (await user.gql(START, { planId })).data!.startCheckout;
      const pageUrl = new URL(url);
      const page = await fetch(`${dev.url}${pageUrl.pathname}`);
      expect(page.status).toBe(200);
      const done = await fetch(`${dev.url}${pageUrl.pathname}/complete`, { method: 'POST', redirect: 'manual' });
      expect(done.status).toBe(303);
      return pageUrl.pathname;
    };

    it('takes a user from FREE to PLUS (PRIVATE channel) to PRO (PASSWORD channel)', async () => {
      const user = await devChat.user('journey');
      expect((await user.gql(ME)).data!.me.tier).toBe('FREE');
      expect(codesOf(await user.gql(CREATE, { input: { name: 'mine', kind: 'PRIVATE' } }))).toEqual(['TIER_REQUIRED']);

      const { id, url } = (await user.gql(START, { planId: 'PLUS_30D' })).data!.startCheckout;
      expect(url).toBe(`${dev.url.replace('127.0.0.1', 'localhost')}/dev/checkout/${id}`);
      await buy(user, 'PLUS_30D');
      expect((await user.gql(ME)).data!.me.tier).toBe('PLUS');
      expect(codesOf(await user.gql(CREATE, { input: { name: 'mine', kind: 'PRIVATE' } }))).toEqual([]);
      expect(
        codesOf(await user.gql(CREATE, { input: { name: 'club', kind: 'PASSWORD', password: 'secret' } })),
      ).toEqual(['TIER_REQUIRED']);

      await buy(user, 'PRO_30D');
      expect((await user.gql(ME)).data!.me.tier).toBe('PRO');
      expect(
        codesOf(await user.gql(CREATE, { input: { name: 'club', kind: 'PASSWORD', password: 'secret' } })),
      ).toEqual([]);
    });

    it('grants one pass however often the page is submitted, and none for a forged link or the success page', async () => {
      const user = await devChat.user('twice');
      const path = await buy(user, 'PLUS_30D');
      await fetch(`${dev.url}${path}/complete`, { method: 'POST', redirect: 'manual' });
      expect((await user.gql(ME)).data!.me.passes).toHaveLength(1);

      const forged = path.replace(/\.[^.]+$/, '.AAAA');
      expect((await fetch(`${dev.url}${forged}/complete`, { method: 'POST', redirect: 'manual' })).status).toBe(404);
      const other = await devChat.user('bystander');
      expect((await fetch(`${dev.url}/checkout/success?session_id=cs_test_anything`)).status).toBe(200);
      expect((await other.gql(ME)).data!.me.passes).toEqual([]);
    });

    it('stacks a second pass of the same tier after the first, and lets it lapse to FREE', async () => {
      const user = await devChat.user('stacker');
      await buy(user, 'PLUS_30D');
      await buy(user, 'PLUS_30D');
      const me = (await user.gql(ME)).data!.me;
      const [newer, older] = me.passes;
      expect(newer.startsAt).toBe(older.endsAt);
      expect(me.tierExpiresAt).toBe(newer.endsAt);
      clock.advance(60 * DAY);
      expect((await user.gql(ME)).data!.me).toMatchObject({ tier: 'FREE', tierExpiresAt: null });
    });
  });

  describe('Stripe Checkout', () => {
    it('creates a Checkout Session in payment mode carrying the user and plan, with an Idempotency-Key', async () => {
      const user = await paidChat.user('buyer');
      stripe.requests.length = 0;
      const res = await user.gql(START, { planId: 'PRO_30D' });
      expect(res.data!.startCheckout).toEqual({ id: 'cs_test_1', url: 'https://checkout.stripe.com/c/pay/cs_test_1' });
      const [request] = stripe.requests;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/v1/checkout/sessions');
      expect(request.headers.authorization).toBe('Bearer sk_test_123');
      expect(request.headers['idempotency-key']).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.fromEntries(request.form)).toMatchObject({
        mode: 'payment',
        client_reference_id: user.id,
        customer_email: user.email,
        'metadata[userId]': user.id,
        'metadata[planId]': 'PRO_30D',
        'metadata[amount]': '999',
        'metadata[currency]': 'usd',
        'line_items[0][quantity]': '1',
        'line_items[0][price_data][unit_amount]': '999',
        'line_items[0][price_data][currency]': 'usd',
        success_url: 'https://chat.example.com/checkout/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://chat.example.com/checkout/cancel',
      });
      await user.gql(START, { planId: 'PRO_30D' });
      expect(stripe.requests[1].headers['idempotency-key']).toBe(request.headers['idempotency-key']);
    });

    it('answers PAYMENT_UNAVAILABLE when Stripe fails', async () => {
      const user = await paidChat.user('unlucky');
      stripe.failWith = 500;
      try {
        expect(codesOf(await user.gql(START, { planId: 'PLUS_30D' }))).toEqual(['PAYMENT_UNAVAILABLE']);
      } finally {
        stripe.failWith = undefined;
      }
    });
  });

  describe('webhooks', () => {
    const event = (type: string, session: Record<string, unknown>, id = `evt_${randomUUID()}`) =>
      JSON.stringify({ id, object: 'event', type, data: { object: { object: 'checkout.session', ...session } } });
    const deliver = (payload: string, options: { secret?: string; timestamp?: number; body?: string } = {}) =>
      fetch(`${paid.url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({
            payload,
            secret: options.secret ?? WEBHOOK_SECRET,
            timestamp: options.timestamp,
          }),
        },
        body: options.body ?? payload,
      });
    /** A Checkout Session as Stripe reports it, having been paid the plan's price (499 and 999 usd by default). */
    const checkout = (user: TestUser, planId = 'PLUS_30D', paymentStatus = 'paid') => ({
      id: `cs_test_${randomUUID()}`,
      payment_status: paymentStatus,
      amount_total: planId === 'PRO_30D' ? 999 : 499,
      currency: 'usd',
      client_reference_id: user.id,
      metadata: { userId: user.id, planId },
    });
    const passesOf = async (user: TestUser) => (await user.gql(ME)).data!.me.passes as unknown[];

    it('grants the pass on checkout.session.completed with payment_status paid', async () => {
      const user = await paidChat.user('hooked');
      const res = await deliver(event('checkout.session.completed', checkout(user, 'PRO_30D')));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, outcome: 'fulfilled' });
      expect((await user.gql(ME)).data!.me.tier).toBe('PRO');
    });

    it('takes a user from FREE to PLUS (PRIVATE channel) to PRO (PASSWORD channel) through signed webhooks', async () => {
      const user = await paidChat.user('webhook-journey');
      const tryCreate = (kind: 'PRIVATE' | 'PASSWORD', password?: string) =>
        user.gql(CREATE, { input: { name: `${kind} room`, kind, password } }).then(codesOf);
      expect(await tryCreate('PRIVATE')).toEqual(['TIER_REQUIRED']);
      expect((await deliver(event('checkout.session.completed', checkout(user, 'PLUS_30D')))).status).toBe(200);
      expect(await tryCreate('PRIVATE')).toEqual([]);
      expect(await tryCreate('PASSWORD', 'secret')).toEqual(['TIER_REQUIRED']);
      expect((await deliver(event('checkout.session.completed', checkout(user, 'PRO_30D')))).status).toBe(200);
      expect(await tryCreate('PASSWORD', 'secret')).toEqual([]);
      expect((await user.gql(ME)).data!.me.tier).toBe('PRO');
    });

    it.each([
      ['a tampered body', { tamper: true }],
      ['the wrong secret', { secret: 'whsec_wrong' }],
      ['a signature older than 300 s', { timestamp: Math.floor(Date.now() / 1000) - 301 }],
    ] as [string, { tamper?: boolean; secret?: string; timestamp?: number }][])(
      'refuses %s with 400 and grants nothing',
      async (_what, options) => {
        const user = await paidChat.user('forger');
        // The tampered delivery turns a signed unpaid session into a paid one.
        const payload = event(
          'checkout.session.completed',
          checkout(user, 'PLUS_30D', options.tamper ? 'unpaid' : 'paid'),
        );
        const body = options.tamper ? payload.replace('"unpaid"', '"paid"') : undefined;
        const res = await deliver(payload, { secret: options.secret, timestamp: options.timestamp, body });
        expect(res.status).toBe(400);
        expect(await passesOf(user)).toEqual([]);
      },
    );

    it('refuses an unsigned request', async () => {
      const res = await fetch(`${paid.url}/webhooks/stripe`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(400);
    });

    it('grants one pass for an event delivered twice, one after the other and in parallel', async () => {
      const user = await paidChat.user('dup');
      const payload = event('checkout.session.completed', checkout(user));
      expect(((await (await deliver(payload)).json()) as any).outcome).toBe('fulfilled');
      expect(((await (await deliver(payload)).json()) as any).outcome).toBe('duplicate');
      const other = await paidChat.user('parallel');
      const parallel = event('checkout.session.completed', checkout(other));
      const results = await Promise.all([deliver(parallel), deliver(parallel), deliver(parallel)]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(await passesOf(user)).toHaveLength(1);
      expect(await passesOf(other)).toHaveLength(1);
    });

    it('grants one pass for completed then async_payment_succeeded of one session, in either order', async () => {
      for (const order of [
        ['checkout.session.completed', 'checkout.session.async_payment_succeeded'],
        ['checkout.session.async_payment_succeeded', 'checkout.session.completed'],
      ]) {
        const user = await paidChat.user('both');
        const session = checkout(user);
        for (const type of order) expect((await deliver(event(type, session))).status).toBe(200);
        expect(await passesOf(user)).toHaveLength(1);
      }
    });

    it('grants nothing for an unpaid completed session, then the pass when the async payment succeeds', async () => {
      const user = await paidChat.user('async');
      const session = checkout(user, 'PLUS_30D', 'unpaid');
      expect(((await (await deliver(event('checkout.session.completed', session))).json()) as any).outcome).toBe(
        'ignored',
      );
      expect(await passesOf(user)).toEqual([]);
      expect(
        ((await (await deliver(event('checkout.session.async_payment_succeeded', session))).json()) as any).outcome,
      ).toBe('fulfilled');
      expect(await passesOf(user)).toHaveLength(1);
    });

    it('acknowledges and ignores other events', async () => {
      const user = await paidChat.user('other');
      const res = await deliver(event('checkout.session.expired', checkout(user)));
      expect(await res.json()).toEqual({ received: true, outcome: 'ignored' });
      expect(await count(paid, 'passes', 'user_id = ?', [user.id])).toBe(0);
    });

    it.each([
      ['no known user', { metadata: { userId: randomUUID(), planId: 'PLUS_30D' } }],
      ['no known plan', { metadata: { planId: 'GOLD_FOREVER' } }],
    ])('acknowledges (200, once) and grants nothing for a paid session naming %s', async (_what, change) => {
      const user = await paidChat.user('ghost');
      const session = { ...checkout(user), ...change, metadata: { userId: user.id, ...change.metadata } };
      const before = await count(paid, 'passes');
      const payload = event('checkout.session.completed', session);
      const res = await deliver(payload);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, outcome: 'unfulfillable' });
      expect(((await (await deliver(payload)).json()) as any).outcome).toBe('duplicate');
      expect(await count(paid, 'passes')).toBe(before);
      expect(paid.logs.some((line) => line.includes('granted no pass'))).toBe(true);
    });

    it.each([
      ['less than the price', { amount_total: 1 }],
      ['nothing said of the amount', { amount_total: null }],
      ['another currency', { currency: 'jpy' }],
    ])('grants nothing for a paid session with %s, and acknowledges it', async (_what, change) => {
      const user = await paidChat.user('cheap');
      const res = await deliver(event('checkout.session.completed', { ...checkout(user, 'PRO_30D'), ...change }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, outcome: 'underpaid' });
      expect(await passesOf(user)).toEqual([]);
    });

    it('checks what was paid against the price the checkout was opened with, not the price of today', async () => {
      const user = await paidChat.user('old-price');
      // Opened at 300 before the price became 499: paying 300 buys the pass.
      const session = {
        ...checkout(user),
        amount_total: 300,
        metadata: { userId: user.id, planId: 'PLUS_30D', amount: '300', currency: 'usd' },
      };
      const res = await deliver(event('checkout.session.completed', session));
      expect(await res.json()).toEqual({ received: true, outcome: 'fulfilled' });
      expect(await passesOf(user)).toHaveLength(1);
    });

    it('answers a body over 512 KB with 413 in JSON, no stack trace', async () => {
      const res = await fetch(`${paid.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
        body: 'x'.repeat(600 * 1024),
      });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/json/);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: expect.any(String) });
      expect(text).not.toMatch(/ at |node_modules/);
    });
  });
});

describe('payment in production without Stripe keys', () => {
  const embedded = eachProfile.find(([name]) => name === 'embedded')![1];
  let server: TestServer;
  const chat = useChatServer(embedded, {
    env: { NODE_ENV: 'production', ALLOW_EMBEDDED: '1', AUTH_SECRET: 'q7Xv2LmP9sRt4WzK8nBc1HdF6gJy3UeA' },
  });
  beforeAll(() => {
    server = chat.server;
  });

  it('refuses startCheckout with PAYMENT_UNAVAILABLE and serves no development checkout', async () => {
    const user = await chat.user('prod');
    expect(codesOf(await user.gql(START, { planId: 'PLUS_30D' }))).toEqual(['PAYMENT_UNAVAILABLE']);
    expect((await fetch(`${server.url}/dev/checkout/dev_cs_x.y`)).status).toBe(404);
  });
});
