import { createHmac, timingSafeEqual } from 'node:crypto';
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
  /** The client id must start with this. */
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
 * revoke them), may subscribe only to the topics of channels they can read, and may publish nothing; only the
 * server publishes under the topic prefix.
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
  ) {}

  /**
   * The broker credentials of the viewer's session: valid while the session is (logout or expiry revokes them),
   * with the channel topics the viewer may subscribe to now.
   */
  async credentials(viewer: Viewer): Promise<MqttCredentials> {
    const sessionId = viewer.session.id;
    await this.provision?.(viewer);
    const channelIds = await this.channels.readableChannelIds(viewer.user.id);
    return {
      url: this.addresses.url(),
      wsUrl: this.addresses.wsUrl(),
      ...this.credentialsOf(sessionId),
      clientId: `c-${sessionId}-`,
      expiresAt: viewer.session.expiresAt,
      topics: channelIds.map((id) => this.topics.channel(id)),
    };
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
    if (!clientId.startsWith(`c-${sessionId}-`)) return null;
    const userId = (await this.auth.activeSessions([sessionId])).get(sessionId);
    return userId ? { kind: 'user', userId, sessionId } : null;
  }

  /** Whether a user may subscribe to a topic: exactly one channel topic (no wildcards) of a channel they can read. */
  async maySubscribe(identity: BrokerIdentity, topic: string): Promise<boolean> {
    if (identity.kind === 'server') return true;
    const prefix = `${this.topics.prefix}/channel/`;
    const channelId = topic.startsWith(prefix) ? topic.slice(prefix.length) : '';
    if (!channelId || /[/+#]/.test(channelId)) return false;
    return (await this.channels.usersWithAccess(channelId, [identity.userId])).has(identity.userId);
  }

  /** Of these sessions, the ones that have ended (their connections must close). */
  async endedSessions(sessionIds: string[]): Promise<Set<string>> {
    const active = await this.auth.activeSessions(sessionIds);
    return new Set(sessionIds.filter((id) => !active.has(id)));
  }

  /** A session's broker user name and password (derived, never stored). */
  credentialsOf(sessionId: string): { username: string; password: string } {
    return { username: `${USER_PREFIX}${sessionId}`, password: this.passwordOf(sessionId) };
  }

  private passwordOf(sessionId: string): string {
    return createHmac('sha256', this.secret).update(`mqtt:${sessionId}`).digest('base64url');
  }
}
