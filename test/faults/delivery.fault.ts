import mqtt from 'mqtt';
import WebSocket from 'ws';
import { ChannelView, ChatClient, ChatError, type Message } from '../../client';
import { defaultChannelId } from '../../src/services/channel.service';
import { signInClient } from '../support/client';
import { eventuallyPasses } from '../support/eventually';
import { freePort, TestMosquitto } from '../support/mosquitto';
import { ServerProcess } from '../support/server-process';
import { SmtpSink } from '../support/smtp-sink';
import { TestMariaDb } from '../support/test-mariadb';

const SENDERS = 12;
const MESSAGES_EACH = 24;
const PREFIX = 'faults';
const CHANNELS = [defaultChannelId('general'), defaultChannelId('random')];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Jepsen-style: what senders were told (acknowledged sends) against what was stored and what every kind of
 * subscriber observed, while the broker, a server instance and the database fail under them.
 */
describe('faults: concurrent senders while Mosquitto, a server instance and MariaDB fail', () => {
  const sink = new SmtpSink();
  let db: TestMariaDb;
  let broker: TestMosquitto;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    await sink.start();
    db = await TestMariaDb.start();
    await db.query('CREATE DATABASE chat_faults CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    broker = await TestMosquitto.start();
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: db.url('chat_faults'),
      MQTT_URL: broker.url,
      MQTT_TOPIC_PREFIX: PREFIX,
      SMTP_URL: sink.url,
      LOGIN_CODES_PER_ADDRESS_PER_HOUR: '10000',
      DEFAULT_CHANNELS: 'general,random',
      WEB_APP: '0',
      LOG_LEVEL: 'info',
    };
    a = new ServerProcess(await freePort(), env);
    await a.start(); // migrates the new database
    b = new ServerProcess(await freePort(), env);
    await b.start();
  }, 120_000);
  let listener: mqtt.MqttClient | undefined;
  afterAll(async () => {
    await listener?.endAsync(true);
    await Promise.all(clients.map((c) => c.dispose()));
    await a?.stop();
    await b?.stop();
    await broker?.stop();
    await db?.stop();
    await sink.stop();
  });

  const connect = async (server: ServerProcess, tag: string, token?: string) => {
    const client = token
      ? new ChatClient({ url: server.url, token, webSocketImpl: WebSocket, reconnectDelayMs: () => 100 })
      : await signInClient(server, sink, tag);
    clients.push(client);
    return client;
  };

  it('stores every acknowledged send once, gap-free, and every subscriber ends with exactly the stored messages', async () => {
    const acknowledged: Message[] = [];
    // Subscribers: GraphQL on both instances (the client library's ChannelView resumes with afterSeq), direct MQTT.
    const observerOnA = await connect(a, 'observer');
    const observerOnB = await connect(b, 'observer', observerOnA.token!);
    const timeline: string[] = [];
    observerOnB.onConnectionChange((state) => timeline.push(`B socket ${state} at ${acknowledged.length} acks`));
    const views = [observerOnA, observerOnB].flatMap((client) => CHANNELS.map((id) => new ChannelView(client, id)));
    await Promise.all(views.map((view) => view.open()));
    const mqttSeen = new Map<string, Message>();
    let mqttReconnects = 0;
    listener = mqtt.connect(broker.url, { reconnectPeriod: 200, resubscribe: false, clean: true });
    listener.on('message', (_topic, payload) => {
      const { message } = JSON.parse(payload.toString()) as { message: Message };
      mqttSeen.set(message.id, message);
    });
    listener.on('connect', () => {
      void (async () => {
        await listener!.subscribeAsync(`${PREFIX}/channel/+`, { qos: 1 });
        if (mqttReconnects++ === 0) return;
        // What an app does after a reconnect: read what it missed from the history, then go on with MQTT.
        for (const id of CHANNELS) {
          for (const edge of (await observerOnA.history(id, { last: 100 })).edges)
            mqttSeen.set(edge.node.id, edge.node);
        }
      })().catch(() => undefined);
    });

    // Senders: each its own user, one client per instance, retrying a send with its clientMessageId until it is
    // acknowledged, on whichever instance answers.
    const progressWaiters: { count: number; resolve: () => void }[] = [];
    const acknowledge = (message: Message) => {
      acknowledged.push(message);
      for (const w of progressWaiters.filter((w) => acknowledged.length >= w.count)) w.resolve();
    };
    const acknowledgedAtLeast = (count: number) =>
      acknowledged.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => progressWaiters.push({ count, resolve }));
    const senders = await Promise.all(
      Array.from({ length: SENDERS }, async (_, i) => {
        const first = await connect(a, `sender${i}`);
        return [first, await connect(b, `sender${i}`, first.token!)] as const;
      }),
    );
    const sendUntilAcknowledged = async (via: readonly ChatClient[], channelId: string, body: string, id: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await via[attempt % via.length].sendMessage({ channelId, body, clientMessageId: id });
        } catch (error) {
          if (!(error instanceof ChatError) || !error.transient) throw error;
          await pause(error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 100);
        }
      }
    };
    const sending = Promise.all(
      senders.map(async (via, i) => {
        for (let n = 1; n <= MESSAGES_EACH; n++) {
          acknowledge(await sendUntilAcknowledged(via, CHANNELS[i % 2], `s${i} #${n}`, `s${i}-${n}`));
          await pause(500); // a person types; the faults below happen while every sender is mid-conversation
        }
      }),
    );

    // The faults, each triggered by progress (not by the clock), while the senders go on.
    await acknowledgedAtLeast(20);
    await broker.kill();
    await acknowledgedAtLeast(40); // stored while the broker is down: published when it is back
    await broker.resume();

    await acknowledgedAtLeast(70);
    timeline.push(`killing B at ${acknowledged.length}`);
    await b.kill(); // SIGKILL: its sockets and requests in flight are cut
    await acknowledgedAtLeast(90);
    await b.start();
    timeline.push(`B back at ${acknowledged.length}`);
    const ackedWhenBWasBack = acknowledged.length;

    await acknowledgedAtLeast(120);
    await db.kill();
    timeline.push(`db killed at ${acknowledged.length}`);
    const ackedWhenDbWentDown = acknowledged.length;
    const refusedProbes: string[] = [];
    const outageEnds = Date.now() + 3000;
    for (let n = 0; Date.now() < outageEnds; n++) {
      const id = `probe-${n}`;
      await senders[0][0].sendMessage({ channelId: CHANNELS[0], body: `probe ${n}`, clientMessageId: id }).then(
        () => undefined,
        () => refusedProbes.push(id),
      );
      await pause(200);
    }
    await db.resume();
    await sending;

    // 0. The faults happened while the senders were still sending.
    expect(ackedWhenBWasBack).toBeLessThan(SENDERS * MESSAGES_EACH);
    expect(ackedWhenDbWentDown).toBeLessThan(SENDERS * MESSAGES_EACH);

    // 1. Every acknowledged send is stored exactly once, and nothing else by the senders is.
    const stored = await db.query(
      'SELECT id, channel_id AS channelId, seq, client_message_id AS clientMessageId FROM chat_faults.messages ORDER BY channel_id, seq',
    );
    const userMessages = stored.filter((m) => m.clientMessageId?.startsWith('s'));
    expect(userMessages).toHaveLength(SENDERS * MESSAGES_EACH);
    expect(new Set(userMessages.map((m) => m.clientMessageId)).size).toBe(SENDERS * MESSAGES_EACH);
    expect(new Set(acknowledged.map((m) => m.id))).toEqual(new Set(userMessages.map((m) => m.id)));

    // 2. seq per channel is 1..N without gap.
    for (const id of CHANNELS) {
      const seqs = stored.filter((m) => m.channelId === id).map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }

    // 3. A send refused while the database was down was stored and published nowhere.
    expect(refusedProbes.length).toBeGreaterThan(0);
    expect(stored.filter((m) => refusedProbes.includes(m.clientMessageId))).toEqual([]);

    // 4. Nothing stored stays unpublished, and both instances report ready again.
    await eventuallyPasses(async () => {
      const [{ unpublished }] = await db.query(
        'SELECT COUNT(*) AS unpublished FROM chat_faults.messages WHERE published_at IS NULL',
      );
      expect(Number(unpublished)).toBe(0);
    }, 60_000);
    for (const server of [a, b]) {
      await eventuallyPasses(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(200), 30_000);
    }

    // 5. Every subscriber ends with exactly the stored messages, in seq order (de-duplicated by id).
    const expected = (channelId: string) => stored.filter((m) => m.channelId === channelId).map((m) => m.id);
    await eventuallyPasses(() => {
      for (const view of views) expect(view.messages.map((m) => m.id)).toEqual(expected(view.channelId));
    }, 60_000).catch((error: unknown) => {
      const summary = views.map((view, i) => {
        const have = new Set(view.messages.map((m) => m.seq));
        const missing = stored.filter((m) => m.channelId === view.channelId && !have.has(m.seq)).map((m) => m.seq);
        return `view ${i} (${i < 2 ? 'A' : 'B'}): ${view.messages.length} held, resume at ${view.resumeSeq}, missing ${JSON.stringify(missing.slice(0, 10))}…(${missing.length}), error ${view.error?.code} ${view.error?.message}`;
      });
      const problems = [a, b].map((server, i) =>
        server.logs
          .filter((line) => /"level":(40|50|60)/.test(line))
          .slice(-12)
          .map((line) => `${i ? 'B' : 'A'}: ${line.slice(0, 600)}`)
          .join('\n'),
      );
      throw new Error(`${summary.join('\n')}\n${timeline.join('\n')}\n${problems.join('\n')}\n${String(error)}`);
    });
    for (const view of views) expect(view.error).toBeUndefined();
    await eventuallyPasses(() => {
      for (const id of CHANNELS) {
        const seen = [...mqttSeen.values()].filter((m) => m.channelId === id).sort((x, y) => x.seq - y.seq);
        expect(seen.map((m) => m.id)).toEqual(expected(id));
      }
    }, 60_000);
    expect(mqttReconnects).toBeGreaterThan(1); // the broker outage did cut the MQTT subscriber
    const probesSeen = [...views.flatMap((v) => v.messages), ...mqttSeen.values()].filter((m) =>
      refusedProbes.includes(m.clientMessageId ?? ''),
    );
    expect(probesSeen).toEqual([]);
    for (const view of views) view.close();
  });
});
