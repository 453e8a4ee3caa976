import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/core';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import proxyaddr from 'proxy-addr';
import { WebSocketServer } from 'ws';
import type { BrokerAccess } from '../bridge/broker-access';
import type { Messaging } from '../bridge/messaging';
import type { Config } from '../config';
import { formatError } from '../errors';
import type { Metrics } from '../metrics';
import type { DevelopmentCheckout } from '../payments/checkout-provider';
import { Quota } from '../quota';
import { bearerToken, buildContext, type Context, type ContextBase } from '../schema/context';
import { holdUserPlace, httpOperationPlugin, overQuotaPlugin } from '../schema/operation-guards';
import { OPERATION_LIMITS, operationRules, withoutSuggestions } from '../schema/operation-limits';
import type { AccessEvents } from '../services/access-events';
import { brokerCallbackRoutes } from './broker-callbacks.routes';
import { checkoutPageRoutes } from './checkout-pages.routes';
import { serveGraphqlWs, type GraphqlWsServer } from './graphql-ws';
import { healthRoutes, takesWrites } from './health.routes';
import { jsonBodyErrors, lastErrorHandler } from './json-body-errors';
import { metricsRoutes, operationsMetricsPlugin } from './metrics.routes';
import { requestsInFlight } from './requests-in-flight';
import { stripeWebhookRoutes } from './stripe-webhook.routes';
import { webAppRoutes } from './web-app.routes';
import { closeWebSocketServer, routeUpgrades } from './websocket';

/** The server's HTTP face, listening: GraphQL over HTTP and graphql-ws, MQTT over WebSockets, and the other routes. */
export interface HttpServer {
  /** Base HTTP URL, e.g. http://127.0.0.1:4000 (the bound port when started on port 0). */
  readonly url: string;
  readonly port: number;
  readonly graphqlWs: GraphqlWsServer;
  /** Drains HTTP requests (Apollo's drain), closes every WebSocket, then the port. */
  close(): Promise<void>;
}

export interface HttpOptions {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  metrics: Metrics;
  messaging: Messaging;
  schema: GraphQLSchema;
  context: ContextBase;
  accessEvents: AccessEvents;
  /** Connections per client address, shared with the embedded broker's TCP port. */
  addresses: Quota;
  /** The development checkout's pages, outside production without Stripe keys. */
  development: DevelopmentCheckout | undefined;
  /** How often sockets are checked for ended sessions (default 15 s). */
  sessionCheckMs?: number;
  /** The rules of direct MQTT access, which the broker's callbacks ask (MQTT_ACCESS_CONTROL=http). */
  brokerAccess: BrokerAccess;
}

/**
 * Assembles Express, Apollo Server and the WebSocket endpoints on one HTTP server, and listens.
 *
 * @throws the listen error (EADDRINUSE and the like); what was started is stopped again first.
 */
