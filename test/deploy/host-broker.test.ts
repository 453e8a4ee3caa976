import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { defaultChannelId } from '../../src/services/channel.service';
import type { TestUser } from '../support/chat';
import { useChatServer } from '../support/chat-server';
import { connectWith, type BrokerCredentials } from '../support/mqtt-listener';
import { signalAndWait } from '../support/processes';
import { describeReal } from '../support/profiles';

// The README's "Run the real profile on a Debian host": Mosquitto from Debian's package, started from the shipped
// deploy/mosquitto/mosquitto-host.conf as it is (no copy, no rewrite), its state made by deploy/mosquitto/init-dynsec.sh.
const DEPLOY = join(__dirname, '..', '..', 'deploy', 'mosquitto');
const HOST_CONF = join(DEPLOY, 'mosquitto-host.conf');

/** A Mosquitto configuration file as `option → values` (an option such as `listener` may come several times). */
function options(file: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    const [name, ...rest] = text.split(/\s+/);
    map.set(name, [...(map.get(name) ?? []), rest.join(' ')]);
  }
  return map;
}
const one = (conf: Map<string, string[]>, name: string): string => {
  const values = conf.get(name) ?? [];
  if (values.length !== 1) throw new Error(`${name} is set ${values.length} times in ${HOST_CONF}`);
  return values[0];
};
/** `listener PORT [ADDRESS]` followed by its `protocol`, in file order. */
function listeners(file: string): { port: number; address?: string; protocol: string }[] {
  const found: { port: number; address?: string; protocol: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, a, b] = line.trim().split(/\s+/);
    if (name === 'listener') found.push({ port: Number(a), address: b, protocol: 'mqtt' });
    if (name === 'protocol') found[found.length - 1].protocol = a;
  }
  return found;
}

const host = options(HOST_CONF);
const stateFile = one(host, 'plugin_opt_config_file');
const stateDir = one(host, 'persistence_location').replace(/\/+$/, '');
const tcp = listeners(HOST_CONF).find((l) => l.protocol === 'mqtt')!;
const ws = listeners(HOST_CONF).find((l) => l.protocol === 'websockets')!;

describe('deploy/mosquitto/mosquitto-host.conf', () => {
  /** Where a broker runs (listeners, the plugin's file, its state, its log) is what may differ between the two. */
  const WHERE = [
    'listener',
    'protocol',
    'plugin',
    'plugin_opt_config_file',
    'persistence_location',
    'log_timestamp_format',
  ];
  const behaviour = (conf: Map<string, string[]>) =>
    Object.fromEntries([...conf].filter(([name]) => !WHERE.includes(name)));

  it("sets the broker up as docker-compose's mosquitto.conf does, differing only in where it runs", () => {
    const docker = options(join(DEPLOY, 'mosquitto.conf'));
    expect(behaviour(host)).toEqual(behaviour(docker));
    expect(behaviour(host)).toMatchObject({ allow_anonymous: ['false'], persistence: ['true'] });
    expect(one(host, 'plugin')).toMatch(/\/mosquitto_dynamic_security\.so$/);
  });

  it("keeps clear of the Debian package's own broker: other ports, its state in a directory of its own", () => {
    expect(listeners(HOST_CONF).map((l) => l.port)).not.toContain(1883);
    expect(listeners(HOST_CONF).map((l) => l.protocol)).toEqual(['mqtt', 'websockets']);
    // init-dynsec.sh creates the state file's directory, which is also where the broker persists its sessions.
    expect(join(stateFile, '..')).toBe(stateDir);
    expect(stateDir).not.toBe('/var/lib/mosquitto');
  });
});

/** The shipped file needs root: its state is under /var/lib/mosquitto, and the broker drops to the mosquitto user. */
const asRoot = process.getuid?.() === 0;
if (!asRoot && process.env.REQUIRE_SERVICES === '1')
  throw new Error(`REQUIRE_SERVICES=1 but not root: ${HOST_CONF} keeps its state in ${stateDir} (sudo on a host)`);
if (!asRoot) process.stdout.write(`NOTICE: ${HOST_CONF} not started: that needs root (its state is in ${stateDir}).\n`);
const describeHost: typeof describeReal = asRoot
  ? describeReal
  : (title) => describe.skip(`${title.replace('%s', 'real')} (needs root)`, () => it.todo('runs as root'));

