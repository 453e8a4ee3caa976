import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { freePort } from './mosquitto';
import { signalAndWait } from './processes';

const PROVIDER = '/usr/lib/galera/libgalera_smm.so';

interface Node {
  port: number;
  /** Group communication (gmcast), incremental state transfer and full state transfer (rsync) ports. */
  gcomm: number;
  ist: number;
  sst: number;
  dir: string;
  process?: ChildProcess;
}

/**
 * A MariaDB Galera cluster of the test's own: `size` nodes on loopback, each a mariadbd with its own data directory
 * and ports, joined by galera-4 (full state transfer by rsync, incremental from the donors' gcache). A node can be
 * SIGKILLed and started again: it rejoins the others (without bootstrapping a new cluster) and catches up.
 *
 * The nodes run as the `mysql` user, as the Debian service does: rsync's state transfer daemon drops root's rights
 * and must be able to write the joiner's data directory.
 */
export class TestGalera {
  private constructor(
    private readonly nodes: Node[],
    private readonly dir: string,
  ) {}

  /** `mysql://root@127.0.0.1:<port of node i>/<database>` */
  url(i: number, database: string): string {
    return `mysql://root@127.0.0.1:${this.nodes[i].port}/${database}`;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Starts a cluster: node 0 bootstraps it, the others join and receive its state. */
  static async start(size = 3): Promise<TestGalera> {
    const dir = mkdtempSync(join(tmpdir(), 'galera-'));
    chmodSync(dir, 0o755);
    const nodes: Node[] = [];
    for (let i = 0; i < size; i++) {
      const nodeDir = join(dir, `node${i}`);
      mkdirSync(nodeDir);
      if (userInfo().uid === 0) chownSync(nodeDir, ...mysqlUser());
      await promisify(execFile)('mariadb-install-db', [
        '--no-defaults',
        `--datadir=${join(nodeDir, 'data')}`,
        `--user=${processUser()}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ]);
      nodes.push({
        port: await freePort(),
        gcomm: await freePort(),
        ist: await freePort(),
        sst: await freePort(),
        dir: nodeDir,
      });
    }
    const cluster = new TestGalera(nodes, dir);
    try {
      await cluster.startNode(0, { bootstrap: true });
      for (let i = 1; i < size; i++) await cluster.startNode(i);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Starts node i (again, on its own data) and resolves once it is synced with the cluster. */
  async startNode(i: number, { bootstrap = false } = {}): Promise<void> {
    const node = this.nodes[i];
    const peers = this.nodes.map((n) => `127.0.0.1:${n.gcomm}`).join(',');
    node.process = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${join(node.dir, 'data')}`,
        `--socket=${join(node.dir, 'mariadb.sock')}`,
        `--pid-file=${join(node.dir, 'mariadb.pid')}`,
        `--log-error=${join(node.dir, 'error.log')}`,
        `--port=${node.port}`,
        '--bind-address=127.0.0.1',
        `--user=${processUser()}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=64M',
        '--binlog-format=ROW',
        '--default-storage-engine=InnoDB',
        '--innodb-autoinc-lock-mode=2',
        '--wsrep-on=ON',
        `--wsrep-provider=${PROVIDER}`,
        '--wsrep-cluster-name=chat-test',
        `--wsrep-node-name=node${i}`,
        `--wsrep-cluster-address=gcomm://${peers}`,
        `--wsrep-node-address=127.0.0.1:${node.gcomm}`,
        `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${node.gcomm};ist.recv_addr=127.0.0.1:${node.ist};gcache.size=64M`,
        `--wsrep-sst-receive-address=127.0.0.1:${node.sst}`,
        '--wsrep-sst-method=rsync',
        ...(bootstrap ? ['--wsrep-new-cluster'] : []),
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const [status] = (await this.query(i, "SHOW STATUS LIKE 'wsrep_local_state_comment'")) as { Value: string }[];
        if (status?.Value === 'Synced') return;
      } catch (error) {
        if (node.process.exitCode !== null || Date.now() > deadline) throw error;
      }
      if (node.process.exitCode !== null || Date.now() > deadline)
        throw new Error(`galera node ${i} did not sync (see ${join(node.dir, 'error.log')})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Runs statements on node i. */
  async query(i: number, sql: string, values: unknown[] = []): Promise<any[]> {
    const connection = await createConnection({
      host: '127.0.0.1',
      port: this.nodes[i].port,
      user: 'root',
      connectTimeout: 1000,
      multipleStatements: true,
    });
    try {
      const [rows] = await connection.query(sql, values);
      return rows as any[];
    } finally {
      await connection.end();
    }
  }

  /**
   * Runs one statement on node i as a causal read (`wsrep_sync_wait = 1`): it first waits until node i has applied
   * everything the cluster committed, so what was acknowledged through another node is there.
   */
  async readCausally(i: number, sql: string, values: unknown[] = []): Promise<any[]> {
    const [, rows] = await this.query(i, `SET SESSION wsrep_sync_wait = 1; ${sql}`, values);
    return rows as any[];
  }

  /** The cluster's size as node i sees it. */
  async clusterSize(i: number): Promise<number> {
    const [status] = (await this.query(i, "SHOW STATUS LIKE 'wsrep_cluster_size'")) as { Value: string }[];
    return Number(status.Value);
  }

  /** SIGKILL node i, as in a crash or a lost host; waits until the process has exited. */
  async kill(i: number): Promise<void> {
    await signalAndWait(this.nodes[i].process, 'SIGKILL');
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.kill(i);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Root runs the nodes as `mysql`; anyone else as themselves. */
const processUser = () => (userInfo().uid === 0 ? 'mysql' : userInfo().username);

function mysqlUser(): [number, number] {
  return [
    Number(execFileSync('id', ['-u', 'mysql']).toString()),
    Number(execFileSync('id', ['-g', 'mysql']).toString()),
  ];
}