export async function startHttp(options: HttpOptions): Promise<HttpServer> {
  const { config, logger, metrics, schema, context, messaging } = options;
  const { broker, dynsec } = messaging;
  const formatErrorFor = (formatted: Parameters<typeof formatError>[0], error: unknown) => {
    const answer = formatError(formatted, error, (err) =>
      logger.error({ err }, 'internal error in a GraphQL operation'),
    );
    // In production a client probing the schema gets no "Did you mean …?" hints.
    return config.production ? { ...answer, message: withoutSuggestions(answer.message) } : answer;
  };
  const rules = operationRules(config.graphql.introspection);
  // Queries and mutations in progress per user, over HTTP and graphql-ws together.
  const userOperations = new Quota(config.limits.operationsPerUser);

  const app = express();
  app.set('trust proxy', config.http.trustProxy);
  app.disable('x-powered-by');
  app.use(requestsInFlight(new Quota(config.limits.requestsPerAddress)));
  const trustProxy = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  const httpServer: Server = createServer(app);

  const graphqlWss = new WebSocketServer({ noServer: true, maxPayload: OPERATION_LIMITS.maxRequestBytes });
  const graphqlWs = serveGraphqlWs(graphqlWss, {
    schema,
    context,
    trustProxy,
    formatError: (error) => formatErrorFor(error.toJSON(), error),
    sessionCheckMs: options.sessionCheckMs ?? 15_000,
    metrics,
    validationRules: rules,
    userOperations,
    maxSocketsPerUser: config.limits.socketsPerUser,
    maxOperationsPerSocket: config.limits.operationsPerSocket,
    onSocketError: (err) => logger.info({ err: { message: err.message } }, 'graphql-ws: a client sent a bad frame'),
  });
  options.accessEvents.on({ sessionEnded: (sessionId) => graphqlWs.sessionEnded(sessionId) });
  const upgrades: Record<string, WebSocketServer> = { '/graphql': graphqlWss };
  if (broker.embedded) {
    const embedded = broker.embedded;
    const mqttWss = new WebSocketServer({
      noServer: true,
      // One WebSocket message carries at most one MQTT packet's bytes: a larger one is refused before it is read.
      maxPayload: config.mqtt.maxPacketBytes,
      handleProtocols: (protocols) => protocols.values().next().value ?? false,
    });
    mqttWss.on('connection', (socket, request) => embedded.handleWebSocket(socket, request));
    upgrades['/mqtt'] = mqttWss;
  }
  routeUpgrades(httpServer, upgrades, {
    clientAddress: (request) => proxyaddr(request as IncomingMessage & { connection: never }, trustProxy),
    addresses: options.addresses,
  });

  const apollo = new ApolloServer<Context>({
    schema,
    csrfPrevention: true,
    validationRules: [...rules],
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
      operationsMetricsPlugin(metrics),
      httpOperationPlugin(schema),
      overQuotaPlugin(),
    ],
  });
  await apollo.start();
  const close = async () => {
    await apollo.stop();
    for (const wss of Object.values(upgrades)) await closeWebSocketServer(wss);
  };

  app.use(
    healthRoutes({
      database: () => takesWrites(options.orm),
      broker: () => broker.isReady(),
      directMqtt: dynsec && (() => dynsec.healthy),
    }),
  );
  if (!broker.embedded && config.mqtt.accessControl === 'http') {
    app.use(
      brokerCallbackRoutes({
        access: options.brokerAccess,
        token: config.mqtt.authToken!,
        serverAccount: messaging.serverAccount!,
        logger,
      }),
    );
  }
  app.use(metricsRoutes(metrics, { token: config.metrics.token, production: config.production }));
  if (config.production && !config.metrics.token) logger.warn('GET /metrics is not served: set METRICS_TOKEN');
  const { checkout } = context.services;
  app.use(stripeWebhookRoutes(config.stripe.webhookSecret, checkout, logger));
  app.use(
    checkoutPageRoutes(
      checkout,
      config.stripe.secretKey ? undefined : options.development,
      logger,
      config.webApp.enabled,
    ),
  );
  if (config.webApp.enabled) app.use(webAppRoutes(config.webApp.dir, logger));
  app.use(
    '/graphql',
    express.json({ limit: OPERATION_LIMITS.maxRequestBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        holdUserPlace(
          await buildContext(context, bearerToken(req.headers.authorization), req.ip ?? 'unknown'),
          userOperations,
          res,
        ),
    }),
  );
  app.use('/graphql', jsonBodyErrors(OPERATION_LIMITS.maxRequestBytes));
  app.use(lastErrorHandler(logger));

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      // A deep accept queue: thousands of clients reconnecting at once (after a deploy) would otherwise overflow
      // Node's default of 511 while the loop is busy authenticating, and be reset.
      httpServer.listen({ port: config.http.port, host: config.http.host, backlog: 4096 }, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await close();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, graphqlWs, close };
}
