import { createHash } from 'node:crypto';
import { MINUTE, HOUR, SECOND, TestClock } from '../support/clock';
import { count, rows } from '../support/db';
import { codesOf, gql } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { REQUEST_CODE, VERIFY_CODE } from '../support/sign-in';
import { codeIn, SmtpSink } from '../support/smtp-sink';
import { useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

let n = 0;
const freshEmail = (tag: string) => `${tag}-${Date.now().toString(36)}-${++n}@example.com`;

describe.each(eachProfile)('login codes (%s)', (_name, profile) => {
  const clock = new TestClock();
  let server: TestServer;
  const chat = useChatServer(profile, { clock });
  const sink = chat.sink;
  const request = (email: string) => gql(server.url, REQUEST_CODE, { email });
  const verify = (email: string, code: string) => gql(server.url, VERIFY_CODE, { email, code });
  const requestAndRead = async (email: string) => {
    const res = await request(email);
    expect(res.errors).toBeUndefined();
    return codeIn(await sink.nextMailTo(email.trim().toLowerCase()));
  };
  const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  beforeAll(() => {
    server = chat.server;
  });

  it('mails a 6-digit code in a plain-text and an HTML part, with its expiry, valid 10 minutes', async () => {
    const email = freshEmail('mail');
    const before = clock.now().getTime();
    const res = await request(email);
    const ticket = res.data!.requestLoginCode;
    expect(ticket.email).toBe(email);
    expect(ticket.delivery).toBe('MAIL');
    expect(Date.parse(ticket.expiresAt) - before).toBeGreaterThanOrEqual(10 * MINUTE - SECOND);
    expect(Date.parse(ticket.expiresAt) - before).toBeLessThanOrEqual(10 * MINUTE + 5 * SECOND);
    expect(Date.parse(ticket.resendAfter) - before).toBeGreaterThanOrEqual(60 * SECOND - SECOND);
    expect(Date.parse(ticket.resendAfter) - before).toBeLessThanOrEqual(60 * SECOND + 5 * SECOND);

    const mail = await sink.nextMailTo(email);
    const code = codeIn(mail);
    expect(code).toMatch(/^\d{6}$/);
    const expiry = `${ticket.expiresAt.replace('T', ' ').slice(0, 16)} UTC`;
    expect(mail.text).toContain(expiry);
    expect(mail.html).toContain(code);
    expect(mail.html).toContain(expiry);
  });

  it('gives the same answer whether or not the email has signed in before', async () => {
    const known = freshEmail('known');
    await verify(known, await requestAndRead(known));
    clock.advance(61 * SECOND);
    const again = await request(known);
    const unknown = await request(freshEmail('unknown'));
    expect(Object.keys(again.data!.requestLoginCode)).toEqual(Object.keys(unknown.data!.requestLoginCode));
    expect(again.errors).toBeUndefined();
    expect(unknown.errors).toBeUndefined();
  });

  it('trims and lower-cases the email; the first verify creates the user named after the local part', async () => {
    const email = freshEmail('Mixed.Case');
    const code = await requestAndRead(`  ${email.toUpperCase()} `);
    const res = await verify(email.toLowerCase(), code);
    const viewer = res.data!.verifyLoginCode.viewer;
    expect(viewer.email).toBe(email.toLowerCase());
    expect(viewer.displayName).toBe(email.toLowerCase().split('@')[0]);

    clock.advance(61 * SECOND);
    const second = await verify(` ${email} `, await requestAndRead(email));
    expect(second.data!.verifyLoginCode.viewer.id).toBe(viewer.id);
    expect(await count(server, 'users', 'email = ?', [email.toLowerCase()])).toBe(1);
  });

  it.each(['not-an-email', '', 'a@', '@b.com', 'two@@example.com', `${'x'.repeat(250)}@example.com`])(
    'refuses the malformed email %j with BAD_USER_INPUT and stores and mails nothing',
    async (email) => {
      const mailsBefore = sink.mailsTo(email.toLowerCase()).length;
      const requestsBefore = await count(server, 'login_code_requests');
      const res = await request(email);
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe('email');
      expect(res.data).toBeNull();
      expect(await count(server, 'login_code_requests')).toBe(requestsBefore);
      expect(sink.mailsTo(email.toLowerCase()).length).toBe(mailsBefore);
    },
  );

  it('refuses codes of the wrong length or with non-digits as BAD_USER_INPUT without counting a try', async () => {
    const email = freshEmail('shape');
    const code = await requestAndRead(email);
    for (const bad of ['12345', '1234567', 'abcdef', '12 456', '', '１２３４５６']) {
      const res = await verify(email, bad);
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe('code');
    }
    const [row] = await rows<{ failed_attempts: number }>(
      server,
      'select failed_attempts from login_codes where email = ?',
      [email],
    );
    expect(Number(row.failed_attempts)).toBe(0);
    expect(codesOf(await verify(email, code))).toEqual([]);
  });

  it('refuses an expired code', async () => {
    const email = freshEmail('expired');
    const code = await requestAndRead(email);
    clock.advance(10 * MINUTE);
    const res = await verify(email, code);
    expect(codesOf(res)).toEqual(['INVALID_CODE']);
    expect(await count(server, 'users', 'email = ?', [email])).toBe(0);
  });

  it('accepts a code once only', async () => {
    const email = freshEmail('reuse');
    const code = await requestAndRead(email);
    expect(codesOf(await verify(email, code))).toEqual([]);
    expect(codesOf(await verify(email, code))).toEqual(['INVALID_CODE']);
    expect(await count(server, 'sessions s join users u on u.id = s.user_id', 'u.email = ?', [email])).toBe(1);
  });

  it('replaces the previous code with a new request', async () => {
    const email = freshEmail('replace');
    const first = await requestAndRead(email);
    clock.advance(61 * SECOND);
    const second = await requestAndRead(email);
    if (first !== second) expect(codesOf(await verify(email, first))).toEqual(['INVALID_CODE']);
    expect(codesOf(await verify(email, second))).toEqual([]);
  });

  it('kills a code after 5 wrong tries, counting down attemptsLeft', async () => {
    const email = freshEmail('wrong');
    const code = await requestAndRead(email);
    const left = [];
    for (let i = 0; i < 5; i++) {
      const res = await verify(email, wrongCode(code));
      expect(codesOf(res)).toEqual(['INVALID_CODE']);
      left.push(res.errors![0].extensions!.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const sixth = await verify(email, code);
    expect(codesOf(sixth)).toEqual(['INVALID_CODE']);
    expect(await count(server, 'users', 'email = ?', [email])).toBe(0);
  });

  it('counts every verifyLoginCode field of one request as a try of its own', async () => {
    const email = freshEmail('aliases');
    const code = await requestAndRead(email);
    const wrong = wrongCode(code);
    const fields = [1, 2, 3, 4, 5]
      .map((i) => `t${i}: verifyLoginCode(email: $email, code: "${wrong}") { token }`)
      .join('\n');
    const res = await gql(
      server.url,
      `mutation ($email: String!) { ${fields}\n t6: verifyLoginCode(email: $email, code: "${code}") { token } }`,
      { email },
    );
    // Mutation fields run one after another; the first failure nulls the (non-null) result and ends the
    // document, so a batch of guesses buys no more tries than the same guesses sent one by one.
    expect(res.data).toBeNull();
    expect(codesOf(res)).toEqual(['INVALID_CODE']);
    expect(res.errors![0].extensions!.attemptsLeft).toBe(4);
    expect(res.errors![0].path).toEqual(['t1']);
    const next = await verify(email, wrong);
    expect(next.errors![0].extensions!.attemptsLeft).toBe(3);
  });

  it('refuses a new code within 60 s of the previous one, without mailing', async () => {
    const email = freshEmail('resend');
    await requestAndRead(email);
    clock.advance(30 * SECOND);
    const res = await request(email);
    expect(codesOf(res)).toEqual(['RATE_LIMITED']);
    const retry = res.errors![0].extensions!.retryAfterSeconds as number;
    expect(retry).toBeGreaterThanOrEqual(29);
    expect(retry).toBeLessThanOrEqual(31);
    expect(sink.mailsTo(email)).toHaveLength(1);
    clock.advance(31 * SECOND);
    expect(codesOf(await request(email))).toEqual([]);
  });

  it('refuses a sixth code for one email within an hour', async () => {
    const email = freshEmail('hourly');
    for (let i = 0; i < 5; i++) {
      await requestAndRead(email);
      clock.advance(61 * SECOND);
    }
    const sixth = await request(email);
    expect(codesOf(sixth)).toEqual(['RATE_LIMITED']);
    const retry = sixth.errors![0].extensions!.retryAfterSeconds as number;
    expect(retry).toBeGreaterThan(HOUR / SECOND - 6 * 61 - 5);
    expect(retry).toBeLessThanOrEqual(HOUR / SECOND - 5 * 61 + 5);
    expect(sink.mailsTo(email)).toHaveLength(5);
    clock.advance(retry * SECOND);
    expect(codesOf(await request(email))).toEqual([]);
  });

  it('stores the code only as a keyed hash', async () => {
    const email = freshEmail('hash');
    const code = await requestAndRead(email);
    const [row] = await rows<Record<string, unknown>>(server, 'select * from login_codes where email = ?', [email]);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(createHash('sha256').update(code).digest('hex'));
    expect(stored).not.toContain(createHash('sha256').update(`${email}\n${code}`).digest('hex'));
  });

  it('never writes the code to the log when it is mailed', async () => {
    const email = freshEmail('quiet');
    const code = await requestAndRead(email);
    await verify(email, code);
    expect(server.logs.join('')).not.toContain(code);
  });

  it('lets one of two simultaneous requests for an email through, and refuses the other', async () => {
    const email = freshEmail('race');
    const results = await Promise.all([request(email), request(email)]);
    expect(results.map(codesOf).flat().sort()).toEqual(['RATE_LIMITED']);
    await sink.nextMailTo(email);
    expect(sink.mailsTo(email)).toHaveLength(1);
  });
});

describe.each(eachProfile)('sign-in limits across requests and instances (%s)', (_name, profile) => {
  const sink = new SmtpSink();
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    await sink.start();
    first = await startTestServer(profile, { env: { SMTP_URL: sink.url, LOGIN_CODES_PER_ADDRESS_PER_HOUR: '2' } });
    second = await startTestServer(profile, {
      databaseUrl: first.databaseUrl,
      env: { SMTP_URL: sink.url, LOGIN_CODES_PER_ADDRESS_PER_HOUR: '2', MIGRATE_ON_START: 'false' },
    });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await sink.stop();
  });

  it('shares the 60 s resend limit and the wrong-try count between instances', async () => {
    const email = freshEmail('shared');
    await gql(first.url, REQUEST_CODE, { email });
    const code = codeIn(await sink.nextMailTo(email));
    expect(codesOf(await gql(second.url, REQUEST_CODE, { email }))).toEqual(['RATE_LIMITED']);

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const left = [];
    for (const server of [first, second, first, second, first]) {
      const res = await gql(server.url, VERIFY_CODE, { email, code: wrong });
      left.push(res.errors![0].extensions!.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expect(codesOf(await gql(second.url, VERIFY_CODE, { email, code }))).toEqual(['INVALID_CODE']);
  });

  it('caps codes per client address (LOGIN_CODES_PER_ADDRESS_PER_HOUR) across emails and instances', async () => {
    // The previous test used one of the two codes this address may request within the hour.
    const a = await gql(second.url, REQUEST_CODE, { email: freshEmail('addr') });
    expect(codesOf(a)).toEqual([]);
    const b = await gql(first.url, REQUEST_CODE, { email: freshEmail('addr') });
    expect(codesOf(b)).toEqual(['RATE_LIMITED']);
    expect(b.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe.each(eachProfile)('development mail fallback (%s)', (_name, profile) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(profile);
  });
  afterAll(() => server?.stop());

  it('writes the code to the log when SMTP_URL is unset, says so to the client, and that code signs in', async () => {
    const email = freshEmail('devlog');
    const requested = await gql(server.url, REQUEST_CODE, { email });
    expect(codesOf(requested)).toEqual([]);
    expect(requested.data!.requestLoginCode.delivery).toBe('SERVER_LOG');
    const line = server.logs.find((l) => l.includes(email) && l.includes('login code'));
    const code = /"code":"(\d{6})"/.exec(line ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(codesOf(await gql(server.url, VERIFY_CODE, { email, code }))).toEqual([]);
  });
});
