import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { freePort } from './mosquitto';
import { signalAndWait } from './processes';

/**
 * A MariaDB server of the test's own (data directory in a temporary folder, a free port), so a test may kill it
 * (SIGKILL, as in a crash) and start it again on the same data, which InnoDB then recovers.
 */
export class TestMariaDb {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** `mysql://root@127.0.0.1:<port>/<database>` */
  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  static async start(): Promise<TestMariaDb> {
    const dir = mkdtempSync(join(tmpdir(), 'mariadb-'));
    await promisify(execFile)('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    const server = new TestMariaDb(await freePort(), dir);
    await server.resume();
    return server;
  }

  /** Starts (again) on the same port and data, and resolves once it accepts connections. */
  async resume(): Promise<void> {
    this.process = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--socket=${join(this.dir, 'mariadb.sock')}`,
        `--pid-file=${join(this.dir, 'mariadb.pid')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        '--innodb-flush-log-at-trx-commit=1',
        '--skip-name-resolve',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const probe = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 500 });
        await probe.end();
        return;
      } catch (error) {
        if (this.process.exitCode !== null || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async query(sql: string, values: unknown[] = []): Promise<any[]> {
    const connection = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
    try {
      const [rows] = await connection.query(sql, values);
      return rows as any[];
    } finally {
      await connection.end();
    }
  }

  /** SIGKILL, as in a crash or a lost host; waits until the process has exited. */
  async kill(): Promise<void> {
    await signalAndWait(this.process, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
