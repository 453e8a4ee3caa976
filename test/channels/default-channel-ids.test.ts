import { MikroORM } from '@mikro-orm/core';
import { z } from 'zod';
import { loadConfig } from '../../src/config';
import { ormOptions } from '../../src/mikro-orm.config';
import { isChannelId } from '../../src/services/channel-access';
import { DEFAULT_CHANNEL_NAMESPACE, defaultChannelId, uuidV5 } from '../../src/services/channel.service';
import { signedInUser } from '../support/chat-server';
import { CHANNELS } from '../support/chat';
import { eachProfile } from '../support/profiles';
import { startTestServer } from '../support/test-server';

/** `general`'s id before Migration20261203001100NameBasedChannelIds: no version or variant bits. */
const LEGACY_GENERAL = '3d707c8f-82ff-dff4-e250-2d702f84572e';

const NAMES = ['general', 'random', 'archive', 'lobby', 'Général 🙂', 'a', 'x'.repeat(64)];

describe('DEFAULT channel ids', () => {
  it.each(NAMES)('are UUIDs of version 5 with the RFC 9562 variant (%s)', (name) => {
    const id = defaultChannelId(name);
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(z.uuid({ version: 'v5' }).safeParse(id).success).toBe(true);
    expect(id[14]).toBe('5');
    expect('89ab').toContain(id[19]);
    expect(id).toBe(id.toLowerCase());
    expect(isChannelId(id)).toBe(true);
  });

  it('are the same for the same name and differ between names', () => {
    expect(NAMES.map(defaultChannelId)).toEqual(NAMES.map(defaultChannelId));
    expect(new Set(NAMES.map(defaultChannelId)).size).toBe(NAMES.length);
  });

  it('never change: the namespace and the id of general are fixed (a change would orphan every DEFAULT channel)', () => {
    expect(DEFAULT_CHANNEL_NAMESPACE).toBe('a2eceaf8-7a04-4c83-a1c1-2af6d23ef4cc');
    expect(defaultChannelId('general')).toBe('8770154f-f281-56ab-b422-b42b2221c695');
  });

  it("are computed as RFC 9562 says (its test vector: the DNS namespace's www.example.com)", () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('were not UUIDs before (why they changed)', () => {
    expect(z.uuid().safeParse(LEGACY_GENERAL).success).toBe(false);
  });
});

describe.each(eachProfile)('DEFAULT channel ids after an upgrade (%s)', (_name, profile) => {
  it('a server started on a database with the old id of general serves it under the new id, history and all', async () => {
    const database = await profile.createDatabase();
    try {
      const orm = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: database.url }).database));
      try {
        await orm.getMigrator().up({ to: 'Migration20261202001000Statistics' });
        const sql = (statement: string, params: unknown[]) => orm.em.getConnection().execute(statement, params);
        const at = orm.em.getPlatform().processDateProperty(new Date());
        await sql(
          "insert into channels (id, name, kind, last_seq, last_rev, created_at) values (?, 'general', 'DEFAULT', 2, 0, ?)",
          [LEGACY_GENERAL, at],
        );
        await sql(
          "insert into messages (id, channel_id, seq, kind, body, system_event, created_at, published_at) values (?, ?, 1, 'SYSTEM', 'Channel general created', 'CHANNEL_CREATED', ?, ?)",
          ['00000000-0000-4000-8000-000000000001', LEGACY_GENERAL, at, at],
        );
        await sql(
          "insert into messages (id, channel_id, seq, kind, body, created_at, published_at) values (?, ?, 2, 'SYSTEM', 'from before the upgrade', ?, ?)",
          ['00000000-0000-4000-8000-000000000002', LEGACY_GENERAL, at, at],
        );
      } finally {
        await orm.close();
      }

      const server = await startTestServer(profile, {
        databaseUrl: database.url,
        env: { DEFAULT_CHANNELS: 'general' },
      });
      try {
        const reader = await signedInUser(server, 'reader');
        const channels = (await reader.gql(CHANNELS)).data!.channels;
        expect(channels.map((c) => [c.name, c.id, c.lastSeq])).toEqual([['general', defaultChannelId('general'), 2]]);
        expect(channels.every((c) => z.uuid().safeParse(c.id).success)).toBe(true);
        const history = (await reader.history(defaultChannelId('general'), { last: 10 })).data!.messages.edges;
        expect(history.map((e) => [e.node.seq, e.node.body])).toEqual([
          [1, 'Channel general created'],
          [2, 'from before the upgrade'],
        ]);
        expect((await reader.send(defaultChannelId('general'), 'after')).data!.sendMessage.seq).toBe(3);
        // The old id names no channel any more.
        expect((await reader.history(LEGACY_GENERAL, { last: 1 })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
      } finally {
        await server.halt();
      }
    } finally {
      await database.drop();
    }
  });
});
