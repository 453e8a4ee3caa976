import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Viewer } from '../services/auth.service';
import { DynsecError, type DynsecAdmin, type DynsecCommand } from './dynsec-admin';
import type { Topics } from './topics';

/** What dynamic security needs to know about sessions and channels. */
export interface AccessFacts {
  /** The channels every signed-in user may read (DEFAULT channels). */
  everyoneChannelIds(): Promise<string[]>;
  /** The other channels the user may read now: their own PRIVATE ones and the PASSWORD ones they joined. */
  personalChannelIds(userId: string): Promise<string[]>;
  /** Of these sessions, the ones still in force, with their users. */
  activeSessions(sessionIds: string[]): Promise<Map<string, string>>;
  /**
   * The sessions that expired (not logged out) after `since` and up to now, with now (by the server's clock); none,
   * and now, when `since` is null.
   */
  sessionsExpired(since: Date | null): Promise<{ ids: string[]; upTo: Date }>;
  /** The broker account of a session: user name, password and the one client id it may connect with. */
  credentialsOf(sessionId: string): { username: string; password: string; clientId: string };
}

export interface DynamicSecurityOptions {
  /** The server's own publishing account (its password is kept in step with this one at every start). */
  serverAccount: { username: string; password: string };
  /** How often the broker is brought back in line with the database while it is (default 10 min). */
  reconcileMs?: number;
  /** How soon a failed reconcile is tried again, while direct MQTT is degraded (default 15 s). */
  retryMs?: number;
  /** How often the clients of sessions that expired are deleted (default 15 s; logout deletes at once). */
  expiryCheckMs?: number;
}

const SESSION_PREFIX = 'session:';
const TOLERATED = [
  'Role already exists',
  'ACL with this topic already exists',
  'Group already exists',
  'Group is already in this role',
  'Client already exists',
  'Client not found',
  'Group not found',
];
/** How many entries a list command asks for at once (listClients, listGroups). */
const PAGE = 500;
/** How many session ids one database lookup carries. */
const LOOKUP = 1000;

/**
 * Administers Mosquitto's dynamic security plugin (MQTT_ACCESS_CONTROL=dynsec) through its admin account.
 *
 * The layout keeps every change to one user's access one command, whatever their number of sessions and channels:
 * - a role per channel, `{prefix}-ch-{id}`, granting `subscribeLiteral` and `publishClientReceive` on its topic;
 * - a group per user, `{prefix}-u-{userId}`, holding the roles of their PRIVATE and PASSWORD channels, and one group
 *   `{prefix}-everyone` holding the DEFAULT channels' roles;
 * - a broker client per session (created when `mqttCredentials` is asked for), bound to one client id, in its user's
 *   group, `{prefix}-everyone` and `{prefix}-deny`, a last-priority group that refuses `publishClientReceive` under
 *   the prefix. Mosquitto checks receive access on every message it delivers or queues, and again on the queue of
 *   a persistent session when it reconnects (Mosquitto 2.0.11 does not drop the subscriptions themselves when
 *   access ends, CVE-2021-34434): so a message reaches a session only while its user may read the channel.
 * - the server's own account `{prefix}-server`, the one client that may publish under the prefix.
 *
 * Every change is sent in PUBLISHes that fit the broker's packet size (DynsecAdmin). When the broker cannot be
 * administered, direct MQTT is degraded (logged, `healthy` is false, `mqttCredentials` fails with UNAVAILABLE) and a
 * reconcile is retried every `retryMs`; GraphQL and the server's own publishing are not affected. Each change to a
 * group's roles disconnects its clients (Mosquitto 2.0): they reconnect, and a persistent session loses nothing.
 */
