import mqtt, { type MqttClient } from 'mqtt';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { JOIN, LEAVE, TestUser } from '../support/chat';
import { MqttListener } from '../support/mqtt-listener';
import { TestMosquitto } from '../support/mosquitto';
import { describeReal } from '../support/profiles';
import { SmtpSink } from '../support/smtp-sink';
import { startTestServer, type TestServer } from '../support/test-server';

const CREDENTIALS = '{ mqttCredentials { url username password clientId topics } }';

describeReal('direct MQTT clients on Mosquitto with dynamic security (%s)', (_name, profile) => {
  const sink = new SmtpSink();
  let broker: TestMosquitto;
  let server: TestServer;
  let owner: TestUser;
  let club: string;

  beforeAll(async () => {
    await sink.start();
    broker = await TestMosquitto.start({ dynsec: true });
    server = await startTestServer(profile, {
      env: {
        SMTP_URL: sink.url,
        LOGIN_CODES_PER_ADDRESS_PER_HOUR: '1000',
        MQTT_URL: broker.url,
        MQTT_USERNAME: TestMosquitto.admin.username,
        MQTT_PASSWORD: TestMosquitto.admin.password,
        MQTT_ACCESS_CONTROL: 'dynsec',
        MQTT_PUBLIC_URL: broker.url,
      },
    });
    owner = await TestUser.signIn(server, sink, 'owner', Tier.PRO);
    club = await owner.createChannel('PASSWORD', 'club', 'secret12');
  });
  afterAll(async () => {
    await server?.stop();
    await broker?.stop();
    await sink.stop();
  });

  const topicOf = (channelId: string) => `${server.topicPrefix}/channel/${channelId}`;
  const connect = async (user: TestUser, suffix = 'app'): Promise<MqttClient> => {
    const c = (await user.gql(CREDENTIALS)).data!.mqttCredentials;
    return mqtt.connectAsync(c.url, {
      username: c.username,
      password: c.password,
      clientId: `${c.clientId}${suffix}`,
      reconnectPeriod: 0,
    });
  };
  const granted = (client: MqttClient, topic: string) =>
    client.subscribeAsync(topic, { qos: 1 }).then(
      (g) => g[0].qos,
      (e: { packet?: { granted: number[] } }) => e.packet?.granted[0],
    );

  it('lets a member subscribe and receive, and refuses a non-member, who receives nothing', async () => {
    const member = await TestUser.signIn(server, sink, 'member');
    await member.gql(JOIN, { id: club, password: 'secret12' });
    const outsider = await TestUser.signIn(server, sink, 'outsider');
    const [m, o] = [await connect(member), await connect(outsider)];
    try {
      expect(await granted(m, topicOf(club))).toBe(1);
      expect(await granted(o, topicOf(club))).toBe(128);
      expect(await granted(o, `${server.topicPrefix}/#`)).toBe(128);
      const outsiderGot: string[] = [];
      o.on('message', (_t, p) => outsiderGot.push(p.toString()));
      const got = new Promise<string>((resolve) => m.once('message', (_t, p) => resolve(p.toString())));
      const sent = (await owner.send(club, 'members only')).data!.sendMessage;
      expect(JSON.parse(await got).message.id).toBe(sent.id);
      expect(outsiderGot).toEqual([]);
    } finally {
      await Promise.all([m.endAsync(true), o.endAsync(true)]);
    }
  });

  it('grants the topic after joining and takes it back after leaving', async () => {
    const late = await TestUser.signIn(server, sink, 'late');
    const before = await connect(late, 'a');
    expect(await granted(before, topicOf(club))).toBe(128);
    await before.endAsync(true);
    await late.gql(JOIN, { id: club, password: 'secret12' });
    const topics = (await late.gql(CREDENTIALS)).data!.mqttCredentials.topics;
    expect(topics).toContain(topicOf(club));
    const after = await connect(late, 'b');
    expect(await granted(after, topicOf(club))).toBe(1);
    await after.endAsync(true);
    await late.gql(LEAVE, { id: club });
    const leaving = await connect(late, 'c').catch(() => undefined);
    // The role change reaches the broker after the mutation answers; retry until it has.
    let code = leaving ? await granted(leaving, topicOf(club)) : undefined;
    await leaving?.endAsync(true);
    for (let i = 0; code !== 128 && i < 40; i++) {
      const retry = await connect(late, `d${i}`);
      code = await granted(retry, topicOf(club));
      await retry.endAsync(true);
    }
    expect(code).toBe(128);
  });

  it('refuses wrong passwords and anonymous clients at CONNECT, and the credentials of a logged-out session', async () => {
    const user = await TestUser.signIn(server, sink, 'logout');
    const c = (await user.gql(CREDENTIALS)).data!.mqttCredentials;
    await expect(
      mqtt.connectAsync(c.url, { username: c.username, password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow();
    await expect(mqtt.connectAsync(c.url, { reconnectPeriod: 0 })).rejects.toThrow();
    const ok = await connect(user);
    await ok.endAsync(true);
    await user.gql('mutation { logout }');
    let refused = false;
    for (let i = 0; !refused && i < 40; i++) {
      refused = await mqtt
        .connectAsync(c.url, {
          username: c.username,
          password: c.password,
          clientId: `${c.clientId}x${i}`,
          reconnectPeriod: 0,
        })
        .then(
          (client) => client.endAsync(true).then(() => false),
          () => true,
        );
    }
    expect(refused).toBe(true);
  });

  it("delivers no client's publication under the topic prefix", async () => {
    const forger = await TestUser.signIn(server, sink, 'forger');
    const reader = await TestUser.signIn(server, sink, 'reader');
    const general = defaultChannelId('general');
    const listener = await MqttListener.connect(await connect(reader), topicOf(general));
    const f = await connect(forger);
    try {
      f.publish(topicOf(general), JSON.stringify({ v: 1, type: 'message.created', message: { id: 'fake' } }), {
        qos: 1,
      });
      const real = (await owner.send(general, 'genuine')).data!.sendMessage;
      await listener.received(1);
      expect(listener.json.map((p) => p.message.id)).toEqual([real.id]);
    } finally {
      await listener.close();
      await f.endAsync(true);
    }
  });
});
