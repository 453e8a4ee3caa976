import pino from 'pino';
import { ChannelFeed } from '../../src/bridge/channel-feed';
import { Subscriber } from '../../src/bridge/subscriber';
import { MessageKind } from '../../src/entities';
import { DomainError, ErrorCode } from '../../src/errors';
import type { MessageView } from '../../src/services/views';

const message = (seq: number): MessageView => ({
  id: `m${seq}`,
  channelId: 'c',
  seq,
  kind: MessageKind.USER,
  body: `body ${seq}`,
  sender: { id: 'u', displayName: 'u' },
  systemEvent: null,
  clientMessageId: `c${seq}`,
  createdAt: new Date(0),
  editedAt: null,
  deletedAt: null,
  rev: 0,
});
const seqOf = (m: MessageView) => m.seq;
const lagging = () => new DomainError(ErrorCode.SLOW_CONSUMER, 'too slow');

/** A channel's store and live position, as a subscriber sees them: seqs 1..position are stored. */
class FakeChannel {
  position = 0;
  pagesRead: [number, number][] = [];
  positionOf = seqOf;
  weightOf = (m: MessageView) => m.body.length;
  between = async (after: number, upTo: number, limit: number) => {
    this.pagesRead.push([after, Math.min(upTo, after + limit)]);
    const seqs = [];
    for (let seq = after + 1; seq <= Math.min(upTo, after + limit); seq++) seqs.push(message(seq));
    return seqs;
  };
}

const limits = { buffer: 3, page: 2, firstPage: 2, pageWeight: 1000, maxLag: 10 };

async function take(subscriber: Subscriber<MessageView>, n: number): Promise<number[]> {
  const seqs = [];
  for (let i = 0; i < n; i++) seqs.push((await subscriber.next()).value!.seq);
  return seqs;
}

