import 'reflect-metadata';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { MikroORM } from '@mikro-orm/core';
import express from 'express';
import mqtt from 'mqtt';
import pino, { type Logger } from 'pino';
import proxyaddr from 'proxy-addr';
import { WebSocketServer } from 'ws';
import { connectBroker, disableNagle, type BrokerConnection } from './bridge/broker';
import { BrokerAccess } from './bridge/broker-access';
import { DynamicSecurity, type DynamicSecurityOptions } from './bridge/dynamic-security';
import { DynsecAdmin } from './bridge/dynsec-admin';
import { LiveMessages, type LiveMessagesOptions } from './bridge/live-messages';
import { PayloadSigner } from './bridge/payload';
import { Relay, type RelayOptions } from './bridge/relay';
import { SessionBroadcast } from './bridge/session-broadcast';
import { StoredMessages } from './bridge/stored-messages';
import { Topics } from './bridge/topics';
import type { Config } from './config';
import { formatError } from './errors';
import { serveGraphqlWs, type GraphqlWsServer } from './http/graphql-ws';
import { healthRoutes, takesWrites } from './http/health.routes';
import { checkoutPageRoutes } from './http/checkout-pages.routes';
import { webAppRoutes } from './http/web-app.routes';
import { jsonBodyErrors, lastErrorHandler } from './http/json-body-errors';
import { requestsInFlight } from './http/requests-in-flight';
import { Metrics } from './http/metrics';
import { stripeWebhookRoutes } from './http/stripe-webhook.routes';
import { Quota } from './quota';
import { closeWebSocketServer, routeUpgrades } from './http/websocket';
import { LogMailer, SmtpMailer, type Mailer } from './mail/mailer';
import { ormOptions } from './mikro-orm.config';
import { DevelopmentCheckout, StripeCheckout } from './payments/checkout-provider';
import { planCatalogue } from './payments/plans';
import { buildChatSchema } from './schema/build-schema';
import {
  httpOperationPlugin,
  OPERATION_LIMITS,
  operationRules,
  overQuotaPlugin,
  holdUserPlace,
  withoutSuggestions,
} from './schema/operation-limits';
import { bearerToken, buildContext, type Context, type ContextBase } from './schema/context';
import type { Services } from './services';
import { AuthService } from './services/auth.service';
import { ChannelService } from './services/channel.service';
import { CheckoutService } from './services/checkout.service';
import { MessageService } from './services/message.service';
import { PassService } from './services/pass.service';
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
  /** Drains HTTP, closes sockets, then the broker, the mailer and the ORM. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The composition root: config → database (migrated) → broker → services → schema → HTTP + WebSockets.
 *
 * @throws when the database cannot be opened or migrated, or a port cannot be bound; whatever was already
 * opened is closed again before the error propagates.
 */