export class DynamicSecurity {
  private facts: AccessFacts | undefined;
  private state: 'starting' | 'healthy' | 'degraded' = 'starting';
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reconciling: Promise<void> | undefined;
  /** Per user, the last access sync queued (syncs of one user run one after another). */
  private readonly syncs = new Map<string, Promise<void>>();
  private lastRepair = 0;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly admin: DynsecAdmin,
    private readonly topics: Topics,
    private readonly logger: Logger,
    private readonly options: DynamicSecurityOptions,
  ) {
    // Changes made while the admin connection was down were missed: catch up as soon as it is back.
    let lost = false;
    admin.watch((connected) => {
      if (connected && lost) {
        lost = false;
        if (this.facts && !this.stopped) void this.reconcileNow();
      } else if (!connected && !lost && !this.stopped) {
        lost = true;
        logger.warn('dynsec: the admin connection to the broker is down; direct MQTT is degraded until it is back');
      }
    });
  }

  /**
   * Whether the broker's access control is in line with the database and can follow changes now: false until the
   * first reconcile, while the admin connection is down, and after a failure until a reconcile succeeds.
   */
  get healthy(): boolean {
    return this.state === 'healthy' && this.admin.connected;
  }

  /**
   * Asks for a reconcile soon (at most one at a time, none while stopped): after the broker refused the server's own
   * account, which means it lost its state.
   */
  repairSoon(): void {
    const now = Date.now();
    if (this.stopped || !this.facts || this.reconciling || now - this.lastRepair < 10_000) return;
    this.lastRepair = now;
    void this.reconcileNow();
  }

  /**
   * Creates (or repairs) the server's own publishing account, so that its connection can be made before
   * {@link start}. Never throws: on failure direct MQTT is degraded, and `start` tries again.
   */
  async prepare(): Promise<void> {
    await this.guard(() => this.ensureServerAccount()).catch(() => undefined);
  }

  /**
   * Starts following sessions and channels: sets up the server's account and the shared roles, reconciles the
   * broker with the database, and keeps doing so. Never throws: a broker that cannot be administered leaves direct
   * MQTT degraded and is tried again every `retryMs`.
   */
  async start(facts: AccessFacts): Promise<void> {
    this.facts = facts;
    await this.reconcileNow();
    // Sessions also end by expiring, which nothing announces: their clients are deleted within expiryCheckMs.
    let checked = (await facts.sessionsExpired(null).catch(() => undefined))?.upTo ?? null;
    const sweep = async () => {
      const { ids, upTo } = await facts.sessionsExpired(checked);
      await this.guard(() =>
        this.admin.run(
          ids.map((id) => ({ command: 'deleteClient', username: facts.credentialsOf(id).username })),
          TOLERATED,
        ),
      );
      checked = upTo;
    };
    this.expiryTimer = setInterval(() => void sweep().catch(() => undefined), this.options.expiryCheckMs ?? 15_000);
    this.expiryTimer.unref();
  }

  /** Stops the reconcile timer and closes the admin connection. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.expiryTimer);
    await this.reconciling?.catch(() => undefined);
    await this.admin.close();
  }

  /**
   * Creates (or repairs) the broker client of the viewer's session, in the groups that give it what the user may
   * read now.
   *
   * @throws DynsecError when the broker cannot be administered now (direct MQTT is then degraded).
   */
  async provision(viewer: Viewer): Promise<void> {
    await this.guard(async () => {
      const { username, password, clientId } = this.known.credentialsOf(viewer.session.id);
      // A reconcile running meanwhile may delete the user's group as one without sessions (it is, until the client
      // below exists): then the group is made again, once.
      for (let attempt = 1; ; attempt++) {
        await this.admin.run([{ command: 'createGroup', groupname: this.userGroup(viewer.user.id) }], TOLERATED);
        await this.syncUser(viewer.user.id);
        const [created] = await this.admin.run(
          [{ command: 'createClient', ...this.sessionClient(viewer.user.id, username, password, clientId) }],
          TOLERATED,
        );
        if (created.error === 'Group not found' && attempt < 3) continue;
        if (created.error === 'Group not found') throw new DynsecError('dynsec: the user group kept disappearing');
        if (created.error) await this.repairClient(viewer.user.id, username, password, clientId);
        return;
      }
    });
  }

  /**
   * After a user's access changed (a channel created, joined or left): gives their group exactly the roles of the
   * channels they may read now. One command, plus one per new channel role, whatever their number of sessions.
   */
  async accessChanged(userId: string): Promise<void> {
    await this.guard(() => this.syncUser(userId));
  }

  /** Deletes a deleted channel's role (its members' groups lose it, and their clients are disconnected). */
  async channelDeleted(channelId: string): Promise<void> {
    await this.guard(() =>
      this.admin.run([{ command: 'deleteRole', rolename: this.channelRole(channelId) }], TOLERATED),
    );
  }

  /** Deletes the broker client of a session that ended; Mosquitto disconnects it. */
  async sessionEnded(sessionId: string): Promise<void> {
    await this.guard(() =>
      this.admin.run([{ command: 'deleteClient', username: this.known.credentialsOf(sessionId).username }], TOLERATED),
    );
  }

  /**
   * Brings the broker in line with the database: the shared roles and groups, the server's account, every session
   * client (deleted when its session ended, repaired when its groups or client id differ), every user group (given
   * the roles of what its user may read, deleted when the user has no session left). Runs at start, every
   * `reconcileMs`, and every `retryMs` while degraded.
   *
   * @throws DynsecError when the broker cannot be administered.
   */
  reconcile(): Promise<void> {
    this.reconciling ??= this.guard(() => this.reconcileAll()).finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileNow(): Promise<void> {
    clearTimeout(this.timer);
    try {
      await this.reconcile();
    } catch {
      // Logged by guard; tried again below.
    }
    if (this.stopped) return;
    this.timer = setTimeout(
      () => void this.reconcileNow(),
      this.healthy ? (this.options.reconcileMs ?? 10 * 60_000) : (this.options.retryMs ?? 15_000),
    );
    this.timer.unref();
  }

  /** Runs work against the broker; a DynsecError marks direct MQTT degraded (and is rethrown). */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (this.state === 'degraded') {
        this.logger.warn({ err: error }, 'dynsec: the broker still cannot be administered');
      } else {
        this.logger.error({ err: error }, 'dynsec: the broker could not be administered; direct MQTT is degraded');
        const wasHealthy = this.state === 'healthy';
        this.state = 'degraded';
        if (wasHealthy && !this.stopped) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.reconcileNow(), this.options.retryMs ?? 15_000);
          this.timer.unref();
        }
      }
      throw error instanceof DynsecError ? error : new DynsecError(String(error), { cause: error });
    }
  }

  private async reconcileAll(): Promise<void> {
    await this.ensureShared();
    const sessions = await this.sessionClients();
    const active = new Map<string, string>();
    for (let i = 0; i < sessions.length; i += LOOKUP) {
      const found = await this.known.activeSessions(sessions.slice(i, i + LOOKUP));
      for (const [sessionId, userId] of found) active.set(sessionId, userId);
    }
    const ended = sessions.filter((id) => !active.has(id));
    await this.admin.run(
      ended.map((id) => ({ command: 'deleteClient', username: `${SESSION_PREFIX}${id}` })),
      TOLERATED,
    );
    const users = new Set(active.values());
    for (const userId of users) {
      await this.admin.run([{ command: 'createGroup', groupname: this.userGroup(userId) }], TOLERATED);
      await this.syncUser(userId);
    }
    // Clients made by an earlier layout (roles per client, any client id) are brought to this one.
    const clients = await this.admin.run(
      [...active.keys()].map((id) => ({ command: 'getClient', username: `${SESSION_PREFIX}${id}` })),
      TOLERATED,
    );
    const repairs: DynsecCommand[] = [];
    for (const [i, [sessionId, userId]] of [...active].entries()) {
      const { username, password, clientId } = this.known.credentialsOf(sessionId);
      const fix = this.clientFix(clients[i].data, userId, username, password, clientId);
      if (fix) repairs.push(fix);
    }
    await this.admin.run(repairs, TOLERATED);
    // Groups of users without a session are removed, but only empty ones: a provision under way since the list
    // above may have put a new session's client in one.
    const groupPrefix = `${this.topics.prefix}-u-`;
    const candidates = (await this.list('listGroups', 'groups')).filter(
      (name) => name.startsWith(groupPrefix) && !users.has(name.slice(groupPrefix.length)),
    );
    const groups = await this.admin.run(
      candidates.map((groupname) => ({ command: 'getGroup', groupname })),
      TOLERATED,
    );
    const empty = candidates.filter(
      (_, i) =>
        ((groups[i].data as { group?: { clients?: unknown[] } } | undefined)?.group?.clients ?? []).length === 0,
    );
    await this.admin.run(
      empty.map((groupname) => ({ command: 'deleteGroup', groupname })),
      TOLERATED,
    );
    if (this.state === 'degraded') this.logger.info('dynsec: broker access control is in line with the database again');
    this.state = 'healthy';
  }

  /** The server's account, the deny group and the everyone group with the DEFAULT channels' roles. */
  private async ensureShared(): Promise<void> {
    await this.ensureServerAccount();
    const deny = this.denyName;
    await this.admin.run(
      [
        { command: 'createRole', rolename: deny },
        {
          command: 'addRoleACL',
          rolename: deny,
          acltype: 'publishClientReceive',
          topic: `${this.topics.prefix}/#`,
          allow: false,
        },
        { command: 'createGroup', groupname: deny },
        { command: 'addGroupRole', groupname: deny, rolename: deny },
        { command: 'createGroup', groupname: this.everyoneGroup },
      ],
      TOLERATED,
    );
    await this.syncGroup(this.everyoneGroup, await this.known.everyoneChannelIds());
  }

  /** The server's role (publish, subscribe and receive under the prefix) and its account, with today's password. */
  private async ensureServerAccount(): Promise<void> {
    const { username, password } = this.options.serverAccount;
    const rolename = this.serverRole;
    const all = `${this.topics.prefix}/#`;
    const account = { username, password, textdescription: fingerprint(password), roles: [{ rolename }] };
    await this.admin.run(
      [
        { command: 'createRole', rolename },
        { command: 'addRoleACL', rolename, acltype: 'publishClientSend', topic: all, allow: true },
        { command: 'addRoleACL', rolename, acltype: 'publishClientReceive', topic: all, allow: true },
        { command: 'addRoleACL', rolename, acltype: 'subscribePattern', topic: all, allow: true },
        { command: 'createClient', ...account },
      ],
      TOLERATED,
    );
    // An account made with another password (MQTT_PASSWORD rotated) or by hand: take today's.
    const [current] = await this.admin.run([{ command: 'getClient', username }]);
    const client = (current.data as { client?: DynsecClient } | undefined)?.client;
    if (client?.textdescription !== account.textdescription || !client.roles?.some((r) => r.rolename === rolename)) {
      await this.admin.run([{ command: 'modifyClient', ...account }]);
    }
  }

  /**
   * Gives a user's group exactly the roles of the channels they may read now. The database is read again after the
   * change, and the sync repeats if it moved meanwhile (a join or leave committed on another instance), so the last
   * sync to finish always leaves the broker as the database is.
   */
  private syncUser(userId: string): Promise<void> {
    const previous = this.syncs.get(userId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        for (let attempt = 0; attempt < 5; attempt++) {
          const wanted = await this.known.personalChannelIds(userId);
          if (!(await this.syncGroup(this.userGroup(userId), wanted))) return;
          const now = await this.known.personalChannelIds(userId);
          if (sameSet(wanted, now)) return;
        }
        throw new DynsecError(`dynsec: the access of user ${userId} kept changing; the next reconcile settles it`);
      })
      .finally(() => {
        if (this.syncs.get(userId) === next) this.syncs.delete(userId);
      });
    this.syncs.set(userId, next);
    return next;
  }

  /** Sets a group's channel roles; false when the group does not exist (the user has no broker client). */
  private async syncGroup(groupname: string, channelIds: string[]): Promise<boolean> {
    const [answer] = await this.admin.run([{ command: 'getGroup', groupname }], TOLERATED);
    if (answer.error) return false;
    const held = ((answer.data as { group?: { roles?: { rolename: string }[] } })?.group?.roles ?? []).map(
      (r) => r.rolename,
    );
    const wanted = new Map(channelIds.map((id) => [this.channelRole(id), id]));
    const add = [...wanted].filter(([role]) => !held.includes(role));
    const remove = held.filter((role) => role.startsWith(`${this.topics.prefix}-ch-`) && !wanted.has(role));
    await this.admin.run(
      [
        ...add.flatMap(([, channelId]) => this.channelRoleCommands(channelId)),
        ...add.map(([rolename]) => ({ command: 'addGroupRole', groupname, rolename })),
        ...remove.map((rolename) => ({ command: 'removeGroupRole', groupname, rolename })),
      ],
      TOLERATED,
    );
    return true;
  }

  /** Creates a channel's role (kept if it exists) with the two rights on its topic. */
  private channelRoleCommands(channelId: string): DynsecCommand[] {
    const rolename = this.channelRole(channelId);
    const topic = this.topics.channel(channelId);
    return [
      { command: 'createRole', rolename },
      { command: 'addRoleACL', rolename, acltype: 'subscribeLiteral', topic, allow: true },
      { command: 'addRoleACL', rolename, acltype: 'publishClientReceive', topic, allow: true },
    ];
  }

  private sessionClient(userId: string, username: string, password: string, clientId: string) {
    return {
      username,
      password,
      clientid: clientId,
      textdescription: fingerprint(password),
      roles: [],
      groups: this.sessionGroups(userId),
    };
  }

  private sessionGroups(userId: string) {
    return [
      { groupname: this.userGroup(userId), priority: 2 },
      { groupname: this.everyoneGroup, priority: 1 },
      { groupname: this.denyName, priority: -1 },
    ];
  }

  private async repairClient(userId: string, username: string, password: string, clientId: string): Promise<void> {
    const [answer] = await this.admin.run([{ command: 'getClient', username }], TOLERATED);
    const fix = this.clientFix(answer.data, userId, username, password, clientId);
    if (fix) await this.admin.run([fix], TOLERATED);
  }

  /** The modifyClient that brings a session client to its expected shape, or undefined when it has it. */
  private clientFix(
    data: unknown,
    userId: string,
    username: string,
    password: string,
    clientId: string,
  ): DynsecCommand | undefined {
    const client = (data as { client?: DynsecClient } | undefined)?.client;
    if (!client) return undefined;
    const groups = this.sessionGroups(userId);
    const held = (client.groups ?? []).map((g) => `${g.groupname}:${g.priority ?? 0}`).sort();
    const expected = groups.map((g) => `${g.groupname}:${g.priority}`).sort();
    const shaped =
      client.clientid === clientId &&
      client.textdescription === fingerprint(password) &&
      (client.roles ?? []).length === 0 &&
      sameSet(held, expected);
    return shaped
      ? undefined
      : { command: 'modifyClient', ...this.sessionClient(userId, username, password, clientId) };
  }

  /** Every name a list command returns, a page at a time. */
  private async list(command: 'listClients' | 'listGroups', key: 'clients' | 'groups'): Promise<string[]> {
    const names: string[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const [answer] = await this.admin.run([{ command, verbose: false, count: PAGE, offset }]);
      const page = (answer.data as Record<string, string[] | undefined> | undefined)?.[key] ?? [];
      names.push(...page);
      if (page.length < PAGE) return names;
    }
  }

  /** The session ids of every session client on the broker. */
  private async sessionClients(): Promise<string[]> {
    return (await this.list('listClients', 'clients'))
      .filter((name) => name.startsWith(SESSION_PREFIX))
      .map((name) => name.slice(SESSION_PREFIX.length));
  }

  private get known(): AccessFacts {
    if (!this.facts) throw new DynsecError('dynsec: not started');
    return this.facts;
  }

  private get serverRole(): string {
    return `${this.topics.prefix}-server`;
  }

  private get denyName(): string {
    return `${this.topics.prefix}-deny`;
  }

  private get everyoneGroup(): string {
    return `${this.topics.prefix}-everyone`;
  }

  private userGroup(userId: string): string {
    return `${this.topics.prefix}-u-${userId}`;
  }

  private channelRole(channelId: string): string {
    return `${this.topics.prefix}-ch-${channelId}`;
  }
}

interface DynsecClient {
  clientid?: string;
  textdescription?: string;
  roles?: { rolename: string }[];
  groups?: { groupname: string; priority?: number }[];
}

/** A password's fingerprint, kept in a client's description so a changed password is noticed. */
const fingerprint = (password: string) =>
  `chat:${createHash('sha256').update(password).digest('base64url').slice(0, 22)}`;

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((v) => set.has(v));
};
