import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import pino, { type Logger } from 'pino';
import type { BrokerConnection } from './bridge/broker';
import type { DynamicSecurity, DynamicSecurityOptions } from './bridge/dynamic-security';
import type { LiveMessagesOptions } from './bridge/live-messages';
import { connectMessaging } from './bridge/messaging';
import { startRealtime } from './bridge/realtime';
import type { RelayOptions } from './bridge/relay';
import { StoredMessages } from './bridge/stored-messages';
import type { Config } from './config';
import type { GraphqlWsServer } from './http/graphql-ws';
import { startHttp } from './http/server';
import { LogMailer, SmtpMailer, type Mailer } from './mail/mailer';
import { Metrics } from './metrics';
import { ormOptions } from './mikro-orm.config';
import { DevelopmentCheckout, StripeCheckout } from './payments/checkout-provider';
import { Parts } from './parts';
import { PublicUrl } from './public-url';
import { Quota } from './quota';
import { buildChatSchema } from './schema/build-schema';
import { OPERATION_LIMITS } from './schema/operation-limits';
import { createServices, type Services } from './services';
import { AccessEvents } from './services/access-events';
import { systemClock, type Clock } from './services/clock';

/** What tests and embedders may replace; production uses the defaults. */
export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  /** How often WebSockets are checked for ended sessions (default 15 s; the contract allows 60 s). */
  sessionCheckMs?: number;
  /** How long a query or mutation field may run (default OPERATION_LIMITS.resolverTimeoutMs). */
  resolverTimeoutMs?: number;
  relay?: RelayOptions;
  live?: LiveMessagesOptions;
  /** Reconcile timings of Mosquitto's dynamic security (MQTT_ACCESS_CONTROL=dynsec). */
  dynsec?: Pick<DynamicSecurityOptions, 'reconcileMs' | 'retryMs' | 'expiryCheckMs'>;
}

/** A running server. */
export interface App {
  /** Base HTTP URL, e.g. http://127.0.0.1:4000 (the bound port when started on port 0). */
  readonly url: string;
  readonly config: Config;
  readonly orm: MikroORM;
  readonly broker: BrokerConnection;
  readonly services: Services;
  readonly graphqlWs: GraphqlWsServer;
  readonly logger: Logger;
  /** Mosquitto's dynamic security, when MQTT_ACCESS_CONTROL=dynsec. */
  readonly dynsec: DynamicSecurity | undefined;
  /** Drains HTTP, closes sockets, then the real-time parts, the broker, the mailer and the ORM. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The composition root: config → database (migrated) → broker → services → real-time parts → schema → HTTP and
 * WebSockets. Each part is closed in the reverse order.
 *
 * @throws when the database cannot be opened or migrated, or a port cannot be bound; whatever was already
 * opened is closed again before the error propagates.
 */
export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const parts = new Parts(logger);
  try {
    const orm = parts.add('database', await MikroORM.init(ormOptions(config.database, (m) => logger.debug(m))), (orm) =>
      orm.close(),
    );
    if (config.database.migrateOnStart) await orm.getMigrator().up();

    // Connections per client address, counted over WebSockets and the embedded broker's TCP port.
    const addresses = new Quota(config.limits.socketsPerAddress);
    const messaging = parts.add(
      'broker',
      await connectMessaging(config, { logger, addresses, dynsec: options.dynsec }),
      (messaging) => messaging.close(),
    );
    const mailer: Mailer = parts.add(
      'mailer',
      config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl, config.mail.from) : new LogMailer(logger),
      (mailer) => mailer.close(),
    );

    const publicUrl = new PublicUrl(config.http);
    const development = config.production ? undefined : new DevelopmentCheckout(publicUrl.url, config.auth.secret);
    const metrics = new Metrics();
    // The path of a stored message: services hand it over after the commit; startRealtime registers its deliveries.
    const storedMessages = new StoredMessages(logger);
    // Sockets, the embedded broker and Mosquitto's dynamic security follow access as it changes.
    const accessEvents = new AccessEvents((err, event) => logger.error({ err, event }, 'an access listener failed'));
    const services = createServices(config, {
      orm,
      clock,
      mailer,
      checkoutProvider: config.stripe.secretKey
        ? new StripeCheckout(config.stripe.secretKey, publicUrl.url, config.stripe.apiUrl)
        : development,
      stored: storedMessages.stored,
      changed: storedMessages.changed,
      accessEvents,
      logger,
      instanceLoad: async () => ({
        sockets: (await metrics.sockets.get()).values[0]?.value ?? 0,
        subscriptions: (await metrics.subscriptions.get()).values[0]?.value ?? 0,
      }),
    });
    await services.channels.ensureDefaultChannels(config.channels.defaults);

    const realtime = parts.add(
      'real-time',
      await startRealtime(messaging, {
        config,
        orm,
        clock,
        logger,
        metrics,
        services,
        storedMessages,
        accessEvents,
        publicUrl: publicUrl.url,
        sessionCheckMs: options.sessionCheckMs,
        relay: options.relay,
        live: options.live,
      }),
      (realtime) => realtime.close(),
    );

    const http = parts.add(
      'http',
      await startHttp({
        config,
        logger,
        orm,
        metrics,
        messaging,
        accessEvents,
        addresses,
        development,
        schema: await buildChatSchema(),
        context: {
          services,
          topics: messaging.topics,
          brokerAccess: realtime.brokerAccess,
          live: realtime.live,
          viewerEvents: realtime.viewerEvents,
          resolverTimeoutMs: options.resolverTimeoutMs ?? OPERATION_LIMITS.resolverTimeoutMs,
        },
        sessionCheckMs: options.sessionCheckMs,
        brokerAccess: realtime.brokerAccess,
      }),
      (http) => http.close(),
    );
    publicUrl.listening(http.port);
    messaging.broker.connect();
    if (
      messaging.broker.embedded &&
      isLoopback(config.mqtt.embeddedHost) &&
      !isLoopback(new URL(publicUrl.url()).hostname)
    ) {
      logger.warn(
        { mqttUrl: realtime.brokerAccess.credentialsUrl() },
        'the embedded broker listens on loopback (MQTT_EMBEDDED_HOST): other machines reach it through MQTT over WebSockets only',
      );
    }
    if (!messaging.broker.embedded && config.mqtt.accessControl === 'none') {
      logger.warn(
        { mqttUrl: config.mqtt.url },
        'MQTT_ACCESS_CONTROL=none with an external broker: the broker checks none of the credentials mqttCredentials hands out, ' +
          'so anyone who can reach it reads every channel and publishes on its topics; set MQTT_ACCESS_CONTROL=dynsec or http ' +
          '(production refuses to start like this)',
      );
    }
    logger.info(
      { url: http.url, database: config.database.embedded ? 'embedded SQLite' : 'MySQL' },
      'chat server listening',
    );

    return {
      url: http.url,
      config,
      orm,
      broker: messaging.broker,
      services,
      graphqlWs: http.graphqlWs,
      logger,
      dynsec: messaging.dynsec,
      stop: () => parts.closeAll(),
    };
  } catch (error) {
    await parts.closeAll();
    throw error;
  }
}

/** Whether a host name or address is this machine's loopback. */
const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