export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const closers: [string, () => Promise<unknown>][] = [];
  const closeAll = async () => {
    for (const [part, close] of closers.splice(0).reverse()) {
      logger.debug({ part }, 'closing');
      await close().catch((err: unknown) => logger.error({ err, part }, 'error while stopping'));
    }
  };

  try {
    const orm = await MikroORM.init(ormOptions(config.database, (message) => logger.debug(message)));
    closers.push(['database', () => orm.close()]);
    if (config.database.migrateOnStart) await orm.getMigrator().up();

    // With dynsec, an admin connection of its own administers the plugin, and the server publishes through an
    // account that connection keeps (its password derived from the admin password, not from AUTH_SECRET). A broker
    // that cannot be administered degrades direct MQTT only: the server starts, serves GraphQL and retries.
    const topics = new Topics(config.mqtt.topicPrefix);
    let dynsec: DynamicSecurity | undefined;
    let account: { username: string; password: string } | undefined;
    if (config.mqtt.url && config.mqtt.accessControl === 'dynsec') {
      const adminClient = disableNagle(
        mqtt.connect(config.mqtt.url, {
          clientId: `chat-admin-${randomUUID()}`,
          username: config.mqtt.username,
          password: config.mqtt.password,
          reconnectPeriod: 1000,
          connectTimeout: 5000,
          reconnectOnConnackError: true,
        }),
      );
      adminClient.on('error', (err) => logger.warn({ err }, 'dynsec: admin connection error'));
      closers.push(['dynsec', () => dynsec!.close()]);
      await firstConnection(adminClient, 5000);
      account = serverAccount(config.mqtt.topicPrefix, config.mqtt.password!);
      dynsec = new DynamicSecurity(
        new DynsecAdmin(adminClient, logger, { maxPacketBytes: config.mqtt.maxPacketBytes }),
        topics,
        logger,
        { serverAccount: account, ...options.dynsec },
      );
      await dynsec.prepare();
    }
    // Connections per client address, counted over WebSockets and the embedded broker's TCP port.
    const addresses = new Quota(config.limits.socketsPerAddress);
    // Queries and mutations in progress per user, over HTTP and graphql-ws together.
    const userOperations = new Quota(config.limits.operationsPerUser);
    const broker = await connectBroker(config, logger, { account, addresses });
    // The broker refusing the server's own account means it lost it (its state was reset): make it again.
    if (dynsec) {
      const admin = dynsec;
      broker.client.on('error', (err: Error & { code?: unknown }) => {
        if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) admin.repairSoon();
      });
    }
    closers.push(['broker', () => broker.close()]);

    const mailer: Mailer = config.mail.smtpUrl
      ? new SmtpMailer(config.mail.smtpUrl, config.mail.from)
      : new LogMailer(logger);
    closers.push(['mailer', () => mailer.close()]);

    const metrics = new Metrics();
    const signer = new PayloadSigner(config.auth.secret);
    const relay = new Relay(orm, broker, topics, clock, logger, metrics, signer, options.relay);
    relay.start();
    closers.push(['relay', () => relay.stop()]);

    // The path of a stored message: services hand it to storedMessages after the commit; the relay and this
    // instance's live subscriptions are registered on it below.
    const storedMessages = new StoredMessages(logger);
    storedMessages.on('relay', (message) => relay.publish(message));
    const passes = new PassService(orm, clock);
    // Unset PUBLIC_URL means this server on localhost, at the port it bound (which PORT=0 leaves to the system).
    let boundPort = config.http.port;
    const publicUrl = () => config.http.publicUrl ?? `http://localhost:${boundPort}`;
    const development = config.production ? undefined : new DevelopmentCheckout(publicUrl, config.auth.secret);
    const checkoutProvider = config.stripe.secretKey
      ? new StripeCheckout(config.stripe.secretKey, publicUrl, config.stripe.apiUrl)
      : development;
    // Sockets, the embedded broker and Mosquitto's dynamic security follow access as it changes.
    const accessEvents = new AccessEvents((err, event) => logger.error({ err, event }, 'an access listener failed'));
    const sessionBroadcast = new SessionBroadcast(broker, topics, signer, accessEvents, logger);
    closers.push(['session notices', async () => sessionBroadcast.close()]);
    if (broker.embedded) accessEvents.on(broker.embedded);
    if (dynsec) {
      // Failures degrade direct MQTT (DynamicSecurity logs them); the next reconcile repairs what was missed.
      const tolerate = (change: Promise<void>) => void change.catch(() => undefined);
      const admin = dynsec;
      accessEvents.on({
        sessionEnded: (sessionId, origin) => origin === 'local' && tolerate(admin.sessionEnded(sessionId)),
        accessChanged: (userId, origin) => origin === 'local' && tolerate(admin.accessChanged(userId)),
      });
    }
    const services: Services = {
      auth: new AuthService(
        orm,
        mailer,
        clock,
        {
          secret: config.auth.secret,
          sessionTtlDays: config.auth.sessionTtlDays,
          loginCodesPerAddressPerHour: config.auth.loginCodesPerAddressPerHour,
        },
        (sessionId) => accessEvents.sessionEnded(sessionId),
      ),
      passes,
      channels: new ChannelService(
        orm,
        passes,
        clock,
        storedMessages.stored,
        (userId) => accessEvents.accessChanged(userId),
        {
          owned: config.limits.channelsPerUser,
          memberships: config.limits.membershipsPerUser,
        },
      ),
      checkout: new CheckoutService(orm, passes, planCatalogue(config.plans), checkoutProvider, clock),
      messages: new MessageService(orm, clock, storedMessages.stored),
    };
    await services.channels.ensureDefaultChannels(config.channels.defaults);
    const live = new LiveMessages(broker, topics, services.messages, services.channels, logger, metrics, signer, {
      maxSubscriptionsPerUser: config.limits.subscriptionsPerUser,
      ...options.live,
    });
    storedMessages.on('live subscriptions', (message) => live.stored(message));
    closers.push(['live subscriptions', () => live.close()]);
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
      (viewer) => dynsec?.provision(viewer) ?? Promise.resolve(),
    );
    broker.embedded?.enforce(brokerAccess, options.sessionCheckMs ?? 15_000);
    if (dynsec) {
      await dynsec.start({
        everyoneChannelIds: () => services.channels.defaultChannelIds(),
        personalChannelIds: (userId) => services.channels.personalChannelIds(userId),
        activeSessions: (ids) => services.auth.activeSessions(ids),
        sessionsExpired: (since) => services.auth.sessionsExpired(since),
        credentialsOf: (sessionId) => brokerAccess.credentialsOf(sessionId),
      });
    }
    const contextBase: ContextBase = {
      services,
      topics,
      brokerAccess,
      live,
      resolverTimeoutMs: options.resolverTimeoutMs ?? OPERATION_LIMITS.resolverTimeoutMs,
    };

    const schema = await buildChatSchema();
    const formatErrorFor = (formatted: Parameters<typeof formatError>[0], error: unknown) => {
      const answer = formatError(formatted, error, (err) =>
        logger.error({ err }, 'internal error in a GraphQL operation'),
      );
      // In production a client probing the schema gets no "Did you mean …?" hints.
      return config.production ? { ...answer, message: withoutSuggestions(answer.message) } : answer;
    };

    const expressApp = express();
    expressApp.set('trust proxy', config.http.trustProxy);
    expressApp.disable('x-powered-by');
    expressApp.use(requestsInFlight(new Quota(config.limits.requestsPerAddress)));
    const httpServer: Server = createServer(expressApp);

    const graphqlWss = new WebSocketServer({ noServer: true, maxPayload: OPERATION_LIMITS.maxRequestBytes });
    const graphqlWs = serveGraphqlWs(graphqlWss, {
      schema,
      context: contextBase,
      trustProxy: expressApp.get('trust proxy fn') as (address: string, hop: number) => boolean,
      formatError: (error) => formatErrorFor(error.toJSON(), error),
      sessionCheckMs: options.sessionCheckMs ?? 15_000,
      metrics,
      validationRules: operationRules(config.graphql.introspection),
      userOperations,
      maxSocketsPerUser: config.limits.socketsPerUser,
      maxOperationsPerSocket: config.limits.operationsPerSocket,
      onSocketError: (err) => logger.info({ err: { message: err.message } }, 'graphql-ws: a client sent a bad frame'),
    });
    accessEvents.on({ sessionEnded: (sessionId) => graphqlWs.sessionEnded(sessionId) });
    const upgrades: Record<string, WebSocketServer> = { '/graphql': graphqlWss };
    if (broker.embedded) {
      const mqttWss = new WebSocketServer({
        noServer: true,
        // One WebSocket message carries at most one MQTT packet's bytes: a larger one is refused before it is read.
        maxPayload: config.mqtt.maxPacketBytes,
        handleProtocols: (protocols) => protocols.values().next().value ?? false,
      });
      mqttWss.on('connection', (socket, request) => broker.embedded!.handleWebSocket(socket, request));
      upgrades['/mqtt'] = mqttWss;
      closers.push(['mqtt websockets', () => closeWebSocketServer(mqttWss)]);
    }
    const trustProxy = expressApp.get('trust proxy fn') as (address: string, hop: number) => boolean;
    routeUpgrades(httpServer, upgrades, {
      clientAddress: (request) => proxyaddr(request as IncomingMessage & { connection: never }, trustProxy),
      addresses,
    });

    const apollo = new ApolloServer<Context>({
      schema,
      csrfPrevention: true,
      validationRules: [...operationRules(config.graphql.introspection)],
      parseOptions: { maxTokens: OPERATION_LIMITS.maxTokens },
      introspection: config.graphql.introspection,
      includeStacktraceInErrorResponses: false,
      // main.ts owns the signals: it stops the whole server, not only Apollo.
      stopOnTerminationSignals: false,
      formatError: formatErrorFor,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer }),
        { serverWillStart: async () => ({ drainServer: () => graphqlWs.dispose() }) },
        config.production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault(),
        metrics.apolloPlugin(),
        httpOperationPlugin(schema),
        overQuotaPlugin(),
      ],
    });
    await apollo.start();
    closers.push([
      'http',
      async () => {
        await apollo.stop();
        await closeWebSocketServer(graphqlWss);
      },
    ]);

    expressApp.use(
      healthRoutes({
        database: () => takesWrites(orm),
        broker: () => broker.isReady(),
        directMqtt: dynsec && (() => dynsec.healthy),
      }),
    );
    expressApp.use(metrics.routes({ token: config.metrics.token, production: config.production }));
    if (config.production && !config.metrics.token) logger.warn('GET /metrics is not served: set METRICS_TOKEN');
    expressApp.use(stripeWebhookRoutes(config.stripe.webhookSecret, services.checkout, logger));
    expressApp.use(checkoutPageRoutes(services.checkout, config.stripe.secretKey ? undefined : development, logger));
    if (config.webApp.enabled) expressApp.use(webAppRoutes(config.webApp.dir, logger));
    expressApp.use(
      '/graphql',
      express.json({ limit: OPERATION_LIMITS.maxRequestBytes }),
      expressMiddleware(apollo, {
        context: async ({ req, res }) =>
          holdUserPlace(
            await buildContext(contextBase, bearerToken(req.headers.authorization), req.ip ?? 'unknown'),
            userOperations,
            res,
          ),
      }),
    );
    expressApp.use('/graphql', jsonBodyErrors(OPERATION_LIMITS.maxRequestBytes));
    expressApp.use(lastErrorHandler(logger));

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      // A deep accept queue: thousands of clients reconnecting at once (after a deploy) would otherwise overflow
      // Node's default of 511 while the loop is busy authenticating, and be reset.
      httpServer.listen({ port: config.http.port, host: config.http.host, backlog: 4096 }, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const { port } = httpServer.address() as AddressInfo;
    boundPort = port;
    const host = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (broker.embedded && isLoopback(config.mqtt.embeddedHost) && !isLoopback(new URL(publicUrl()).hostname)) {
      logger.warn(
        { mqttUrl: brokerAccess.credentialsUrl() },
        'the embedded broker listens on loopback (MQTT_EMBEDDED_HOST): other machines reach it through MQTT over WebSockets only',
      );
    }
    logger.info({ url, database: config.database.embedded ? 'embedded SQLite' : 'MySQL' }, 'chat server listening');

    let stopping: Promise<void> | undefined;
    return {
      url,
      config,
      orm,
      broker,
      services,
      graphqlWs,
      logger,
      dynsec,
      stop: () => (stopping ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The server's own publishing account on a dynsec broker. Its password is derived from the admin password
 * (MQTT_PASSWORD), which whoever holds could administer the broker anyway, and never from AUTH_SECRET.
 */
export function serverAccount(topicPrefix: string, adminPassword: string): { username: string; password: string } {
  return {
    username: `${topicPrefix}-server`,
    password: createHmac('sha256', adminPassword).update(`mqtt-server-account:${topicPrefix}`).digest('base64url'),
  };
}

/** Resolves on the client's first connection, or after `ms` (the client keeps trying on its own). */
function firstConnection(client: mqtt.MqttClient, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Whether a host name or address is this machine's loopback. */
const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
