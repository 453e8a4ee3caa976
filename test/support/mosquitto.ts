import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { signalAndWait } from './processes';

const DEPLOY = join(__dirname, '..', '..', 'deploy', 'mosquitto');
const DEBIAN_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A Mosquitto broker of the test's own, on a free port, that the test may stop and start again (outages) or bridge
 * to another one (the shape of a broker cluster).
 */
export class TestMosquitto {
  private process: ChildProcess | undefined;
  /** Without dynamic security: anonymous clients welcome. */
  private baseConfig = 'allow_anonymous true';
  private readonly dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));

  private constructor(
    readonly port: number,
    private readonly extraConfig: string,
    /** Keep sessions and queued messages on disk across restarts (persistence true in its own directory). */
    private readonly persistent = false,
  ) {}

  /** The dynamic security admin account, when started with `dynsec`. */
  static readonly admin = { username: 'chat-admin', password: 'admin-password' };

  /**
   * Starts a broker; `bridgeTo` forwards `{prefix}/#` both ways with another broker; `dynsec` loads the dynamic
   * security plugin (initialised with {@link TestMosquitto.admin}) and refuses anonymous clients.
   */
  static async start(
    options: { bridgeTo?: TestMosquitto; prefix?: string; dynsec?: boolean; persistence?: boolean } = {},
  ): Promise<TestMosquitto> {
    const bridge = options.bridgeTo
      ? [
          'connection test-bridge',
          `address 127.0.0.1:${options.bridgeTo.port}`,
          `topic ${options.prefix ?? 'chat'}/# both 1`,
          'cleansession true',
          'restart_timeout 1',
        ].join('\n')
      : '';
    const broker = new TestMosquitto(await freePort(), bridge, options.persistence);
    if (options.dynsec) broker.initDynsec();
    await broker.resume();
    return broker;
  }

  /**
   * Initialises the plugin with the repo's own script and takes the repo's Mosquitto configuration
   * (deploy/mosquitto/mosquitto.conf), with its listeners, paths and persistence made this test's.
   */
  private initDynsec(): void {
    // The broker drops root privileges: its directory and state file must be writable by it.
    chmodSync(this.dir, 0o777);
    const file = join(this.dir, 'dynsec.json');
    execFileSync(join(DEPLOY, 'init-dynsec.sh'), [file, TestMosquitto.admin.username, TestMosquitto.admin.password], {
      stdio: 'ignore',
    });
    const shipped = readFileSync(join(DEPLOY, 'mosquitto.conf'), 'utf8')
      .split('\n')
      .filter((line) => !/^(listener|protocol|persistence|persistence_location) /.test(line))
      .map((line) =>
        line
          .replace(/^plugin \S+/, `plugin ${DEBIAN_PLUGIN}`)
          .replace(/^plugin_opt_config_file \S+/, `plugin_opt_config_file ${file}`),
      );
    this.baseConfig = shipped.join('\n');
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, and resolves once it accepts clients. */
  async resume(): Promise<void> {
    const config = join(this.dir, 'mosquitto.conf');
    writeFileSync(
      config,
      [
        this.baseConfig,
        `listener ${this.port} 127.0.0.1`,
        ...(this.persistent ? ['persistence true', `persistence_location ${this.dir}/`] : ['persistence false']),
        this.extraConfig,
        '',
      ].join('\n'),
    );
    this.process = spawn('mosquitto', ['-c', config], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const probe = await mqtt.connectAsync(this.url, {
          reconnectPeriod: 0,
          connectTimeout: 500,
          ...TestMosquitto.admin,
        });
        await probe.endAsync();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Runs one dynamic-security command as the admin account and resolves with its answer (`{ data, error }`). */
  async dynsec(command: Record<string, unknown>): Promise<{ data?: any; error?: string }> {
    const client = await mqtt.connectAsync(this.url, { reconnectPeriod: 0, ...TestMosquitto.admin });
    try {
      await client.subscribeAsync('$CONTROL/dynamic-security/v1/response', { qos: 1 });
      const answer = new Promise<{ data?: any; error?: string }>((resolve) =>
        client.on('message', (_topic, payload) => resolve(JSON.parse(payload.toString()).responses[0])),
      );
      await client.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [command] }), { qos: 1 });
      return await answer;
    } finally {
      await client.endAsync(true);
    }
  }

  /**
   * Changes the admin account's password, as an operator rotating it would; Mosquitto then disconnects every
   * connection of that account (the change's own included, before it can answer).
   */
  async setAdminPassword(current: string, next: string): Promise<void> {
    const { username } = TestMosquitto.admin;
    const client = await mqtt.connectAsync(this.url, { reconnectPeriod: 0, username, password: current });
    const kicked = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const command = { command: 'setClientPassword', username, password: next };
    // QoS 0: the broker disconnects this client before it would acknowledge a QoS 1 publication.
    client.publish('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [command] }), { qos: 0 });
    await kicked;
    await client.endAsync(true);
  }

  /** Stops the broker (SIGKILL: no goodbye to clients, as in a crash) and waits until it has exited. */
  async kill(): Promise<void> {
    await signalAndWait(this.process, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
