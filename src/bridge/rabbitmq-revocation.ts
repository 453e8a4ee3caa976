import type { Logger } from 'pino';
import type { AccessListener } from '../services/access-events';
import type { BrokerAccess } from './broker-access';
import { clientIdOfQueue, mqttTopicOf, subscriptionQueues } from './rabbitmq-names';

/** What revocation needs to know about sessions and channels. */
export interface RevocationFacts {
  /** The sessions in force of a user. */
  sessionsOf(userId: string): Promise<string[]>;
  /** The channels a user may read now. */
  readableChannelIds(userId: string): Promise<string[]>;
  /** The sessions that expired after `since` and up to now, with now; none, and now, when `since` is null. */
  sessionsExpired(since: Date | null): Promise<{ ids: string[]; upTo: Date }>;
}

export interface RabbitMqRevocationOptions {
  /** The management API's base URL, with an administrator's credentials (MQTT_MANAGEMENT_URL). */
  managementUrl: string;
  /** The virtual host MQTT clients use (RabbitMQ's `mqtt.vhost`; default `/`). */
  vhost?: string;
  /** The exchange MQTT publishes to (RabbitMQ's `mqtt.exchange`; default `amq.topic`). */
  exchange?: string;
  /** How often the clients of sessions that expired are disconnected (default 15 s; logout does it at once). */
  expiryCheckMs?: number;
  /** How long one call to the management API may take (default 5 s). */
  timeoutMs?: number;
}

interface Binding {
  source: string;
  destination: string;
  destination_type: string;
  routing_key: string;
}

/**
 * Ends direct MQTT access on RabbitMQ when it ends in the database (MQTT_ACCESS_CONTROL=http), through its management
 * API. RabbitMQ asks the server's callbacks at CONNECT and at each SUBSCRIBE only; what it granted then stays until
 * the connection ends, and a persistent session's queue keeps its bindings (and its messages) while the client is
 * away. So when access ends, the sessions it touched are dropped from the broker: their connections are closed and
 * their subscription queues deleted, with what waited in them. The client reconnects (a logged-out one is refused),
 * its session starts clean, and it subscribes again to what the callbacks allow; what it missed it reads from the
 * history, as after any clean start.
 *
 * - logout or a ban (a session ended): that session;
 * - a channel left, a member removed, a password changed (a user's access changed): those of the user's sessions
 *   whose queues hold a binding to a channel they can no longer read;
 * - a channel deleted: every session whose queue is bound to its topic;
 * - a session expired: within `expiryCheckMs`.
 *
 * Failures are logged and never thrown: the broker stays as it was, and the next event or sweep tries again.
 */
export class RabbitMqRevocation implements AccessListener {
  private readonly base: string;
  private readonly authorization: string;
  private readonly vhost: string;
  private readonly exchange: string;
  private timer: NodeJS.Timeout | undefined;
  private checked: Date | null = null;

  constructor(
    private readonly access: Pick<
      BrokerAccess,
      'clientIdOf' | 'sessionOfClientId' | 'channelOfTopic' | 'credentialsOf' | 'topicPrefix'
    >,
    private readonly facts: RevocationFacts,
    private readonly logger: Logger,
    private readonly options: RabbitMqRevocationOptions,
  ) {
    const url = new URL(options.managementUrl);
    this.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
    this.base = url.toString().replace(/\/+$/, '');
    this.vhost = encodeURIComponent(options.vhost ?? '/');
    this.exchange = encodeURIComponent(options.exchange ?? 'amq.topic');
  }

  /** Starts the sweep of expired sessions. */
  async start(): Promise<void> {
    this.checked = (await this.facts.sessionsExpired(null).catch(() => undefined))?.upTo ?? null;
    this.timer = setInterval(() => void this.sweep(), this.options.expiryCheckMs ?? 15_000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  sessionEnded(sessionId: string): void {
    void this.tolerate('session ended', () => this.drop([sessionId]));
  }

  accessChanged(userId: string): void {
    void this.tolerate('access changed', async () => {
      const [sessions, readable] = await Promise.all([
        this.facts.sessionsOf(userId),
        this.facts.readableChannelIds(userId),
      ]);
      const allowed = new Set(readable);
      const stale: string[] = [];
      for (const sessionId of sessions) {
        const bound = await this.boundChannels(sessionId);
        if (bound.some((channelId) => !allowed.has(channelId))) stale.push(sessionId);
      }
      await this.drop(stale);
    });
  }

  channelDeleted(channelId: string): void {
    void this.tolerate('channel deleted', async () => {
      const bindings = await this.call<Binding[]>(
        'GET',
        `/api/exchanges/${this.vhost}/${this.exchange}/bindings/source`,
      );
      const owners = new Set<string>();
      for (const binding of bindings) {
        if (binding.destination_type !== 'queue') continue;
        if (this.access.channelOfTopic(mqttTopicOf(binding.routing_key, this.access.topicPrefix) ?? '') !== channelId)
          continue;
        const sessionId = this.access.sessionOfClientId(clientIdOfQueue(binding.destination) ?? '');
        if (sessionId) owners.add(sessionId);
      }
      await this.drop([...owners]);
    });
  }

  /** Closes the sessions' connections and deletes their subscription queues (both kinds, whichever exist). */
  async drop(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    for (const sessionId of sessionIds) {
      // Every connection of the session's one broker user, on whichever node (RabbitMQ closes them cluster-wide).
      const { username } = this.access.credentialsOf(sessionId);
      await this.call('DELETE', `/api/connections/username/${encodeURIComponent(username)}`, 'access ended');
      for (const queue of this.queuesOf(sessionId)) {
        await this.call('DELETE', `/api/queues/${this.vhost}/${encodeURIComponent(queue)}`);
      }
    }
  }

  /** The channels a session's subscription queues are bound to. */
  private async boundChannels(sessionId: string): Promise<string[]> {
    const channels: string[] = [];
    for (const queue of this.queuesOf(sessionId)) {
      const bindings = await this.call<Binding[]>(
        'GET',
        `/api/queues/${this.vhost}/${encodeURIComponent(queue)}/bindings`,
      );
      for (const binding of bindings) {
        if (binding.source === '') continue; // the default exchange's implicit binding
        const channelId = this.access.channelOfTopic(mqttTopicOf(binding.routing_key, this.access.topicPrefix) ?? '');
        // A binding to anything but one channel's topic is no access a user may hold: it goes too.
        channels.push(channelId ?? '');
      }
    }
    return channels;
  }

  private queuesOf(sessionId: string): string[] {
    return subscriptionQueues(this.access.clientIdOf(sessionId));
  }

  private async sweep(): Promise<void> {
    await this.tolerate('expiry sweep', async () => {
      const { ids, upTo } = await this.facts.sessionsExpired(this.checked);
      await this.drop(ids);
      this.checked = upTo;
    });
  }

  private async tolerate(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.warn({ err, what }, 'RabbitMQ management: access could not be revoked on the broker now');
    }
  }

  /**
   * One call to the management API. A 404 (the connection or queue is gone already) answers an empty list.
   *
   * @throws when the API cannot be reached or answers another error.
   */
  private async call<T = unknown>(method: 'GET' | 'DELETE', path: string, reason?: string): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: this.authorization, ...(reason ? { 'x-reason': reason } : {}) },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    if (response.status === 404) return [] as T;
    if (!response.ok) throw new Error(`RabbitMQ management ${method} ${path}: ${response.status}`);
    return (method === 'GET' ? await response.json() : undefined) as T;
  }
}