/** `mosquitto -c deploy/mosquitto/mosquitto-host.conf`, with what it logged. */
class ShippedBroker {
  readonly log: string[] = [];
  private constructor(private readonly child: ChildProcess) {}

  /** Resolves once the broker says it is running (its listeners are open); rejects with its log if it exits first. */
  static async start(): Promise<ShippedBroker> {
    const child = spawn('mosquitto', ['-c', HOST_CONF], { stdio: ['ignore', 'pipe', 'pipe'] });
    const broker = new ShippedBroker(child);
    const running = new Promise<void>((resolve, reject) => {
      const exited = (code: number | null, signal: string | null) =>
        reject(new Error(`mosquitto -c ${HOST_CONF} exited (${code ?? signal}):\n${broker.log.join('')}`));
      child.once('exit', exited);
      child.once('error', reject);
      // Read everything it writes for as long as it runs: a pipe nobody reads would stall its logging.
      for (const stream of [child.stdout, child.stderr])
        stream.on('data', (chunk: Buffer) => {
          broker.log.push(chunk.toString());
          if (/mosquitto version \S+ running/.test(broker.log.join(''))) {
            child.off('exit', exited);
            resolve();
          }
        });
    });
    await running;
    return broker;
  }

  /** SIGTERM, as systemd or Ctrl-C stops it: Mosquitto saves its persistent sessions on the way out. */
  stop(): Promise<void> {
    return signalAndWait(this.child, 'SIGTERM');
  }
}

