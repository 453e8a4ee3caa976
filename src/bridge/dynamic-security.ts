import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Viewer } from '../services/auth.service';
import type { Topics } from './topics';

const COMMAND_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = '$CONTROL/dynamic-security/v1/response';

type Command = Record<string, unknown> & { command: string };
interface Response {
  command: string;
  error?: string;
  data?: unknown;
  correlationData?: string;
}

/** What dynamic security needs to know about sessions and channels. */
export interface AccessFacts {
  /** The channels the user may read now. */
  readableChannelIds(userId: string): Promise<string[]>;
  /** Of these sessions, the ones still in force, with their users. */
  activeSessions(sessionIds: string[]): Promise<Map<string, string>>;
  /** The sessions in force of a user. */
  sessionsOf(userId: string): Promise<string[]>;
  /** The broker user name and password of a session. */
  credentialsOf(sessionId: string): { username: string; password: string };
}

/**
 * Administers Mosquitto's dynamic security plugin (MQTT_ACCESS_CONTROL=dynsec) with the server's own account, which
 * holds the plugin's admin role. A broker client per session (created when `mqttCredentials` is asked for), roles
 * that grant `subscribeLiteral` on one channel topic each (`{prefix}-ch-{id}`), and publish and subscribe rights
 * under the prefix for the server's own account.
 * Nobody else may publish: the plugin's default is to refuse. Access follows joins, leaves, channel creation and
 * logout; `reconcile` provisions a broker whose state was lost.
 *
 * Each change to a client's roles disconnects that client's connections (Mosquitto 2.0); clients reconnect, and a
 * persistent session with QoS 1 loses nothing.
 */
export class DynamicSecurity {
  private readonly waiting = new Map<string, (response: Response) => void>();

  private facts: AccessFacts | undefined;

