import { ChatPubSub, Topic } from '../../src/bridge/pub-sub';

describe('ChatPubSub', () => {
  it('ends a stream that failed to open without a rejection from return (graphql-ws does not handle one)', async () => {
    const failure = new Error('Unable to acquire a connection');
    const pubSub = new ChatPubSub({ publish: () => undefined }, { subscribe: () => Promise.reject(failure) });
    const iterator = pubSub.subscribe(Topic.MessageAdded, { viewer: null, channelId: 'c' })[Symbol.asyncIterator]();
    const next = iterator.next();
    await expect(next).rejects.toBe(failure);
    await expect(iterator.return!()).resolves.toEqual({ value: undefined, done: true });
  });

  it('returns at once when the stream was never opened', async () => {
    const subscribe = jest.fn();
    const pubSub = new ChatPubSub({ publish: () => undefined }, { subscribe });
    const iterator = pubSub.subscribe(Topic.MessageAdded, { viewer: null, channelId: 'c' })[Symbol.asyncIterator]();
    await expect(iterator.return!()).resolves.toEqual({ value: undefined, done: true });
    expect(subscribe).not.toHaveBeenCalled();
  });
});
