import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { BanUser } from '../../client/operations';
import { RefusedPublishes } from '../../src/bridge/refused-publishes';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { JOIN, LEAVE, type TestUser } from '../support/chat';
import { codesOf, gql } from '../support/graphql';
import { describeLeavers } from '../support/leavers';
import { itLetsASecondConnectionTakeOver } from '../support/takeover';
import { connectWith, MqttListener } from '../support/mqtt-listener';
import { eachProfile } from '../support/profiles';
import type { TestServer } from '../support/test-server';
import { signedInUser, useChatServer } from '../support/chat-server';

const CREDENTIALS = '{ mqttCredentials { url wsUrl username password clientId expiresAt topics } }';
const ADMIN = 'embedded-admin@example.com';

/** Direct MQTT access to the embedded broker: it enforces the rules itself. */
describe('direct MQTT clients on the embedded broker', () => {
  const embedded = eachProfile.find(([name]) => name === 'embedded')![1];
  let server: TestServer;
  let owner: TestUser;
  let club: string;

  // Logout must close a session's clients at once, not at the next periodic check: the check is left far away.
  const chat = useChatServer(embedded, { sessionCheckMs: 600_000, env: { ADMIN_EMAILS: ADMIN } });
  beforeAll(async () => {
    server = chat.server;
    owner = await chat.user('owner', Tier.PRO);
    club = await owner.createChannel('PASSWORD', 'club', 'secret12');
  });

  const credentialsOf = async (user: TestUser) => (await user.gql(CREDENTIALS)).data!.mqttCredentials;
  const connect = async (user: TestUser, overrides: IClientOptions = {}): Promise<MqttClient> => {
    const c = await credentialsOf(user);
    return connectWith(c, overrides);
  };
  const topicOf = (channelId: string) => `${server.topicPrefix}/channel/${channelId}`;

  it('hands out credentials tied to the session, with the topics the viewer may read', async () => {
    const user = await chat.user('reader');
    const c = await credentialsOf(user);
    expect(c.url).toBe(`mqtt://localhost:${server.app.broker.embedded!.port}`);
    expect(c.wsUrl).toBe(`${server.url.replace('http://127.0.0.1', 'ws://localhost')}/mqtt`);
    expect(c.topics).toContain(topicOf(defaultChannelId('general')));
    expect(c.topics).not.toContain(topicOf(club));
    expect(codesOf(await gql(server.url, CREDENTIALS))).toEqual(['UNAUTHENTICATED']);
  });

  it('lets a member subscribe and receive; refuses a non-member (SUBACK failure), who then receives nothing', async () => {
    const member = await chat.user('member');
    await member.gql(JOIN, { id: club, password: 'secret12' });
    const outsider = await chat.user('outsider');
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
    const late = await chat.user('late');
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
    const leaver = await chat.user('quitter');
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

  it('refuses wrong passwords, anonymous clients and foreign client ids at CONNECT (5, not authorised, as Mosquitto)', async () => {
    const user = await chat.user('wrong');
    const c = await credentialsOf(user);
    const url = c.url;
    const notAuthorised = { code: 5 };
    await expect(
      mqtt.connectAsync(url, {
        username: c.username,
        password: 'nope',
        reconnectPeriod: 0,
        clientId: c.clientId,
      }),
    ).rejects.toMatchObject(notAuthorised);
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0 })).rejects.toMatchObject(notAuthorised);
    await expect(
      mqtt.connectAsync(url, {
        username: c.username,
        password: c.password,
        reconnectPeriod: 0,
        clientId: 'someone-else',
      }),
    ).rejects.toMatchObject(notAuthorised);
  });

  it('refuses an MQTT 5 CONNECT with CONNACK 1 (unacceptable protocol version) and closes the connection', async () => {
    const user = await chat.user('mqtt5');
    const c = await credentialsOf(user);
    // What an MQTT 5 app sees (mqtt.js: "Connection refused: Unacceptable protocol version").
    await expect(connectWith(c, { protocolVersion: 5 })).rejects.toMatchObject({ code: 1 });
    // On the wire: a CONNECT of protocol level 5 (clean start, no keep alive, no properties, client id "v5").
    const connect5 = Buffer.from([
      0x10,
      15,
      0,
      4,
      ...Buffer.from('MQTT'),
      5,
      0x02,
      0,
      0,
      0,
      0,
      2,
      ...Buffer.from('v5'),
    ]);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tcpConnect(server.app.broker.embedded!.port, '127.0.0.1', () => socket.write(connect5));
      const received: Buffer[] = [];
      socket.on('data', (data) => received.push(data));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(received).toString('hex')));
    });
    // An MQTT 3.1.1 CONNACK (remaining length 2, no session, return code 1), then the broker closes the connection.
    expect(answer).toBe('20020001');
    // The same credentials in MQTT 3.1.1 are accepted.
    const client = await connectWith(c, { protocolVersion: 4 });
    expect(client.connected).toBe(true);
    await client.endAsync(true);
  });

  itLetsASecondConnectionTakeOver(() => ({ chat, owner, connect }));

  it('stops accepting the credentials after logout, and disconnects the clients using them', async () => {
    const user = await chat.user('leaving');
    const c = await credentialsOf(user);
    const client = await connect(user);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await user.gql('mutation { logout }');
    await closed;
    await expect(connectWith(c)).rejects.toThrow();
    await client.endAsync(true);
  });

  it('stops accepting the credentials of a banned user, and disconnects the clients using them', async () => {
    const admin = await signedInUser(server, ADMIN);
    const user = await chat.user('to-be-banned');
    const c = await credentialsOf(user);
    const client = await connect(user);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect(codesOf(await admin.gql(BanUser, { userId: user.id, reason: 'abuse' }))).toEqual([]);
    await closed;
    await expect(connectWith(c)).rejects.toThrow();
    await client.endAsync(true);
  });

  it("acknowledges and drops a client's publications as Mosquitto does (MQTT 3.1.1): delivered to nobody, retained nowhere, the publisher still connected", async () => {
    const user = await chat.user('forger');
    const reader = await chat.user('watcher');
    const general = defaultChannelId('general');
    // The forger reads the channel: it must not get its own publications back, and must get the server's.
    const forger = await MqttListener.connect(await connect(user), topicOf(general));
    const closed = new Promise<never>((_, reject) =>
      forger.client.once('close', () => reject(new Error('the broker closed the connection of the publisher'))),
    );
    closed.catch(() => undefined);
    const connected = <T>(action: Promise<T>) => Promise.race([action, closed]);
    let listener: MqttListener | undefined;
    try {
      const fake = JSON.stringify({ v: 1, type: 'message.created', message: { id: 'fake', channelId: general } });
      forger.client.publish(topicOf(general), fake, { qos: 0 });
      // Resolve on the PUBACK, and on the PUBCOMP that answers the PUBREL after the PUBREC.
      await connected(forger.client.publishAsync(topicOf(general), fake, { qos: 1 }));
      await connected(forger.client.publishAsync(topicOf(general), fake, { qos: 2, retain: true }));
      // Subscribed after them: a retained forgery would come first.
      listener = await MqttListener.connect(await connect(reader), topicOf(general));
      const real = (await owner.send(general, 'genuine')).data!.sendMessage;
      await connected(Promise.all([listener.received(1), forger.received(1)]));
      expect(listener.json.map((p) => p.message.id)).toEqual([real.id]);
      expect(forger.json.map((p) => p.message.id)).toEqual([real.id]);
      expect(forger.client.connected).toBe(true);
    } finally {
      await listener?.close();
      await forger.client.endAsync(true);
    }
  });

  it('serves MQTT over WebSockets at /mqtt with the same credentials', async () => {
    const user = await chat.user('ws');
    const c = await credentialsOf(user);
    const client = await mqtt.connectAsync(`${server.url.replace('http', 'ws')}/mqtt`, {
      username: c.username,
      password: c.password,
      clientId: c.clientId,
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

  /** Resolves when the socket closes, with how many of `bytes` the broker had let us write by then. */
  const closedAfterSending = (bytes: Buffer) =>
    new Promise<{ sent: number }>((resolve, reject) => {
      const socket = tcpConnect(server.app.broker.embedded!.port, '127.0.0.1');
      let sent = 0;
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ sent }));
      // In slices, as a client streaming a large packet would; the broker should hang up after the header.
      const stream = async () => {
        for (let offset = 0; offset < bytes.length && !socket.destroyed; offset += 65_536) {
          const slice = bytes.subarray(offset, offset + 65_536);
          if (!socket.write(slice)) await new Promise((r) => socket.once('drain', r));
          sent += slice.length;
        }
      };
      socket.on('connect', () => void stream());
      setTimeout(() => reject(new Error('the broker kept the connection open')), 10_000).unref();
    });

  it('hangs up on a CONNECT that announces more than 64 KiB, without reading it', async () => {
    // A CONNECT whose remaining length says 256 MB: 0x10, then the length as four 7-bit bytes.
    const length = 256 * 1024 * 1024 - 1;
    const header = Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]);
    expect(length).toBe(0x0fffffff);
    const { sent } = await closedAfterSending(Buffer.concat([header, Buffer.alloc(8 * 1024 * 1024)]));
    expect(sent).toBeLessThan(8 * 1024 * 1024);
  });

  it('disconnects a signed-in client whose packet is over the limit, and keeps serving others', async () => {
    const user = await chat.user('big-packet');
    const client = await connect(user);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(topicOf(defaultChannelId('general')), Buffer.alloc(70_000));
    await closed;
    await client.endAsync(true);
    const again = await connect(user);
    expect(again.connected).toBe(true);
    await again.endAsync(true);
  });

  it('refuses a WebSocket message at /mqtt larger than the packet limit before any CONNECT', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/mqtt`, 'mqtt');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(Buffer.alloc(1024 * 1024));
    // 1009: message too big, refused from the frame's header.
    expect(await closed).toBe(1009);
  });

  it('listens on loopback only unless MQTT_EMBEDDED_HOST says otherwise', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!external) {
      console.warn('NOTICE: no non-loopback IPv4 address on this machine; only the loopback half is checked.');
    }
    const reachable = (host: string) =>
      new Promise<boolean>((resolve) => {
        const socket = tcpConnect(server.app.broker.embedded!.port, host);
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
    expect(await reachable('127.0.0.1')).toBe(true);
    if (external) expect(await reachable(external)).toBe(false);
  });

  it("refuses the victim's client id with an attacker's credentials: nobody takes over a session", async () => {
    const victim = await chat.user('victim');
    const attacker = await chat.user('attacker');
    const [v, a] = [await credentialsOf(victim), await credentialsOf(attacker)];
    const listener = await MqttListener.connect(
      await connect(victim, { clean: false }),
      topicOf(defaultChannelId('general')),
    );
    try {
      await expect(
        mqtt.connectAsync(a.url, {
          username: a.username,
          password: a.password,
          clientId: v.clientId,
          reconnectPeriod: 0,
        }),
      ).rejects.toThrow();
      const sent = (await owner.send(defaultChannelId('general'), 'still yours')).data!.sendMessage;
      await listener.received(1);
      expect(listener.json.map((p) => p.message.id)).toEqual([sent.id]);
      expect(listener.client.connected).toBe(true);
    } finally {
      await listener.close();
    }
  });

  describeLeavers(() => ({ chat, owner, club, connect }));
});

/** The filter in front of Aedes that acknowledges and drops a user client's PUBLISH packets, fed as a socket may. */
describe('RefusedPublishes', () => {
  const varint = (n: number) => {
    const bytes: number[] = [];
    do {
      bytes.push(n % 128 | (n >= 128 ? 0x80 : 0));
      n = Math.floor(n / 128);
    } while (n > 0);
    return bytes;
  };
  const packet = (first: number, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([first, ...varint(body.length)]), body]);
  };
  const text = (s: string) => Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]);
  const id = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const publish = (qos: number, topic: string, messageId: number | undefined, payload: Buffer) =>
    packet(0x30 | (qos << 1), text(topic), messageId === undefined ? Buffer.alloc(0) : id(messageId), payload);

  const PINGREQ = Buffer.from([0xc0, 0x00]);
  const subscribe = packet(0x82, id(1), text('chat/channel/x'), Buffer.from([1]));
  const stream = Buffer.concat([
    PINGREQ,
    publish(1, 'chat/channel/x', 7, Buffer.alloc(300, 1)),
    subscribe,
    publish(0, 'chat/channel/x', undefined, Buffer.from('zero')),
    publish(2, 'chat/channel/x', 0x0102, Buffer.alloc(0)),
    PINGREQ,
  ]);

  /** What the broker reads and what the client is answered, with the stream written in slices of `size` bytes. */
  const run = async (bytes: Buffer, size: number) => {
    const filter = new RefusedPublishes();
    const answers: string[] = [];
    filter.refuse((ack) => answers.push(ack.toString('hex')));
    const read: Buffer[] = [];
    filter.on('data', (chunk: Buffer) => read.push(chunk));
    for (let i = 0; i < bytes.length; i += size) filter.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => filter.end(resolve));
    return { read: Buffer.concat(read).toString('hex'), answers };
  };

  it.each([1, 2, 3, 7, 64, 10_000])(
    'passes everything else on and acknowledges each PUBLISH (slices of %i)',
    async (size) => {
      expect(await run(stream, size)).toEqual({
        read: Buffer.concat([PINGREQ, subscribe, PINGREQ]).toString('hex'),
        answers: ['40020007', '50020102'],
      });
    },
  );

  it('passes a malformed PUBLISH on, for the broker to refuse (and close the connection)', async () => {
    const malformed = [
      publish(1, 'chat/+/x', 3, Buffer.alloc(0)),
      publish(0, 'chat/#', undefined, Buffer.alloc(0)),
      publish(0, '', undefined, Buffer.from('x')),
      publish(1, 'chat/channel/x', 0, Buffer.alloc(0)),
      packet(0x36, text('chat/channel/x'), id(4)), // QoS 3
      packet(0x30, Buffer.from([0, 9, 0x61])), // a topic longer than the packet
      packet(0x30, Buffer.from([0, 2, 0xc3, 0x28])), // a topic that is not UTF-8
    ];
    for (const p of malformed) expect(await run(p, 1)).toEqual({ read: p.toString('hex'), answers: [] });
  });

  it('passes every PUBLISH on until told to refuse', async () => {
    const filter = new RefusedPublishes();
    const read: Buffer[] = [];
    filter.on('data', (chunk: Buffer) => read.push(chunk));
    filter.write(stream);
    await new Promise((resolve) => filter.end(resolve));
    expect(Buffer.concat(read).toString('hex')).toBe(stream.toString('hex'));
  });
});
