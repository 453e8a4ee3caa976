import { randomUUID } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import { defaultChannelId } from '../../src/services/channel.service';
import { RemoveMember } from '../../client/operations';
import { JOIN, LEAVE, type TestUser } from './chat';
import type { ChatServer } from './chat-server';

/** What the leaver tests need of a suite: its server, a PASSWORD channel `club` (password `secret12`) and a broker. */
export interface LeaverSuite {
  chat: ChatServer;
  owner: TestUser;
  club: string;
  /** A direct MQTT client of `user`, with the credentials of its session. */
  connect: (user: TestUser, options: IClientOptions) => Promise<MqttClient>;
  /** Resolves once the broker lets `member` read the club (where that follows the mutation's answer). */
  granted?: (member: TestUser) => Promise<void>;
  /** Resolves once the broker has taken the club from `member` (where that follows the mutation's answer). */
  revoked?: (member: TestUser) => Promise<void>;
}

/**
 * The tests of a member who leaves a PASSWORD channel while holding a persistent MQTT session (`clean: false`, QoS 1):
 * nothing of the channel reaches them afterwards, whether they were connected at the time or not, on whichever broker
 * the suite runs.
 */
export function describeLeavers(suite: () => LeaverSuite): void {
  /** The two ways a member loses a PASSWORD channel: leaving it, and being removed by its owner. */
  const ways: [string, string, (member: TestUser) => Promise<unknown>][] = [
    ['leaves', 'leaver', (member) => member.gql(LEAVE, { id: suite().club })],
    [
      'is removed by the owner',
      'removed',
      (member) => suite().owner.gql(RemoveMember, { channelId: suite().club, userId: member.id }),
    ],
  ];
  describe.each(ways)('a member who %s keeps nothing through a persistent session', (way, tag, loseAccess) => {
    const topicOf = (channelId: string) => `${suite().chat.server.topicPrefix}/channel/${channelId}`;
    /** A member with a persistent session subscribed at QoS 1 to the club and to #general. */
    const persistentMember = async (tag: string) => {
      const { chat, club, connect, granted } = suite();
      const member = await chat.user(tag);
      await member.gql(JOIN, { id: club, password: 'secret12' });
      await granted?.(member);
      const client = await connect(member, { clean: false });
      await client.subscribeAsync([topicOf(club), topicOf(defaultChannelId('general'))], { qos: 1 });
      return { member, client };
    };
    /** Reconnects the persistent session and collects the club's messages it is given, until a #general marker. */
    const resume = async (member: TestUser) => {
      const { owner, club, connect } = suite();
      const client = await connect(member, { clean: false });
      const got: { topic: string; body: string }[] = [];
      const marker = `marker ${randomUUID()}`;
      const done = new Promise<void>((resolve) =>
        client.on('message', (topic, payload) => {
          const body = JSON.parse(payload.toString()).message.body as string;
          got.push({ topic, body });
          if (body === marker) resolve();
        }),
      );
      await owner.send(defaultChannelId('general'), marker);
      await done;
      await client.endAsync(true);
      return got.filter((g) => g.topic === topicOf(club)).map((g) => g.body);
    };

    it('when offline at that moment (CVE-2021-34434 on Mosquitto 2.0.11): nothing queued, nothing after', async () => {
      const { owner, club, revoked } = suite();
      const { member, client } = await persistentMember(`offline-${tag}`);
      await client.endAsync(true);
      await owner.send(club, 'while away, still a member');
      await loseAccess(member);
      await revoked?.(member);
      await owner.send(club, `after the member ${way}`);
      expect(await resume(member)).toEqual([]);
    });

    it('when online at that moment', async () => {
      const { owner, club } = suite();
      const { member, client } = await persistentMember(`online-${tag}`);
      const kicked = new Promise<void>((resolve) => client.once('close', () => resolve()));
      await loseAccess(member);
      await kicked;
      await client.endAsync(true);
      await owner.send(club, `after the member ${way}`);
      expect(await resume(member)).toEqual([]);
    });
  });
}
