import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import type { Services } from '../services';
import type { AccessEvents } from '../services/access-events';
import type { Clock } from '../services/clock';
import { BrokerAccess } from './broker-access';
import { LiveMessages, type LiveMessagesOptions } from './live-messages';
import { ViewerEvents } from './viewer-events';
import type { Messaging } from './messaging';
import { RabbitMqRevocation } from './rabbitmq-revocation';
import { Relay, type RelayOptions } from './relay';
import { SessionBroadcast } from './session-broadcast';
import type { StoredMessages } from './stored-messages';

/** How often the sessions in the session cache are re-checked in the database. */
export const SESSION_CACHE_RECHECK_MS = 5_000;

/** Everything that carries stored messages and access changes out of this instance, and into its subscriptions. */
export interface Realtime {
  readonly relay: Relay;
  readonly live: LiveMessages;
  readonly viewerEvents: ViewerEvents;
  readonly brokerAccess: BrokerAccess;
  /** Ends every live subscription, stops telling other instances, then stops the relay (flushing what it can). */
  close(): Promise<void>;
}

export interface RealtimeOptions {
  config: Config;
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  services: Services;
  storedMessages: StoredMessages;
  accessEvents: AccessEvents;
  /** The server's public base URL, for the broker addresses handed to clients. */
  publicUrl: () => string;
  /** How often connections are checked for ended sessions (default 15 s). */
  sessionCheckMs?: number;
  relay?: RelayOptions;
  live?: LiveMessagesOptions;
}

/**
 * Starts the real-time parts on a connected broker: the relay (the transactional outbox) and this instance's live
 * subscriptions, both registered on `storedMessages`; the notices of ended sessions between instances; and the access
 * rules of direct MQTT clients, which the embedded broker and Mosquitto's dynamic security follow from
 * `accessEvents`.
 */
export async function startRealtime(messaging: Messaging, options: RealtimeOptions): Promise<Realtime> {
  const { config, services, logger, storedMessages, accessEvents } = options;
  const { broker, topics, dynsec, signer } = messaging;

  const relay = new Relay(options.orm, broker, topics, options.clock, logger, options.metrics, signer, options.relay);
  relay.start();
  storedMessages.on('relay', {
    message: (message) => relay.publish(message),
    change: (change) => relay.publishChange(change),
  });
  const live = new LiveMessages(
    broker,
    topics,
    services.messages,
    services.changes,
    services.channels,
    logger,
    options.metrics,
    signer,
    { maxSubscriptionsPerUser: config.limits.subscriptionsPerUser, ...options.live },
  );
  storedMessages.on('live subscriptions', {
    message: (message) => live.stored(message),
    change: (change) => live.changed(change),
  });
  storedMessages.ready();

  accessEvents.on({ channelDeleted: (channelId) => live.channelDeleted(channelId) });
  const viewerEvents = new ViewerEvents(accessEvents, config.limits.subscriptionsPerUser);
  const sessionCache = services.auth.sessionCache;
  const sessionBroadcast = new SessionBroadcast(broker, topics, signer, accessEvents, logger, (listening) =>
    listening ? sessionCache.resume() : sessionCache.suspend(),
  );
  // What a notice never sent leaves in the session cache (the instance where a session ended was cut off from the
  // broker) is dropped within SESSION_CACHE_RECHECK_MS.
  const recheck = setInterval(
    () =>
      void services.auth
        .recheckCachedSessions()
        .catch((err: unknown) => logger.warn({ err }, 'could not re-check the cached sessions')),
    SESSION_CACHE_RECHECK_MS,
  );
  recheck.unref();
  if (broker.embedded) accessEvents.on(broker.embedded);
  if (dynsec) {
    // Failures degrade direct MQTT (DynamicSecurity logs them); the next reconcile repairs what was missed.
    const tolerate = (change: Promise<void>) => void change.catch(() => undefined);
    accessEvents.on({
      sessionEnded: (sessionId, origin) => origin === 'local' && tolerate(dynsec.sessionEnded(sessionId)),
      accessChanged: (userId, origin) => origin === 'local' && tolerate(dynsec.accessChanged(userId)),
      channelDeleted: (channelId, origin) => origin === 'local' && tolerate(dynsec.channelDeleted(channelId)),
    });
  }

  const { publicUrl } = options;
  const brokerAccess = new BrokerAccess(
    services.auth,
    services.channels,
    topics,
    config.auth.secret,
    {
      url: () =>
        config.mqtt.publicUrl ??
        (broker.embedded ? `mqtt://${new URL(publicUrl()).hostname}:${broker.embedded.port}` : broker.url),
      wsUrl: () => config.mqtt.publicWsUrl ?? (broker.embedded ? `${publicUrl().replace(/^http/, 'ws')}/mqtt` : null),
    },
    dynsec && ((viewer) => dynsec.provision(viewer)),
    dynsec && ((sessionId) => dynsec.sessionEnded(sessionId)),
  );
  broker.embedded?.enforce(brokerAccess, options.sessionCheckMs ?? 15_000);
  const revocation =
    config.mqtt.accessControl === 'http' && config.mqtt.managementUrl
      ? new RabbitMqRevocation(
          brokerAccess,
          {
            sessionsOf: (userId) => services.auth.sessionsOf(userId),
            readableChannelIds: (userId) => services.channels.readableChannelIds(userId),
            sessionsExpired: (since) => services.auth.sessionsExpired(since),
          },
          logger,
          { managementUrl: config.mqtt.managementUrl, expiryCheckMs: options.sessionCheckMs },
        )
      : undefined;
  if (revocation) {
    // The instance where access ended tells the broker; the others hear of it through the broker too, and leave it.
    accessEvents.on({
      sessionEnded: (sessionId, origin) => origin === 'local' && revocation.sessionEnded(sessionId),
      accessChanged: (userId, origin) => origin === 'local' && revocation.accessChanged(userId),
      channelDeleted: (channelId, origin) => origin === 'local' && revocation.channelDeleted(channelId),
    });
    await revocation.start();
  }
  await dynsec?.start({
    everyoneChannelIds: () => services.channels.defaultChannelIds(),
    personalChannelIds: (userId) => services.channels.personalChannelIds(userId),
    activeSessions: (ids) => services.auth.activeSessions(ids),
    sessionsExpired: (since) => services.auth.sessionsExpired(since),
    credentialsOf: (sessionId) => brokerAccess.credentialsOf(sessionId),
  });

  return {
    relay,
    live,
    viewerEvents,
    brokerAccess,
    close: async () => {
      await live.close();
      viewerEvents.close();
      sessionBroadcast.close();
      clearInterval(recheck);
      revocation?.close();
      await relay.stop();
    },
  };
}
