/**
 * A Mosquitto of the bench's own for the raw MQTT fan-out baselines: the same binary as the system's, on a free port,
 * with the open-file limit of the bench's process (`npm run bench` raises it), where a system service may hold fewer
 * connections than the largest fan-out needs (Debian's unit: 20,000 here).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * Starts `mosquitto` (from PATH) and resolves once it accepts a connection.
 *
 * @throws Error when mosquitto is not installed or does not start within 10 s.
 */
export async function startRawBroker(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  // Debian installs it in /usr/sbin, which a user's PATH may not hold.
  const binary = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  const broker = spawn(binary, ['-c', config], { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => {
    broker.once('error', reject);
    broker.once('exit', (code) => reject(new Error(`mosquitto exited (${code}) before it accepted a connection`)));
  });
  exited.catch(() => undefined);
  const url = `mqtt://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const probe = await Promise.race([mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 }), exited]);
      await probe.endAsync();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        broker.kill();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    stop: async () => {
      const gone = new Promise((resolve) => broker.once('exit', resolve));
      broker.kill();
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
