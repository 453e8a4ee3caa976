import pino from 'pino';
import { ChannelFeed } from '../../src/bridge/channel-feed';
import { SubscriberQueue } from '../../src/bridge/subscriber-queue';
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
});
const overflow = () => new DomainError(ErrorCode.SLOW_CONSUMER, 'too slow');

async function take(queue: SubscriberQueue, n: number): Promise<number[]> {
  const seqs = [];
  for (let i = 0; i < n; i++) seqs.push((await queue.next()).value!.seq);
  return seqs;
}

describe('SubscriberQueue', () => {
  it('yields the replay first, then the live messages that arrived meanwhile, each seq once and in order', async () => {
    const queue = new SubscriberQueue('u', 2, 100, overflow, () => undefined);
    queue.push(message(5));
    queue.push(message(6));
    queue.startLive([message(3), message(4), message(5)]);
    queue.push(message(6));
    queue.push(message(7));
    expect(await take(queue, 5)).toEqual([3, 4, 5, 6, 7]);
  });

  it('skips what is at or below its starting seq', async () => {
    const queue = new SubscriberQueue('u', 10, 100, overflow, () => undefined);
    queue.startLive([]);
    queue.push(message(9));
    queue.push(message(10));
    queue.push(message(11));
    expect(await take(queue, 1)).toEqual([11]);
  });

  it('ends with SLOW_CONSUMER when more than its limit wait unread, and reports the close once', async () => {
    let closed = 0;
    const queue = new SubscriberQueue('u', 0, 3, overflow, () => (closed += 1));
    queue.startLive([]);
    for (let seq = 1; seq <= 4; seq++) queue.push(message(seq));
    await expect(queue.next()).rejects.toMatchObject({ code: 'SLOW_CONSUMER' });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    queue.push(message(5));
    expect(closed).toBe(1);
  });

  it('wakes a waiting reader, and ends it when returned', async () => {
    const queue = new SubscriberQueue('u', 0, 3, overflow, () => undefined);
    queue.startLive([]);
    const waiting = queue.next();
    queue.push(message(1));
    expect((await waiting).value!.seq).toBe(1);
    const pending = queue.next();
    await queue.return();
    expect(await pending).toEqual({ value: undefined, done: true });
  });
});

describe('ChannelFeed', () => {
  const logger = pino({ level: 'silent' });

  it('delivers out-of-order and repeated arrivals in seq order, once', () => {
    const delivered: number[] = [];
    const feed = new ChannelFeed(
      'c',
      { between: async () => [], lastSeq: async () => 0 },
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
      const feed = new ChannelFeed(
        'c',
        {
          between: async (after, upTo) => {
            asked = [after, upTo];
            return [message(2), message(3)];
          },
          lastSeq: async () => 4,
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