describe('Subscriber', () => {
  it('reads what it missed from the database a page at a time, as it is read, then takes the live feed', async () => {
    const channel = new FakeChannel();
    channel.position = 6;
    const subscriber = new Subscriber('u', 2, channel, limits, lagging, () => undefined);
    expect(channel.pagesRead).toEqual([]);
    expect(await take(subscriber, 2)).toEqual([3, 4]);
    // One page of two so far: nothing is read ahead of the consumer.
    expect(channel.pagesRead).toEqual([[2, 4]]);
    expect(await take(subscriber, 2)).toEqual([5, 6]);
    const waiting = subscriber.next();
    channel.position = 7;
    subscriber.push(message(7));
    expect((await waiting).value!.seq).toBe(7);
    expect(channel.pagesRead).toEqual([
      [2, 4],
      [4, 6],
    ]);
  });

  it('holds no more of a page than its weight allows, and reads the rest again with the next page', async () => {
    const channel = new FakeChannel();
    channel.position = 20;
    // Bodies are "body N", 6 characters up to seq 9: a weight of 12 holds two of them.
    const subscriber = new Subscriber(
      'u',
      0,
      channel,
      { ...limits, page: 8, firstPage: 8, pageWeight: 12 },
      lagging,
      () => undefined,
    );
    expect(await take(subscriber, 4)).toEqual([1, 2, 3, 4]);
    // After a page whose items weigh 6, the next read asks for the two that a weight of 12 holds, not 8.
    expect(channel.pagesRead).toEqual([
      [0, 8],
      [2, 4],
    ]);
    // One item heavier than the whole weight still comes, alone.
    const heavy = new Subscriber(
      'u',
      0,
      channel,
      { ...limits, page: 10, firstPage: 10, pageWeight: 1 },
      lagging,
      () => undefined,
    );
    channel.pagesRead = [];
    expect(await take(heavy, 2)).toEqual([1, 2]);
    expect(channel.pagesRead).toEqual([
      [0, 10],
      [1, 2],
    ]);
  });

  it('asks for firstPage items first, then for as many as the weight holds of what it read, at most page', async () => {
    const channel = new FakeChannel();
    channel.position = 30;
    const subscriber = new Subscriber(
      'u',
      0,
      channel,
      { ...limits, page: 8, firstPage: 2, pageWeight: 1000 },
      lagging,
      () => undefined,
    );
    expect(await take(subscriber, 4)).toEqual([1, 2, 3, 4]);
    expect(channel.pagesRead).toEqual([
      [0, 2],
      [2, 10],
    ]);
  });

  it('skips what is at or below its starting seq, and repeats', async () => {
    const channel = new FakeChannel();
    channel.position = 10;
    const subscriber = new Subscriber('u', 10, channel, limits, lagging, () => undefined);
    const waiting = subscriber.next();
    for (const seq of [9, 10, 11, 11]) {
      channel.position = Math.max(channel.position, seq);
      subscriber.push(message(seq));
    }
    expect((await waiting).value!.seq).toBe(11);
    subscriber.push(message(12));
    expect(await take(subscriber, 1)).toEqual([12]);
  });

  it('holds at most its buffer for a consumer that does not read, then reads the rest from the database', async () => {
    const channel = new FakeChannel();
    const subscriber = new Subscriber('u', 0, channel, limits, lagging, () => undefined);
    const first = subscriber.next();
    channel.position = 1;
    subscriber.push(message(1));
    expect((await first).value!.seq).toBe(1);
    for (let seq = 2; seq <= 8; seq++) {
      channel.position = seq;
      subscriber.push(message(seq));
    }
    channel.pagesRead = [];
    expect(await take(subscriber, 7)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    // The buffer (3) overflowed at 5: it was let go, and 2–8 came from the database.
    expect(channel.pagesRead[0]).toEqual([1, 3]);
  });

  it('ends with SLOW_CONSUMER when it falls more than maxLag behind, and reports the close once', async () => {
    let closed = 0;
    const channel = new FakeChannel();
    const subscriber = new Subscriber('u', 0, channel, limits, lagging, () => (closed += 1));
    for (let seq = 1; seq <= 12; seq++) {
      channel.position = seq;
      subscriber.push(message(seq));
    }
    await expect(subscriber.next()).rejects.toMatchObject({ code: 'SLOW_CONSUMER' });
    expect(await subscriber.next()).toEqual({ value: undefined, done: true });
    subscriber.push(message(13));
    expect(closed).toBe(1);
  });

  it('wakes a waiting reader, and ends it when returned', async () => {
    const channel = new FakeChannel();
    const subscriber = new Subscriber('u', 0, channel, limits, lagging, () => undefined);
    const waiting = subscriber.next();
    channel.position = 1;
    subscriber.push(message(1));
    expect((await waiting).value!.seq).toBe(1);
    const pending = subscriber.next();
    await subscriber.return();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('gives nothing unread once failed: the error comes first', async () => {
    const channel = new FakeChannel();
    const subscriber = new Subscriber('u', 0, channel, limits, lagging, () => undefined);
    const first = subscriber.next();
    channel.position = 1;
    subscriber.push(message(1));
    await first;
    channel.position = 2;
    subscriber.push(message(2));
    subscriber.fail(new DomainError(ErrorCode.FORBIDDEN, 'left'));
    await expect(subscriber.next()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('ChannelFeed', () => {
  const logger = pino({ level: 'silent' });

  it('delivers out-of-order and repeated arrivals in seq order, once', () => {
    const delivered: number[] = [];
    const feed = new ChannelFeed<MessageView>(
      'c',
      seqOf,
      { between: async () => [], last: async () => 0 },
      (m) => delivered.push(m.seq),
      10_000,
      logger,
    );
    feed.receive(message(2));
    feed.start(0);
    for (const seq of [3, 1, 2, 3, 1, 5, 4]) feed.receive(message(seq));
    feed.close();
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads a gap that does not fill by itself from the source', async () => {
    const delivered: number[] = [];
    let asked: [number, number] | undefined;
    const done = new Promise<void>((resolve) => {
      const feed = new ChannelFeed<MessageView>(
        'c',
        seqOf,
        {
          between: async (after, upTo) => {
            asked = [after, upTo];
            return [message(2), message(3)];
          },
          last: async () => 4,
        },
        (m) => {
          delivered.push(m.seq);
          if (m.seq === 4) resolve();
        },
        10,
        logger,
      );
      feed.start(1);
      feed.receive(message(4));
    });
    await done;
    expect(asked).toEqual([1, 3]);
    expect(delivered).toEqual([2, 3, 4]);
  });
});