  /**
   * @param client a connection of the plugin's admin account, used for nothing else: the server publishes through
   * an account of its own, so that no change made here ever disconnects the admin connection.
   */
  constructor(
    private readonly client: MqttClient,
    private readonly topics: Topics,
    private readonly logger: Logger,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== RESPONSE_TOPIC) return;
      try {
        const { responses } = JSON.parse(payload.toString()) as { responses: Response[] };
        for (const response of responses) {
          const resolve = response.correlationData ? this.waiting.get(response.correlationData) : undefined;
          if (resolve) {
            this.waiting.delete(response.correlationData!);
            resolve(response);
          }
        }
      } catch (err) {
        this.logger.warn({ err }, 'dynsec: unreadable response');
      }
    });
  }

  /**
   * Creates (or keeps) the server's own broker account, with the role that lets it publish and subscribe under the
   * prefix; nobody else gets publish rights there.
   *
   * @throws when the broker does not answer dynamic-security commands (the admin account lacks the admin role, or
   * the plugin is not loaded).
   */
  async ensureServerAccount(account: { username: string; password: string }): Promise<void> {
    await this.client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    const prefix = this.topics.prefix;
    const role = `${prefix}-server`;
    await this.run(
      [
        { command: 'createRole', rolename: role },
        { command: 'addRoleACL', rolename: role, acltype: 'publishClientSend', topic: `${prefix}/#`, allow: true },
        { command: 'addRoleACL', rolename: role, acltype: 'subscribePattern', topic: `${prefix}/#`, allow: true },
        {
          command: 'createClient',
          username: account.username,
          password: account.password,
          roles: [{ rolename: role }],
        },
      ],
      ['Role already exists', 'ACL with this topic already exists', 'Client already exists'],
    );
  }

  /** Starts following sessions and channels: reconciles every session client with what its user may read now. */
  async start(facts: AccessFacts): Promise<void> {
    this.facts = facts;
    await this.reconcile();
  }

  /** Closes the admin connection. */
  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  /** Creates (or updates) the broker client of the viewer's session, with the roles of what they may read now. */
  async provision(viewer: Viewer): Promise<void> {
    const { username, password } = this.known.credentialsOf(viewer.session.id);
    const roles = await this.rolesOf(viewer.user.id);
    const [created] = await this.run(
      [{ command: 'createClient', username, password, roles: roles.map((rolename) => ({ rolename })) }],
      ['Client already exists'],
    );
    if (created.error) await this.setRoles(username, roles);
  }

  /** After a user's access changed (a channel created, joined or left): updates the roles of their session clients. */
  async accessChanged(userId: string): Promise<void> {
    const roles = await this.rolesOf(userId);
    for (const sessionId of await this.known.sessionsOf(userId)) {
      await this.setRoles(this.known.credentialsOf(sessionId).username, roles);
    }
  }

  /** Deletes the broker client of a session that ended. */
  async sessionEnded(sessionId: string): Promise<void> {
    await this.run(
      [{ command: 'deleteClient', username: this.known.credentialsOf(sessionId).username }],
      ['Client not found'],
    );
  }

  /** Deletes the clients of sessions that ended and gives the others the roles they should have. */
  async reconcile(): Promise<void> {
    const [list] = await this.run([{ command: 'listClients', verbose: false }]);
    const usernames = ((list.data as { clients?: string[] })?.clients ?? []).filter((u) => u.startsWith('session:'));
    const active = await this.known.activeSessions(usernames.map((u) => u.slice('session:'.length)));
    for (const username of usernames) {
      const userId = active.get(username.slice('session:'.length));
      if (!userId) await this.run([{ command: 'deleteClient', username }], ['Client not found']);
      else await this.setRoles(username, await this.rolesOf(userId));
    }
  }

  private subscribeAcl(rolename: string, channelId: string): Command {
    return {
      command: 'addRoleACL',
      rolename,
      acltype: 'subscribeLiteral',
      topic: this.topics.channel(channelId),
      allow: true,
    };
  }

  private get known(): AccessFacts {
    if (!this.facts) throw new Error('dynsec: not started');
    return this.facts;
  }

  /** The roles a user's clients should hold: one per channel they may read. */
  private async rolesOf(userId: string): Promise<string[]> {
    const ids = await this.known.readableChannelIds(userId);
    const roles = ids.map((id) => `${this.topics.prefix}-ch-${id}`);
    await this.run(
      ids.flatMap((id, i) => [{ command: 'createRole', rolename: roles[i] }, this.subscribeAcl(roles[i], id)]),
      ['Role already exists', 'ACL with this topic already exists'],
    );
    return roles;
  }

  private async setRoles(username: string, roles: string[]): Promise<void> {
    const [current] = await this.run([{ command: 'getClient', username }], ['Client not found']);
    const held = ((current.data as { client?: { roles?: { rolename: string }[] } })?.client?.roles ?? []).map(
      (r) => r.rolename,
    );
    if (current.error) return;
    const add = roles.filter((r) => !held.includes(r));
    const remove = held.filter((r) => !roles.includes(r));
    await this.run([
      ...remove.map((rolename) => ({ command: 'removeClientRole', username, rolename })),
      ...add.map((rolename) => ({ command: 'addClientRole', username, rolename })),
    ]);
  }

  /**
   * Sends commands and waits for their answers.
   *
   * @throws when an answer carries an error not listed in `tolerated`, or no answer comes within 5 s.
   */
  private async run(commands: Command[], tolerated: string[] = []): Promise<Response[]> {
    if (commands.length === 0) return [];
    const tagged = commands.map((c) => ({ ...c, correlationData: randomUUID() }));
    const answers = tagged.map(
      (c) =>
        new Promise<Response>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.waiting.delete(c.correlationData);
            reject(new Error(`dynsec: no answer to ${c.command}`));
          }, 5000);
          this.waiting.set(c.correlationData, (response) => {
            clearTimeout(timer);
            resolve(response);
          });
        }),
    );
    await this.client.publishAsync(COMMAND_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
    const responses = await Promise.all(answers);
    for (const response of responses) {
      if (response.error && !tolerated.includes(response.error)) {
        throw new Error(`dynsec: ${response.command} failed: ${response.error}`);
      }
    }
    return responses;
  }
}
