import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';

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
  private readonly dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));

  private constructor(
    readonly port: number,
    private readonly extraConfig: string,
  ) {}

  /** Starts a broker; `bridgeTo` forwards `{prefix}/#` both ways with another broker. */
  static async start(options: { bridgeTo?: TestMosquitto; prefix?: string } = {}): Promise<TestMosquitto> {
    const bridge = options.bridgeTo
      ? [
          'connection test-bridge',
          `address 127.0.0.1:${options.bridgeTo.port}`,
          `topic ${options.prefix ?? 'chat'}/# both 1`,
          'cleansession true',
          'restart_timeout 1',
        ].join('\n')
      : '';
    const broker = new TestMosquitto(await freePort(), bridge);
    await broker.resume();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port, and resolves once it accepts clients. */
  async resume(): Promise<void> {
    const config = join(this.dir, 'mosquitto.conf');
    writeFileSync(
      config,
      [`listener ${this.port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', this.extraConfig, ''].join('\n'),
    );
    this.process = spawn('mosquitto', ['-c', config], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const probe = await mqtt.connectAsync(this.url, { reconnectPeriod: 0, connectTimeout: 500 });
        await probe.endAsync();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Stops the broker (SIGKILL: no goodbye to clients, as in a crash) and waits until it has exited. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
