import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode, unauthenticated } from '../errors';
import type { AuthService, Viewer } from '../services/auth.service';
import type { ChannelService } from '../services/channel.service';
import type { Topics } from './topics';

/** Who a broker connection is: the server itself, or a user through the credentials of one session. */
export type BrokerIdentity = { kind: 'server' } | { kind: 'user'; userId: string; sessionId: string };

/** `Query.mqttCredentials`: what a client needs to read messages straight from the broker. */
export interface MqttCredentials {
  url: string;
  wsUrl: string | null;
  username: string;
  password: string;
  /** The one client id these credentials connect with (on every broker: a second connection takes the first's place). */
  clientId: string;
  expiresAt: Date;
  topics: string[];
}

/** The broker addresses handed to clients. */
export interface BrokerAddresses {
  url: () => string;
  wsUrl: () => string | null;
}

const USER_PREFIX = 'session:';

/**
 * The rules of direct MQTT access: a user connects with credentials derived from one session (so logout and expiry
 * revoke them) and with that session's one client id (so nobody else can take over its connection or its persistent
 * session), may subscribe only to the topics of channels they can read, receives messages only while they may read
 * them, and may publish nothing; only the server publishes under the topic prefix.
 */
export class BrokerAccess {
  constructor(
    private readonly auth: Pick<AuthService, 'activeSessions'>,
    private readonly channels: Pick<ChannelService, 'usersWithAccess' | 'readableChannelIds'>,
    private readonly topics: Topics,
    private readonly secret: string,
    private readonly addresses: BrokerAddresses,
    /** Creates the session's account on a broker that keeps its own (Mosquitto's dynamic security). */
    private readonly provision?: (viewer: Viewer) => Promise<void>,
    /** Deletes a session's account there again (its session ended while the account was being made). */
    private readonly unprovision?: (sessionId: string) => Promise<void>,
  ) {}

  /**
   * The broker credentials of the viewer's session: valid while the session is (logout or expiry revokes them),
   * with the channel topics the viewer may subscribe to now.
   */
  /**
   * @throws DomainError UNAUTHENTICATED when the session ended meanwhile; UNAVAILABLE when the broker keeps accounts of its own (Mosquitto's dynamic security) and
   * cannot be administered right now; the client asks again later.
   */
  async credentials(viewer: Viewer): Promise<MqttCredentials> {
    const sessionId = viewer.session.id;
    try {
      await this.provision?.(viewer);
    } catch (error) {
      throw new DomainError(
        ErrorCode.UNAVAILABLE,
        'Direct MQTT access is unavailable right now; try again later.',
        { retryAfterSeconds: 15 },
        error,
      );
    }
    // A logout or ban that ended the session while its account was being made deleted it before it existed: the
    // account is deleted again here, so no account outlives its session.
    if (this.provision && !(await this.auth.activeSessions([sessionId])).has(sessionId)) {
      await this.unprovision?.(sessionId).catch(() => undefined);
      throw unauthenticated();
    }
    const channelIds = await this.channels.readableChannelIds(viewer.user.id);
    return {
      url: this.addresses.url(),
      wsUrl: this.addresses.wsUrl(),
      ...this.credentialsOf(sessionId),
      expiresAt: viewer.session.expiresAt,
      topics: channelIds.map((id) => this.topics.channel(id)),
    };
  }

  /** The broker address handed to native clients. */
  credentialsUrl(): string {
    return this.addresses.url();
  }

  /** Checks a CONNECT's credentials; null when they are wrong, or their session has ended. */
  async authenticate(
    username: string | undefined,
    password: Buffer | undefined,
    clientId: string,
  ): Promise<BrokerIdentity | null> {
    if (!username?.startsWith(USER_PREFIX) || !password) return null;
    const sessionId = username.slice(USER_PREFIX.length);
    const expected = Buffer.from(this.passwordOf(sessionId));
    if (password.length !== expected.length || !timingSafeEqual(password, expected)) return null;
    if (clientId !== this.clientIdOf(sessionId)) return null;
    const userId = (await this.auth.activeSessions([sessionId])).get(sessionId);
    return userId ? { kind: 'user', userId, sessionId } : null;
  }

  /** The first level of every topic the server publishes on. */
  get topicPrefix(): string {
    return this.topics.prefix;
  }

  /**
   * Who a broker user name is, when the broker has authenticated it already (it asks about its subscriptions later):
   * the user of a session in force, or null for any other name or a session that has ended.
   */
  async sessionIdentity(username: string): Promise<BrokerIdentity | null> {
    if (!username.startsWith(USER_PREFIX)) return null;
    const sessionId = username.slice(USER_PREFIX.length);
    const userId = (await this.auth.activeSessions([sessionId])).get(sessionId);
    return userId ? { kind: 'user', userId, sessionId } : null;
  }

  /** Whether a user may subscribe to a topic: exactly one channel topic (no wildcards) of a channel they can read. */
  async maySubscribe(identity: BrokerIdentity, topic: string): Promise<boolean> {
    if (identity.kind === 'server') return true;
    const channelId = this.channelOfTopic(topic);
    if (channelId === undefined) return false;
    return (await this.channels.usersWithAccess(channelId, [identity.userId])).has(identity.userId);
  }

  /** The channel a topic names (`{prefix}/channel/{id}`, no wildcard), or undefined for any other topic. */
  channelOfTopic(topic: string): string | undefined {
    const prefix = `${this.topics.prefix}/channel/`;
    const channelId = topic.startsWith(prefix) ? topic.slice(prefix.length) : '';
    return channelId && !/[/+#]/.test(channelId) ? channelId : undefined;
  }

  /** The channels a user may read now. */
  readableChannelIds(userId: string): Promise<string[]> {
    return this.channels.readableChannelIds(userId);
  }

  /** Of these sessions, the ones that have ended (their connections must close). */
  async endedSessions(sessionIds: string[]): Promise<Set<string>> {
    const active = await this.auth.activeSessions(sessionIds);
    return new Set(sessionIds.filter((id) => !active.has(id)));
  }

  /** A session's broker user name, password (derived, never stored) and client id. */
  credentialsOf(sessionId: string): { username: string; password: string; clientId: string } {
    return {
      username: `${USER_PREFIX}${sessionId}`,
      password: this.passwordOf(sessionId),
      clientId: this.clientIdOf(sessionId),
    };
  }

  /** The one client id a session's credentials connect with. */
  clientIdOf(sessionId: string): string {
    return `c-${sessionId}`;
  }

  /** The session a client id belongs to, or undefined for one no session connects with. */
  sessionOfClientId(clientId: string): string | undefined {
    return clientId.startsWith('c-') ? clientId.slice(2) : undefined;
  }

  private passwordOf(sessionId: string): string {
    return createHmac('sha256', this.secret).update(`mqtt:${sessionId}`).digest('base64url');
  }
}
