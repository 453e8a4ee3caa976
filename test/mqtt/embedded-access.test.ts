import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { JOIN, LEAVE, TestUser } from '../support/chat';
import { codesOf, gql } from '../support/graphql';
import { MqttListener } from '../support/mqtt-listener';
import { eachProfile } from '../support/profiles';
import { SmtpSink } from '../support/smtp-sink';
import { startTestServer, type TestServer } from '../support/test-server';

const CREDENTIALS = '{ mqttCredentials { url wsUrl username password clientId expiresAt topics } }';

/** Direct MQTT access to the embedded broker: it enforces the rules itself. */
describe('direct MQTT clients on the embedded broker', () => {
  const embedded = eachProfile.find(([name]) => name === 'embedded')![1];
  const sink = new SmtpSink();
  let server: TestServer;
  let owner: TestUser;
  let club: string;

  beforeAll(async () => {
    await sink.start();
    server = await startTestServer(embedded, {
      sessionCheckMs: 100,
      env: { SMTP_URL: sink.url, LOGIN_CODES_PER_ADDRESS_PER_HOUR: '1000' },
    });
    owner = await TestUser.signIn(server, sink, 'owner', Tier.PRO);
    club = await owner.createChannel('PASSWORD', 'club', 'secret12');
  });
  afterAll(async () => {
    await server?.stop();
    await sink.stop();
  });

  const credentialsOf = async (user: TestUser) => (await user.gql(CREDENTIALS)).data!.mqttCredentials;
  const connect = async (user: TestUser, overrides: IClientOptions = {}): Promise<MqttClient> => {
    const c = await credentialsOf(user);
    return mqtt.connectAsync(c.url, {
      username: c.username,
      password: c.password,
      clientId: `${c.clientId}app`,
      reconnectPeriod: 0,
      ...overrides,
    });
  };
  const topicOf = (channelId: string) => `${server.topicPrefix}/channel/${channelId}`;

  it('hands out credentials tied to the session, with the topics the viewer may read', async () => {
    const user = await TestUser.signIn(server, sink, 'reader');
    const c = await credentialsOf(user);
    expect(c.url).toBe(`mqtt://localhost:${server.app.broker.embedded!.port}`);
    expect(c.wsUrl).toBe(`${server.url.replace('http://127.0.0.1', 'ws://localhost')}/mqtt`);
    expect(c.topics).toContain(topicOf(defaultChannelId('general')));
    expect(c.topics).not.toContain(topicOf(club));
    expect(codesOf(await gql(server.url, CREDENTIALS))).toEqual(['UNAUTHENTICATED']);
  });

  it('lets a member subscribe and receive; refuses a non-member (SUBACK failure), who then receives nothing', async () => {
    const member = await TestUser.signIn(server, sink, 'member');
    await member.gql(JOIN, { id: club, password: 'secret12' });
    const outsider = await TestUser.signIn(server, sink, 'outsider');
    const [memberClient, outsiderClient] = [await connect(member), await connect(outsider)];
    try {
      await memberClient.subscribeAsync(topicOf(club), { qos: 1 });
      const refused = await outsiderClient
        .subscribeAsync(topicOf(club), { qos: 1 })
        .catch((e: { packet?: { granted: number[] } }) => e);
      expect((refused as { packet: { granted: number[] } }).packet.granted).toEqual([128]);
      const wildcard = await outsiderClient
        .subscribeAsync(`${server.topicPrefix}/#`, { qos: 1 })
        .catch((e: { packet?: { granted: number[] } }) => e);
      expect((wildcard as { packet: { granted: number[] } }).packet.granted).toEqual([128]);

      const outsiderGot: string[] = [];
      outsiderClient.on('message', (_t, p) => outsiderGot.push(p.toString()));
      const received = new Promise<string>((resolve) => memberClient.once('message', (_t, p) => resolve(p.toString())));
      const sent = (await owner.send(club, 'members only')).data!.sendMessage;
      expect(JSON.parse(await received).message.id).toBe(sent.id);
      // The outsider shares the broker connection path with the member; the member's delivery came first.
      expect(outsiderGot).toEqual([]);
    } finally {
      await Promise.all([memberClient.endAsync(), outsiderClient.endAsync()]);
    }
  });

  it('lets the same user subscribe once they have joined (after the reconnect the change causes)', async () => {
    const late = await TestUser.signIn(server, sink, 'late');
    const client = await connect(late);
    await expect(client.subscribeAsync(topicOf(club), { qos: 1 })).rejects.toBeDefined();
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await late.gql(JOIN, { id: club, password: 'secret12' });
    await closed;
    await client.endAsync(true);
    const again = await connect(late);
    try {
      expect((await again.subscribeAsync(topicOf(club), { qos: 1 }))[0].qos).toBe(1);
    } finally {
      await again.endAsync(true);
    }
  });

  it('disconnects a member who leaves, whose subscription is then refused', async () => {
    const leaver = await TestUser.signIn(server, sink, 'quitter');
    await leaver.gql(JOIN, { id: club, password: 'secret12' });
    const client = await connect(leaver);
    expect((await client.subscribeAsync(topicOf(club), { qos: 1 }))[0].qos).toBe(1);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await leaver.gql(LEAVE, { id: club });
    await closed;
    await client.endAsync(true);
    const again = await connect(leaver);
    try {
      await expect(again.subscribeAsync(topicOf(club), { qos: 1 })).rejects.toBeDefined();
    } finally {
      await again.endAsync(true);
    }
  });

  it('refuses wrong passwords, anonymous clients and foreign client ids at CONNECT', async () => {
    const user = await TestUser.signIn(server, sink, 'wrong');
    const c = await credentialsOf(user);
    const url = c.url;
    await expect(
      mqtt.connectAsync(url, {
        username: c.username,
        password: 'nope',
        reconnectPeriod: 0,
        clientId: `${c.clientId}x`,
      }),
    ).rejects.toThrow();
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0 })).rejects.toThrow();
    await expect(
      mqtt.connectAsync(url, {
        username: c.username,
        password: c.password,
        reconnectPeriod: 0,
        clientId: 'someone-else',
      }),
    ).rejects.toThrow();
  });

  it('stops accepting the credentials after logout, and disconnects the clients using them', async () => {
    const user = await TestUser.signIn(server, sink, 'leaving');
    const c = await credentialsOf(user);
    const client = await connect(user);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await user.gql('mutation { logout }');
    await closed;
    await expect(
      mqtt.connectAsync(c.url, {
        username: c.username,
        password: c.password,
        clientId: `${c.clientId}again`,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    await client.endAsync(true);
  });

  it('delivers no publication of a client under the topic prefix', async () => {
    const user = await TestUser.signIn(server, sink, 'forger');
    const reader = await TestUser.signIn(server, sink, 'watcher');
    const general = defaultChannelId('general');
    const listener = await MqttListener.connect(await connect(reader), topicOf(general));
    const forger = await connect(user);
    try {
      const fake = { v: 1, type: 'message.created', message: { id: 'fake', channelId: general, seq: 999999 } };
      forger.publish(topicOf(general), JSON.stringify(fake), { qos: 0 });
      const real = (await owner.send(general, 'genuine')).data!.sendMessage;
      await listener.received(1);
      expect(listener.json.map((p) => p.message.id)).toEqual([real.id]);
    } finally {
      await listener.close();
      await forger.endAsync(true);
    }
  });

  it('serves MQTT over WebSockets at /mqtt with the same credentials', async () => {
    const user = await TestUser.signIn(server, sink, 'ws');
    const c = await credentialsOf(user);
    const client = await mqtt.connectAsync(`${server.url.replace('http', 'ws')}/mqtt`, {
      username: c.username,
      password: c.password,
      clientId: `${c.clientId}ws`,
      reconnectPeriod: 0,
    });
    try {
      const listener = await MqttListener.connect(client, topicOf(defaultChannelId('general')));
      await owner.send(defaultChannelId('general'), 'over websockets');
      await listener.received(1);
    } finally {
      await client.endAsync();
    }
  });
});
