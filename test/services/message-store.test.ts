import { ChannelKind, SystemEvent } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { ChannelSequence, MessageStore } from '../../src/services/store/message.store';
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