describeHost('Mosquitto started from the shipped host configuration (%s)', (_name, profile) => {
  const admin = { username: 'chat-admin', password: randomBytes(18).toString('base64url') };
  const url = `mqtt://127.0.0.1:${tcp.port}`;
  let broker: ShippedBroker | undefined;
  let madeState = false;

  beforeAll(async () => {
    if (existsSync(stateDir))
      throw new Error(
        `${stateDir} exists (a host broker's state, or a run that was killed): this test would take it over; remove it first`,
      );
    madeState = true;
    // As the README has it: sudo deploy/mosquitto/init-dynsec.sh <plugin_opt_config_file> chat-admin '<password>'.
    execFileSync(join(DEPLOY, 'init-dynsec.sh'), [stateFile, admin.username, admin.password], { stdio: 'pipe' });
    broker = await ShippedBroker.start();
  });
  const chat = useChatServer(profile, () => ({
    env: {
      MQTT_URL: url,
      MQTT_PUBLIC_WS_URL: `ws://127.0.0.1:${ws.port}`,
      MQTT_ACCESS_CONTROL: 'dynsec',
      MQTT_USERNAME: admin.username,
      MQTT_PASSWORD: admin.password,
    },
  }));
  afterAll(async () => {
    await broker?.stop();
    if (madeState) rmSync(stateDir, { recursive: true, force: true });
  });

  const general = defaultChannelId('general');
  const topic = () => `${chat.server.topicPrefix}/channel/${general}`;
  const credentialsOf = async (user: TestUser): Promise<BrokerCredentials & { wsUrl: string; topics: string[] }> => {
    const res = await user.gql('{ mqttCredentials { url wsUrl username password clientId topics } }');
    if (res.errors) throw new Error(`mqttCredentials failed: ${JSON.stringify(res.errors)}`);
    return res.data!.mqttCredentials;
  };
  /** A new user sends `body` to general over GraphQL; resolves with the stored message. */
  const sendAs = async (tag: string, body: string) => {
    const res = await (await chat.user(tag)).send(general, body);
    expect(res.errors).toBeUndefined();
    return res.data!.sendMessage;
  };
  /** The SUBACK's code for `filter` (128: refused; mqtt.js rejects then, with the packet). */
  const granted = (client: MqttClient, filter: string) =>
    client.subscribeAsync(filter, { qos: 1 }).then(
      (g) => g[0].qos,
      (e: { packet?: { granted: number[] } }) => e.packet?.granted[0],
    );
  const subscribed = (client: MqttClient) => granted(client, topic());
  /** The next message `client` receives (listening from now on). */
  const nextMessage = (client: MqttClient) =>
    new Promise<{ topic: string; json: any }>((resolve) =>
      client.once('message', (t, p) => resolve({ topic: t, json: JSON.parse(p.toString()) })),
    );
  /**
   * Connects with a persistent session (`clean: false`) and resolves with the CONNACK's session-present flag and the
   * first message, listened for before the connection opens (a queued one may come in the CONNACK's own packet).
   */
  const connectPersistent = async (c: BrokerCredentials) => {
    const client = mqtt.connect(c.url, {
      username: c.username,
      password: c.password,
      clientId: c.clientId,
      clean: false,
      reconnectPeriod: 0,
    });
    const first = nextMessage(client);
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    return { client, sessionPresent: connack.sessionPresent, first };
  };

  it('creates the state with init-dynsec.sh where the broker, no longer root, may write it', () => {
    const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString());
    expect(statSync(stateDir).uid).toBe(uid);
    expect(statSync(stateFile).uid).toBe(uid);
    // The admin password's hash is for the broker's eyes only.
    expect(statSync(stateFile).mode & 0o077).toBe(0);
  });

  it('refuses anonymous clients and wrong passwords, on both listeners', async () => {
    for (const address of [url, `ws://127.0.0.1:${ws.port}`]) {
      await expect(mqtt.connectAsync(address, { reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad user/);
      await expect(
        mqtt.connectAsync(address, { reconnectPeriod: 0, username: admin.username, password: 'wrong' }),
      ).rejects.toThrow(/Not authorized|Bad user/);
    }
  });

  it('hands signed-in users its addresses in mqttCredentials, and delivers what is sent over MQTT and WebSockets', async () => {
    // Signed in through the mail, as a client does.
    const reader = await chat.signIn('host-reader');
    const viaTcp = await credentialsOf(reader);
    expect(viaTcp.url).toBe(url);
    expect(viaTcp.topics).toContain(topic());
    const phone = await chat.user('host-phone');
    const viaWs = await credentialsOf(phone);
    expect(viaWs.wsUrl).toBe(`ws://127.0.0.1:${ws.port}`);

    const tcpClient = await connectWith(viaTcp);
    const wsClient = await connectWith({ ...viaWs, url: viaWs.wsUrl });
    try {
      expect(await subscribed(tcpClient)).toBe(1);
      expect(await subscribed(wsClient)).toBe(1);
      // A wildcard over the server's topics is refused in the SUBACK: the plugin's rules are in force.
      expect(await granted(tcpClient, `${chat.server.topicPrefix}/#`)).toBe(128);
      const received = [nextMessage(tcpClient), nextMessage(wsClient)];
      const sent = await sendAs('host-sender', 'over the host broker');
      for (const got of await Promise.all(received)) {
        expect(got.topic).toBe(topic());
        expect(got.json.message).toMatchObject({ id: sent.id, body: 'over the host broker', channelId: general });
      }
    } finally {
      await Promise.all([tcpClient.endAsync(true), wsClient.endAsync(true)]);
    }
  });

  it("keeps the plugin's accounts and a persistent session's queue in its state directory across a restart", async () => {
    const away = await chat.user('host-away');
    const awayCredentials = await credentialsOf(away);
    const first = await connectPersistent(awayCredentials);
    expect(await subscribed(first.client)).toBe(1);
    await first.client.endAsync();
    // Sent while the persistent session is away: another client's copy shows that the broker has it.
    const witness = await connectWith(await credentialsOf(await chat.user('host-witness')));
    expect(await subscribed(witness)).toBe(1);
    const seen = nextMessage(witness);
    const sent = await sendAs('host-sender', 'queued across a restart');
    expect((await seen).json.message.id).toBe(sent.id);
    await witness.endAsync(true);

    // The chat server is stopped first, so that nothing provisions the broker again: what the client finds after the
    // restart is what the broker kept on disk.
    await chat.server.halt();
    await broker!.stop();
    broker = await ShippedBroker.start();
    const again = await connectPersistent(awayCredentials);
    try {
      expect(again.sessionPresent).toBe(true);
      const queued = await again.first;
      expect(queued.topic).toBe(topic());
      expect(queued.json.message).toMatchObject({ id: sent.id, body: 'queued across a restart' });
    } finally {
      await again.client.endAsync(true);
    }
  });
});
