import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { createConnection } from 'mysql2/promise';
import { Channel, Message, MessageKind, Tier } from '../../src/entities';
import { encodeCursor } from '../../src/services/cursor';
import { pageQuery } from '../../src/services/message.service';
import { SECOND, TestClock } from '../support/clock';
import { type TestUser } from '../support/chat';
import { codesOf } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

const seqs = (res: any) => res.data!.messages.edges.map((e: any) => e.node.seq as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(eachProfile)('history (%s)', (_name, profile) => {
  const clock = new TestClock();
  let owner: TestUser;
  let room: string;
  let other: string;
  const TOTAL = 120;

  const chat = useChatServer(profile, { clock });
  beforeAll(async () => {
    owner = await chat.user('reader', Tier.PLUS);
    room = await owner.createChannel('PRIVATE');
    other = await owner.createChannel('PRIVATE');
    for (let i = 2; i <= TOTAL; i++) {
      if (i % 25 === 0) clock.advance(10 * SECOND); // stay under the send limit
      const res = await owner.send(room, `message ${i}`);
      expect(res.data!.sendMessage.seq).toBe(i);
    }
  });

  it('opens on the newest 50 in ascending order', async () => {
    const res = await owner.history(room);
    expect(seqs(res)).toEqual(range(TOTAL - 49, TOTAL));
    expect(res.data!.messages.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect(res.data!.messages.pageInfo.startCursor).toBe(res.data!.messages.edges[0].cursor);
  });

  it('pages back with last/before to the first message, each message once, in order', async () => {
    const seen: number[] = [];
    let before: string | null | undefined;
    for (;;) {
      const res = await owner.history(room, { last: 33, ...(before ? { before } : {}) });
      const page = seqs(res);
      seen.unshift(...page);
      if (!res.data!.messages.pageInfo.hasPreviousPage) break;
      before = res.data!.messages.pageInfo.startCursor;
    }
    expect(seen).toEqual(range(1, TOTAL));
  });

  it('pages forward with first/after', async () => {
    const first = await owner.history(room, { first: 10 });
    expect(seqs(first)).toEqual(range(1, 10));
    expect(first.data!.messages.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    const next = await owner.history(room, { first: 10, after: first.data!.messages.pageInfo.endCursor });
    expect(seqs(next)).toEqual(range(11, 20));
    const end = await owner.history(room, { first: 100, after: encodeCursor(room, TOTAL - 5) });
    expect(seqs(end)).toEqual(range(TOTAL - 4, TOTAL));
    expect(end.data!.messages.pageInfo.hasNextPage).toBe(false);
  });

  it('answers an empty page past the newest message, ready to continue from there', async () => {
    const res = await owner.history(room, { first: 10, after: encodeCursor(room, TOTAL) });
    expect(res.data!.messages).toEqual({
      edges: [],
      pageInfo: { hasPreviousPage: true, hasNextPage: false, startCursor: null, endCursor: null },
      lastRev: 0,
    });
  });

  it('serves 100 per page at most, and the same through Channel.messages', async () => {
    expect(seqs(await owner.history(room, { last: 100 }))).toHaveLength(100);
    const nested = await owner.gql(
      `query ($id: ID!) { channel(id: $id) { messages(last: 5) { edges { node { seq } } } } }`,
      { id: room },
    );
    expect(nested.data!.channel.messages.edges.map((e: any) => e.node.seq)).toEqual(range(TOTAL - 4, TOTAL));
  });

  it.each([
    ['first: 0', { first: 0 }, 'first'],
    ['first: -1', { first: -1 }, 'first'],
    ['first: 101', { first: 101 }, 'first'],
    ['last: 0', { last: 0 }, 'last'],
    ['last: -1', { last: -1 }, 'last'],
    ['last: 101', { last: 101 }, 'last'],
    ['first and last together', { first: 5, last: 5 }, 'last'],
    ['a garbage cursor', { after: 'garbage' }, 'after'],
    ['an empty cursor', { before: '' }, 'before'],
    ['a cursor that is valid base64 of something else', { after: Buffer.from('v1:x').toString('base64url') }, 'after'],
  ])('refuses %s with BAD_USER_INPUT', async (_what, args, field) => {
    const res = await owner.history(room, args);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
  });

  it('refuses a made-up cursor at seq 0, which no message has (it is not "no bound")', async () => {
    const res = await owner.history(room, { before: encodeCursor(room, 0) });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('before');
  });

  it("refuses a cursor of another channel's history", async () => {
    const cursor = (await owner.history(other)).data!.messages.pageInfo.endCursor;
    const res = await owner.history(room, { before: cursor });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('before');
  });
});

/**
 * A deep page must cost what the newest page costs: the query is a range scan of the (channel_id, seq) index from
 * one end, reading only the rows of the page, however long the history.
 */
describe.each(eachProfile)('history query plan (%s)', (_name, profile) => {
  let server: TestServer;
  const DEPTH = 20_000;
  const channelId = randomUUID();

  beforeAll(async () => {
    server = await startTestServer(profile);
    const em = server.app.orm.em.fork() as SqlEntityManager;
    const now = new Date();
    em.create(Channel, { id: channelId, name: 'deep', kind: 'DEFAULT' as never, lastSeq: DEPTH, createdAt: now });
    await em.flush();
    for (let start = 1; start <= DEPTH; start += 400) {
      const batch = range(start, Math.min(start + 399, DEPTH)).map((seq) => ({
        id: randomUUID(),
        channel: channelId,
        seq,
        kind: MessageKind.SYSTEM,
        body: `m${seq}`,
        createdAt: now,
      }));
      await em.createQueryBuilder(Message).insert(batch).execute();
    }
  }, 120_000);
  afterAll(() => server?.stop());

  const query = (before: number | undefined) =>
    pageQuery(server.app.orm.em.fork() as SqlEntityManager, {
      channelId,
      after: 0,
      before,
      limit: 50,
      from: 'desc',
    }).getFormattedQuery();

  if (profile.name === 'real') {
    it('reads only the rows of the page, at the newest end and 19,000 messages deep (MySQL handler counters)', async () => {
      const url = new URL(server.databaseUrl);
      const conn = await createConnection(url.toString());
      const rowsRead = async (sql: string) => {
        await conn.query('FLUSH STATUS');
        const [result] = await conn.query(sql);
        const [status] = await conn.query("SHOW SESSION STATUS LIKE 'Handler_read%'");
        const reads = (status as { Variable_name: string; Value: string }[]).reduce(
          (sum, s) => sum + Number(s.Value),
          0,
        );
        return { rows: (result as unknown[]).length, reads };
      };
      try {
        const newest = await rowsRead(query(undefined));
        const deep = await rowsRead(query(1001));
        expect(newest.rows).toBe(50);
        expect(deep.rows).toBe(50);
        // 50 rows plus the index dives and the sender joins' lookups (none here): nowhere near the history's length.
        expect(newest.reads).toBeLessThanOrEqual(120);
        expect(deep.reads).toBeLessThanOrEqual(120);
      } finally {
        await conn.end();
      }
    });
  } else {
    it('searches the (channel_id, seq) index with no sort step (SQLite query plan)', async () => {
      const plan = await server.app.orm.em
        .fork()
        .getConnection()
        .execute<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${query(1001)}`);
      const details = plan.map((p: { detail: string }) => p.detail).join('\n');
      expect(details).toMatch(
        /SEARCH m USING (COVERING )?INDEX messages_channel_id_seq_unique \(channel_id=\? AND seq>\? AND seq<\?\)/,
      );
      expect(details).not.toMatch(/TEMP B-TREE/);
    });
  }
});
