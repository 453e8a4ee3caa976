import { DeadlockException } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import { clientIdOfQueue, mqttTopicOf, subscriptionQueues } from '../../src/bridge/rabbitmq-names';
import { formatError } from '../../src/errors';

describe("RabbitMQ's MQTT names, as the broker callbacks and revocation read them", () => {
  it('reads a routing key back as the MQTT topic under the prefix, a dotted prefix included', () => {
    expect(mqttTopicOf('chat.channel.abc', 'chat')).toBe('chat/channel/abc');
    expect(mqttTopicOf('my.chat.channel.abc', 'my.chat')).toBe('my.chat/channel/abc');
    expect(mqttTopicOf('chat.channel.*', 'chat')).toBe('chat/channel/+');
    expect(mqttTopicOf('chat.#', 'chat')).toBe('chat/#');
    expect(mqttTopicOf('other.channel.abc', 'chat')).toBeUndefined();
    expect(mqttTopicOf('chatx.channel.abc', 'chat')).toBeUndefined();
  });

  it("names a client's subscription queues, and finds the client of a queue", () => {
    const queues = subscriptionQueues('c-123');
    expect(queues).toEqual(['mqtt-subscription-c-123qos0', 'mqtt-subscription-c-123qos1']);
    expect(queues.map(clientIdOfQueue)).toEqual(['c-123', 'c-123']);
    expect(clientIdOfQueue('amq.gen-xyz')).toBeUndefined();
  });
});

describe('a transaction rolled back as a deadlock (a lost Galera certification)', () => {
  it('answers UNAVAILABLE with a retry hint, not an internal error', () => {
    const internal = jest.fn();
    const error = new GraphQLError('x', { originalError: new DeadlockException(new Error('Deadlock found')) });
    const answer = formatError({ message: 'x' }, error, internal);
    expect(answer.extensions).toEqual({ code: 'UNAVAILABLE', retryAfterSeconds: 1 });
    expect(internal).not.toHaveBeenCalled();
  });
});
