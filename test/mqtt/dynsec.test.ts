import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { BanUser, DeleteChannel } from '../../client/operations';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { JOIN, LEAVE, type TestUser } from '../support/chat';
import { rows } from '../support/db';
import { codesOf, wsClient } from '../support/graphql';
import { connectWith, MqttListener } from '../support/mqtt-listener';
import { TestMosquitto } from '../support/mosquitto';
import { DAY, TestClock } from '../support/clock';
import { describeReal } from '../support/profiles';
import { eventually } from '../support/eventually';
import { describeLeavers } from '../support/leavers';
import { itLetsASecondConnectionTakeOver } from '../support/takeover';
import { signedInUser, useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

const CREDENTIALS = '{ mqttCredentials { url username password clientId topics } }';
const ADMIN = 'dynsec-admin@example.com';
type Credentials = { url: string; username: string; password: string; clientId: string; topics: string[] };

describeReal('direct MQTT clients on Mosquitto with dynamic security (%s)', (_name, profile) => {
  let broker: TestMosquitto;
  let server: TestServer;
  const clock = new TestClock();
  let owner: TestUser;
  let club: string;
  const env = () => ({
    MQTT_URL: broker.url,
    MQTT_USERNAME: TestMosquitto.admin.username,
    MQTT_PASSWORD: TestMosquitto.admin.password,
    MQTT_ACCESS_CONTROL: 'dynsec',
    MQTT_PUBLIC_URL: broker.url,
    ADMIN_EMAILS: ADMIN,
  });

  beforeAll(async () => {
    // Persistence on, as in deploy/mosquitto: persistent sessions and their queues are what must not outlive access.
    broker = await TestMosquitto.start({ dynsec: true, persistence: true });
  });
  const chat = useChatServer(profile, () => ({ env: env(), clock, dynsec: { retryMs: 200, expiryCheckMs: 100 } }));
  afterAll(() => broker?.stop());
  beforeAll(async () => {
    server = chat.server;
    owner = await chat.user('owner', Tier.PRO);
    club = await owner.createChannel('PASSWORD', 'club', 'secret12');
  });

  const topicOf = (channelId: string) => `${server.topicPrefix}/channel/${channelId}`;
  const credentialsOf = async (user: TestUser): Promise<Credentials> => {
    const res = await user.gql(CREDENTIALS);
    if (res.errors) throw new Error(`mqttCredentials failed: ${JSON.stringify(res.errors)}`);
    return res.data!.mqttCredentials;
  };
  const connect = async (user: TestUser, options: IClientOptions = {}): Promise<MqttClient> => {
    const c = await credentialsOf(user);
    return connectWith(c, options);
  };
  const granted = (client: MqttClient, topic: string) =>
    client.subscribeAsync(topic, { qos: 1 }).then(
      (g) => g[0].qos,
      (e: { packet?: { granted: number[] } }) => e.packet?.granted[0],
    );
  /** Subscribes once the broker grants it: a change of access reaches the broker just after the mutation answers. */
  const grantedEventually = async (user: TestUser, topic: string, expected: number) => {
    let code: number | undefined;
    await eventually(async () => {
      const client = await connect(user).catch(() => undefined);
      code = client ? await granted(client, topic) : undefined;
      await client?.endAsync(true);
      return code === expected;
    }, `SUBACK ${expected} on ${topic} (last: ${code})`);
  };

  it('lets a member subscribe and receive, and refuses a non-member, who receives nothing', async () => {
    const member = await chat.user('member');
    await member.gql(JOIN, { id: club, password: 'secret12' });
    const outsider = await chat.user('outsider');
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

  it("takes a deleted channel's topic from its members, and deletes its role", async () => {
    const host = await chat.user('deleting-host', Tier.PRO);
    const room = await host.createChannel('PASSWORD', undefined, 'secret12');
    const member = await chat.user('member-of-deleted');
    await member.gql(JOIN, { id: room, password: 'secret12' });
    await grantedEventually(member, topicOf(room), 1);
    expect(codesOf(await host.gql(DeleteChannel, { id: room }))).toEqual([]);
    await grantedEventually(member, topicOf(room), 128);
    expect((await credentialsOf(member)).topics).not.toContain(topicOf(room));
    const role = `${server.topicPrefix}-ch-${room}`;
    await eventually(
      async () => (await broker.dynsec({ command: 'getRole', rolename: role })).error === 'Role not found',
      'the role deleted',
    );
  });

  it('grants the topic after joining and takes it back after leaving', async () => {
    const late = await chat.user('late');
    const before = await connect(late);
    expect(await granted(before, topicOf(club))).toBe(128);
    await before.endAsync(true);
    await late.gql(JOIN, { id: club, password: 'secret12' });
    expect((await credentialsOf(late)).topics).toContain(topicOf(club));
    await grantedEventually(late, topicOf(club), 1);
    await late.gql(LEAVE, { id: club });
    await grantedEventually(late, topicOf(club), 128);
  });

  it('refuses wrong passwords and anonymous clients at CONNECT, and the credentials of a logged-out session', async () => {
    const user = await chat.user('logout');
    const c = await credentialsOf(user);
    // 5, not authorised (MQTT 5: 0x87), as the embedded broker answers.
    await expect(
      mqtt.connectAsync(c.url, { username: c.username, password: 'wrong', clientId: c.clientId, reconnectPeriod: 0 }),
    ).rejects.toMatchObject({ code: 5 });
    await expect(connectWith({ ...c, password: 'wrong' }, { protocolVersion: 5 })).rejects.toMatchObject({
      code: 0x87,
    });
    await expect(mqtt.connectAsync(c.url, { reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
    const ok = await connect(user);
    const closed = new Promise<void>((resolve) => ok.once('close', () => resolve()));
    await user.gql('mutation { logout }');
    // Logout deletes the session's broker client, which disconnects it.
    await closed;
    await ok.endAsync(true);
    await expect(connectWith(c)).rejects.toThrow();
  });

  it('binds the credentials to their client id: another id is refused, and nobody takes over a session', async () => {
    const victim = await chat.user('victim');
    const attacker = await chat.user('attacker');
    const [v, a] = [await credentialsOf(victim), await credentialsOf(attacker)];
    // The victim's own credentials with another client id, and the attacker's with the victim's id.
    await expect(
      mqtt.connectAsync(v.url, {
        username: v.username,
        password: v.password,
        clientId: `${v.clientId}x`,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
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

  /** `action`, failed as soon as the broker closes `client`'s connection. */
  const whileConnected = (client: MqttClient) => {
    const closed = new Promise<never>((_, reject) =>
      client.once('close', () => reject(new Error('the broker closed the connection of the publisher'))),
    );
    closed.catch(() => undefined);
    return <T>(action: Promise<T>) => Promise.race([action, closed]);
  };
  const forgery = (channelId: string) =>
    JSON.stringify({ v: 1, type: 'message.created', message: { id: 'fake', channelId } });

  it("acknowledges and drops a client's publications (MQTT 3.1.1): delivered to nobody, retained nowhere, the publisher still connected", async () => {
    const general = defaultChannelId('general');
    // The forger reads the channel: it must not get its own publications back, and must get the server's.
    const forger = await MqttListener.connect(await connect(await chat.user('forger')), topicOf(general));
    const connected = whileConnected(forger.client);
    let listener: MqttListener | undefined;
    try {
      forger.client.publish(topicOf(general), forgery(general), { qos: 0 });
      // Resolve on the PUBACK, and on the PUBCOMP that answers the PUBREL after the PUBREC.
      await connected(forger.client.publishAsync(topicOf(general), forgery(general), { qos: 1 }));
      await connected(forger.client.publishAsync(topicOf(general), forgery(general), { qos: 2, retain: true }));
      // Subscribed after them: a retained forgery would come first.
      listener = await MqttListener.connect(await connect(await chat.user('reader')), topicOf(general));
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

  it('tells an MQTT 5 client 0x87 (not authorised) in PUBACK, PUBREC and SUBACK, drops its publications and keeps it connected', async () => {
    const general = defaultChannelId('general');
    const client = await connect(await chat.user('forger-5'), { protocolVersion: 5 });
    const forger = await MqttListener.connect(client, topicOf(general));
    const connected = whileConnected(client);
    try {
      client.publish(topicOf(general), forgery(general), { qos: 0 });
      await expect(
        connected(client.publishAsync(topicOf(general), forgery(general), { qos: 1 })),
      ).rejects.toMatchObject({ code: 0x87 });
      await expect(
        connected(client.publishAsync(topicOf(general), forgery(general), { qos: 2 })),
      ).rejects.toMatchObject({ code: 0x87 });
      expect(await connected(granted(client, topicOf(club)))).toBe(0x87);
      const real = (await owner.send(general, 'genuine')).data!.sendMessage;
      await connected(forger.received(1));
      expect(forger.json.map((p) => p.message.id)).toEqual([real.id]);
      expect(client.connected).toBe(true);
    } finally {
      await client.endAsync(true);
    }
  });

  itLetsASecondConnectionTakeOver(() => ({ chat, owner, connect }));

  it('closes the connection of a client whose packet is over max_packet_size (MQTT 5: after a DISCONNECT 0x95)', async () => {
    const user = await chat.user('big-packet');
    for (const protocolVersion of [4, 5] as const) {
      const client = await connect(user, { protocolVersion });
      const disconnect = new Promise<number | undefined>((resolve) =>
        client.once('disconnect', (packet) => resolve(packet.reasonCode)),
      );
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish(topicOf(defaultChannelId('general')), Buffer.alloc(70_000));
      await closed;
      if (protocolVersion === 5) expect(await disconnect).toBe(0x95);
      await client.endAsync(true);
    }
  });

  describeLeavers(() => ({
    chat,
    owner,
    club,
    connect,
    granted: (member) => grantedEventually(member, topicOf(club), 1),
    // Asked of the broker, not by connecting: a clean connection with the session's client id would end the
    // persistent session the test is about.
    revoked: (member) =>
      eventually(async () => {
        const { data } = await broker.dynsec({
          command: 'getGroup',
          groupname: `${server.topicPrefix}-u-${member.id}`,
        });
        const roles: { rolename: string }[] = data?.group?.roles ?? [];
        return !roles.some((r) => r.rolename === `${server.topicPrefix}-ch-${club}`);
      }, "the club's role to leave the member's group"),
  }));

  it('serves a user who can read 500 channels, and follows one more with one command, across a restart', async () => {
    const reader = await chat.user('many', Tier.PLUS);
    const listener = await MqttListener.connect(await connect(reader), topicOf(defaultChannelId('general')));
    // 499 PASSWORD channels joined (written straight to the database: 500 joins through argon2 would take minutes).
    const ids = Array.from({ length: 499 }, () => randomUUID());
    const now = new Date();
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100);
      await rows(
        server,
        `insert into channels (id, name, kind, owner_id, password_hash, last_seq, created_at) values ${batch
          .map(() => "(?, ?, 'PASSWORD', ?, 'x', 0, ?)")
          .join(', ')}`,
        batch.flatMap((id) => [id, `room ${id.slice(0, 8)}`, owner.id, now]),
      );
      await rows(
        server,
        `insert into memberships (channel_id, user_id, joined_at) values ${batch.map(() => '(?, ?, ?)').join(', ')}`,
        batch.flatMap((id) => [id, reader.id, now]),
      );
    }
    // The 500th through the API: the broker is told through the user's group, in packets it accepts.
    const res = await reader.gql('mutation ($input: CreateChannelInput!) { createChannel(input: $input) { id } }', {
      input: { name: 'own room', kind: 'PRIVATE' },
    });
    const own = res.data!.createChannel.id as string;
    // The change disconnects the reader's client: its group's roles changed.
    await eventually(() => !listener.client.connected, 'the role change to disconnect the reader');
    await listener.client.endAsync(true);
    // 500 roles the broker never saw, made at once, may pass an answer's deadline on a loaded machine (Mosquitto
    // writes its whole configuration after each command): direct MQTT is then degraded (mqttCredentials answers
    // UNAVAILABLE, "ask again") until a retry succeeds. Asked again as a client would.
    let c: Credentials | undefined;
    await eventually(async () => {
      const res = await reader.gql(CREDENTIALS);
      if (res.errors?.[0]?.extensions?.code === 'UNAVAILABLE') return false;
      if (res.errors) throw new Error(`mqttCredentials failed: ${JSON.stringify(res.errors)}`);
      c = res.data!.mqttCredentials;
      return true;
    }, 'mqttCredentials once direct MQTT is up');
    expect(c!.topics).toHaveLength(501);
    const client = await connect(reader);
    try {
      expect(await granted(client, topicOf(own))).toBe(1);
      expect(await granted(client, topicOf(ids[498]))).toBe(1);
      expect(await granted(client, topicOf(club))).toBe(128);
    } finally {
      await client.endAsync(true);
    }
    await directMqttUp();

    // A restart on the same database reconciles them all, and serves the user again.
    await server.halt();
    await server.start();
    await directMqttUp();
    const again = await connect(reader);
    try {
      expect(await granted(again, topicOf(ids[0]))).toBe(1);
    } finally {
      await again.endAsync(true);
    }
  });

  /** Resolves once /readyz says the server is ready with direct MQTT up. */
  const directMqttUp = () =>
    eventually(async () => {
      const ready = await readyz();
      return ready.status === 'ready' && ready.directMqtt === 'up';
    }, 'the server ready with direct MQTT up');
  /** GET /readyz (once more if the first try met a keep-alive socket of the server before a restart). */
  const readyz = async (): Promise<Record<string, string>> => {
    const get = async () => (await (await fetch(`${server.url}/readyz`)).json()) as Record<string, string>;
    return get().catch(get);
  };
  it('degrades direct MQTT only, while the broker cannot be administered, and recovers by itself', async () => {
    const user = await chat.user('degraded');
    const listener = await MqttListener.connect(await connect(owner), topicOf(club));
    await broker.setAdminPassword(TestMosquitto.admin.password, 'another-password');
    try {
      await eventually(async () => (await readyz()).directMqtt === 'degraded', 'directMqtt: degraded');
      const res = await user.gql(CREDENTIALS);
      expect(codesOf(res)).toEqual(['UNAVAILABLE']);
      expect(res.errors![0].extensions).toMatchObject({ retryAfterSeconds: expect.any(Number) });
      // GraphQL, the server's own publishing and the clients already connected go on.
      expect(await readyz()).toMatchObject({ status: 'ready', broker: 'up' });
      const sent = (await owner.send(club, 'still published')).data!.sendMessage;
      await listener.received(1);
      expect(listener.json[0].message.id).toBe(sent.id);
    } finally {
      await listener.close();
      await broker.setAdminPassword('another-password', TestMosquitto.admin.password);
    }
    await eventually(async () => (await readyz()).directMqtt === 'up', 'directMqtt: up again');
    expect((await credentialsOf(user)).topics).toContain(topicOf(defaultChannelId('general')));
  });

  it('makes its own account again when the broker lost it, and publishes again', async () => {
    const listener = await MqttListener.connect(await connect(owner), topicOf(club));
    try {
      expect((await broker.dynsec({ command: 'deleteClient', username: `${server.topicPrefix}-server` })).error).toBe(
        undefined,
      );
      // Deleting it disconnected the server; its login is then refused until the account is made again.
      await eventually(async () => (await readyz()).broker === 'down', 'the server to lose its broker connection');
      await eventually(async () => (await readyz()).broker === 'up', 'the server to make its account and reconnect');
      const sent = (await owner.send(club, 'after the loss')).data!.sendMessage;
      await listener.received(1);
      expect(listener.json.map((p) => p.message.id)).toContain(sent.id);
    } finally {
      await listener.close();
    }
  });

  it('ends, at once, the broker client and the socket of a user banned through another instance', async () => {
    const other = await startTestServer(profile, {
      databaseUrl: server.databaseUrl,
      topicPrefix: server.topicPrefix,
      sessionCheckMs: 600_000,
      env: { ...env(), MIGRATE_ON_START: 'false' },
    });
    try {
      const admin = await signedInUser(server, ADMIN);
      const user = await signedInUser(other, 'banned-elsewhere');
      const c = await credentialsOf(user);
      const client = await connect(user);
      const mqttClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      const socket = wsClient(other.url, { authToken: user.token });
      await new Promise<void>((resolve) => socket.client.on('connected', () => resolve()));

      expect(codesOf(await admin.gql(BanUser, { userId: user.id, reason: 'abuse' }))).toEqual([]);
      await mqttClosed;
      expect(await socket.closed).toBe(4403);
      await socket.client.dispose();
      await client.endAsync(true);
      await expect(connectWith(c)).rejects.toThrow();
      expect(codesOf(await user.gql(CREDENTIALS))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await other.halt();
    }
  });

  it("takes the new admin password's server account password after a rotation", async () => {
    await server.halt();
    await broker.setAdminPassword(TestMosquitto.admin.password, 'rotated-admin-password');
    const rotated = await startTestServer(profile, {
      databaseUrl: server.databaseUrl,
      topicPrefix: server.topicPrefix,
      env: { ...env(), MQTT_PASSWORD: 'rotated-admin-password' },
    });
    try {
      await eventually(async () => {
        const body = (await (await fetch(`${rotated.url}/readyz`)).json()) as Record<string, string>;
        return body.broker === 'up' && body.directMqtt === 'up';
      }, 'the server to connect with its account, given the rotated password');
    } finally {
      await rotated.halt();
      await broker.setAdminPassword('rotated-admin-password', TestMosquitto.admin.password);
      await server.start();
    }
  });

  // Last: it moves the server's clock a month on, past every session of this file.
  it('deletes the broker client of a session that expired, which no logout announced', async () => {
    const user = await chat.user('expiring');
    const c = await credentialsOf(user);
    const client = await connect(user);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    clock.advance(31 * DAY);
    try {
      await closed;
      await expect(connectWith(c)).rejects.toThrow();
    } finally {
      await client.endAsync(true);
    }
  });
});
