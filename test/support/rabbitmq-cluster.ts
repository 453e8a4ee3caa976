import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo-root';

const SCRIPTS = join(repoRoot, 'deploy', 'cluster', 'rabbitmq');
const run = promisify(execFile);

/** The port bases the test's nodes use (node n listens on base + n), away from the scripts' defaults. */
const MQTT_BASE = 1990;
const MGMT_BASE = 15790;
const PORT_BASES = {
  AMQP_BASE: '5790',
  DIST_BASE: '25790',
  MQTT_BASE: String(MQTT_BASE),
  MGMT_BASE: String(MGMT_BASE),
  WSMQTT_BASE: '15780',
};

/**
 * A RabbitMQ cluster of the test's own, through deploy/cluster/rabbitmq's scripts: three nodes on loopback
 * (`chattest1..3@localhost`), MQTT on ports 1991–1993, management on 15791–15793, every MQTT login asked of the server's
 * HTTP callbacks (node n asks `authUrls[n - 1]`), and an administrator `admin` of the broker's own. Nodes can be
 * SIGKILLed and started again; they rejoin the cluster from their own data.
 */
export class TestRabbitCluster {
  static readonly admin = { username: 'admin', password: 'admin-password' };

  private constructor(private readonly env: Record<string, string>) {}

  /** Starts the three nodes and clusters them (about 30 s on two cores). */
  static async start(authUrls: string[]): Promise<TestRabbitCluster> {
    const env: Record<string, string> = {
      BASE: mkdtempSync(join(tmpdir(), 'rabbitmq-')),
      NODE_PREFIX: 'chattest',
      ...PORT_BASES,
      ADMIN_USER: TestRabbitCluster.admin.username,
      ADMIN_PASS: TestRabbitCluster.admin.password,
      ...Object.fromEntries(authUrls.map((url, i) => [`AUTH_URL_${i + 1}`, url])),
    };
    const cluster = new TestRabbitCluster(env);
    await cluster.script('start-cluster.sh');
    return cluster;
  }

  /** Node i's MQTT address (i from 0). */
  mqttUrl(i: number): string {
    return `mqtt://127.0.0.1:${MQTT_BASE + i + 1}`;
  }

  /** Node i's management API, with the administrator's credentials. */
  managementUrl(i: number): string {
    const { username, password } = TestRabbitCluster.admin;
    return `http://${username}:${password}@127.0.0.1:${MGMT_BASE + i + 1}`;
  }

  /** SIGKILL node i (its beam process), as in a crash. */
  async kill(i: number): Promise<void> {
    await this.script('kill-node.sh', String(i + 1));
  }

  /** Starts node i again; resolves once it runs in the cluster again. */
  async startNode(i: number): Promise<void> {
    await this.script('start-node.sh', String(i + 1));
  }

  /** Runs rabbitmqctl against node i. */
  async ctl(i: number, ...args: string[]): Promise<string> {
    return this.script('ctl.sh', String(i + 1), ...args);
  }

  /** Stops every node and deletes their data. */
  async stop(): Promise<void> {
    await this.script('stop-cluster.sh');
  }

  private async script(name: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('bash', [join(SCRIPTS, name), ...args], {
      env: { ...process.env, ...this.env },
      timeout: 300_000,
    });
    return stdout;
  }
}
