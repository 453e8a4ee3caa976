import { ChannelKind, SystemEvent } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { pageQuery } from '../../src/services/message.service';
import { ChannelSequence, MessageStore } from '../../src/services/store/message.store';
import { messageView } from '../../src/services/views';
import { lockingTransaction } from '../../src/services/transaction';
import { useChatServer } from '../support/chat-server';
import { rows } from '../support/db';
import { eachProfile } from '../support/profiles';

describe.each(eachProfile)('the channel sequence (%s)', (_name, profile) => {
  const chat = useChatServer(profile, { env: { DEFAULT_CHANNELS: 'lobby' } });
  const lobby = defaultChannelId('lobby');
  const lastSeq = async () =>
    Number((await rows<{ s: number }>(chat.server, 'select last_seq as s from channels where id = ?', [lobby]))[0].s);
  const seqs = async () =>
    (
      await rows<{ seq: number }>(chat.server, 'select seq from messages where channel_id = ? order by seq', [lobby])
    ).map((r) => Number(r.seq));

  it('gives a SYSTEM message the next seq, and a rollback gives it back with the message', async () => {
    const store = new MessageStore(chat.server.app.orm);
    const before = await lastSeq();
    await expect(
      lockingTransaction(chat.server.app.orm, async (em) => {
        const appended = await store.appendSystemMessage(
          em,
          lobby,
          SystemEvent.MEMBER_JOINED,
          'rolled back',
          new Date(),
        );
        expect(appended.seq).toBe(before + 1);
        throw new Error('the caller fails after appending');
      }),
    ).rejects.toThrow('the caller fails after appending');
    expect(await lastSeq()).toBe(before);

    const kept = await lockingTransaction(chat.server.app.orm, (em) =>
      store.appendSystemMessage(em, lobby, SystemEvent.MEMBER_JOINED, 'kept', new Date()),
    );
    expect(kept.seq).toBe(before + 1);
    expect(await lastSeq()).toBe(before + 1);
    expect(await seqs()).toEqual(Array.from({ length: before + 1 }, (_, i) => i + 1));
    // A USER message after it takes the seq after it: both kinds share the one sequence.
    const user = await chat.user('writer');
    expect((await user.send(lobby, 'next')).data!.sendMessage.seq).toBe(before + 2);
  });

  it('reads a range of messages as the entities read it: USER and SYSTEM, edited and deleted, with their senders', async () => {
    const store = new MessageStore(chat.server.app.orm);
    const writer = await chat.user('range-writer');
    const first = (await writer.send(lobby, 'first')).data!.sendMessage;
    const edited = (await writer.send(lobby, 'to edit')).data!.sendMessage;
    const deleted = (await writer.send(lobby, 'to delete')).data!.sendMessage;
    await writer.edit(edited.id, 'edited');
    await writer.delete(deleted.id);
    await lockingTransaction(chat.server.app.orm, (em) =>
      store.appendSystemMessage(em, lobby, SystemEvent.MEMBER_JOINED, 'someone joined', new Date()),
    );
    const last = await lastSeq();
    const em = chat.server.app.orm.em.fork() as SqlEntityManager;
    const asEntities = async (after: number, upTo: number, limit: number) =>
      (await pageQuery(em, { channelId: lobby, after, before: upTo + 1, limit, from: 'asc' }).getResultList()).map(
        messageView,
      );

    const range = await store.between(lobby, first.seq - 1, last, 100);
    expect(range.map((m) => m.kind)).toEqual(['USER', 'USER', 'USER', 'SYSTEM']);
    expect(range[1]).toMatchObject({ body: 'edited', editedAt: expect.any(Date) });
    expect(range[2]).toMatchObject({ body: '', deletedAt: expect.any(Date) });
    expect(range[3]).toMatchObject({ sender: null, systemEvent: 'MEMBER_JOINED', clientMessageId: null });
    expect(range).toEqual(await asEntities(first.seq - 1, last, 100));
    // The bounds: after is left out, upTo kept, at most limit, in seq order.
    expect((await store.between(lobby, first.seq, last, 2)).map((m) => m.seq)).toEqual([first.seq + 1, first.seq + 2]);
    expect(await store.between(lobby, last, last + 5, 100)).toEqual([]);
  });

  it('answers NOT_FOUND for a channel that does not exist, writing nothing', async () => {
    const store = new MessageStore(chat.server.app.orm);
    const count = (await seqs()).length;
    await expect(
      lockingTransaction(chat.server.app.orm, (em) =>
        store.appendSystemMessage(em, '00000000-0000-4000-8000-000000000000', SystemEvent.MEMBER_LEFT, 'x', new Date()),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await seqs()).length).toBe(count);
  });
});

describe('ChannelSequence', () => {
  it('numbers each locked channel on from its last seq and moves only the channels that took seqs', () => {
    const sequence = new ChannelSequence([
      { id: 'a', kind: ChannelKind.DEFAULT, ownerId: null, lastSeq: 4 },
      { id: 'b', kind: ChannelKind.DEFAULT, ownerId: null, lastSeq: 0 },
      { id: 'c', kind: ChannelKind.DEFAULT, ownerId: null, lastSeq: 9 },
    ]);
    expect([sequence.next('a'), sequence.next('b'), sequence.next('a')]).toEqual([5, 1, 6]);
    const [update] = sequence.advance();
    expect(update.params).toEqual(['a', 6, 'b', 1, 'a', 'b']);
  });

  it('refuses a seq of a channel the transaction has not locked', () => {
    expect(() => new ChannelSequence([]).next('a')).toThrow('not locked');
    expect(new ChannelSequence([]).advance()).toEqual([]);
  });
});
