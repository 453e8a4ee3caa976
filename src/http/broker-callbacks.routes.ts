import { timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { BrokerAccess, BrokerIdentity } from '../bridge/broker-access';
import { clientIdOfQueue, mqttTopicOf } from '../bridge/rabbitmq-names';

export interface BrokerCallbackOptions {
  access: BrokerAccess;
  /** What the broker presents on every call: the password of HTTP basic authentication (any user name). */
  token: string;
  /** The server's own broker account, the one that may publish. */
  serverAccount: { username: string; password: string };
  logger: Logger;
}

/**
 * The broker's authentication and authorization callbacks (MQTT_ACCESS_CONTROL=http): the broker asks, the server
 * answers from the rules of direct access in {@link BrokerAccess}, so one set of rules serves the embedded broker and
 * any broker that asks over HTTP.
 *
 * - `POST /mqtt/auth/rabbitmq/{user,vhost,resource,topic}`: RabbitMQ's HTTP auth backend (form fields in, `allow` or
 *   `deny` out).
 * - `POST /mqtt/auth/connect` and `POST /mqtt/auth/acl`: JSON in the shape of EMQX's HTTP authenticator and
 *   authorizer (`{"result": "allow" | "deny"}`, with `ok` as mosquitto-go-auth's JSON mode reads it).
 *
 * Every call must carry the token (`Authorization: Basic` with it as the password); without it the answer is 401
 * and nothing is looked up, so the endpoint is no oracle for credentials. A call that fails inside (the database
 * is down) answers `deny`: the broker refuses rather than lets through.
 */
export function brokerCallbackRoutes(options: BrokerCallbackOptions): Router {
  const { access, logger } = options;
  const server = options.serverAccount;
  const prefix = `${access.topicPrefix}/`;

  /** Who a user name is, without its password (the broker authenticated it already): null for an ended session. */
  const identityOf = async (username: string): Promise<BrokerIdentity | null> =>
    username === server.username ? { kind: 'server' } : access.sessionIdentity(username);

  const connect = async (username: string, password: string, clientId: string) =>
    username === server.username
      ? same(password, server.password)
      : (await access.authenticate(username, Buffer.from(password), clientId)) !== null;

  const mayReceive = async (username: string, topic: string) => {
    const identity = await identityOf(username);
    return identity !== null && (await access.maySubscribe(identity, topic));
  };
  const mayPublish = async (username: string, topic: string) =>
    username === server.username && topic.startsWith(prefix);

  const router = Router();
  router.use('/mqtt/auth', (req, res, next) => {
    if (presentedToken(req) !== undefined && same(presentedToken(req)!, options.token)) return next();
    res.status(401).set('www-authenticate', 'Basic realm="broker callbacks"').send('deny');
  });

  /** Runs a decision; an error inside is logged and answers deny. */
  const decide =
    (read: (req: Request) => Promise<boolean>, answer: (res: Response, allowed: boolean) => void) =>
    async (req: Request, res: Response) => {
      let allowed = false;
      try {
        allowed = await read(req);
      } catch (err) {
        logger.warn({ err, path: req.path }, 'broker callback failed; answered deny');
      }
      answer(res, allowed);
    };
  const text = (res: Response, allowed: boolean) => res.type('text/plain').send(allowed ? 'allow' : 'deny');
  const json = (res: Response, allowed: boolean) =>
    res.json({ result: allowed ? 'allow' : 'deny', ok: allowed, error: allowed ? '' : 'not authorized' });
  const field = (req: Request, name: string): string => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : '';
  };

  const form = express.urlencoded({ extended: false, limit: '8kb' });
  router.post(
    '/mqtt/auth/rabbitmq/user',
    form,
    decide((req) => connect(field(req, 'username'), field(req, 'password'), field(req, 'client_id')), text),
  );
  // Any virtual host: the broker's configuration decides which one MQTT uses.
  router.post(
    '/mqtt/auth/rabbitmq/vhost',
    form,
    decide(async (req) => (await identityOf(field(req, 'username'))) !== null, text),
  );
  router.post(
    '/mqtt/auth/rabbitmq/resource',
    form,
    decide(async (req) => {
      const identity = await identityOf(field(req, 'username'));
      if (identity?.kind === 'server') return true;
      if (!identity) return false;
      const [resource, name, permission] = [field(req, 'resource'), field(req, 'name'), field(req, 'permission')];
      // A user's own session queues (what the MQTT plugin declares for its subscriptions), and reading from the
      // exchange to bind them; writing to an exchange is publishing, which only the server does.
      if (resource === 'queue') return clientIdOfQueue(name) === access.clientIdOf(identity.sessionId);
      return resource === 'exchange' && permission === 'read';
    }, text),
  );
  router.post(
    '/mqtt/auth/rabbitmq/topic',
    form,
    decide(async (req) => {
      const [username, topic] = [field(req, 'username'), mqttTopicOf(field(req, 'routing_key'), access.topicPrefix)];
      if (topic === undefined) return false;
      // The server subscribes with wildcards (`{prefix}/channel/+`); users name one channel's topic.
      if (username === server.username) return true;
      if (/[+#]/.test(topic)) return false;
      return field(req, 'permission') === 'write' ? mayPublish(username, topic) : mayReceive(username, topic);
    }, text),
  );

  const body = express.json({ limit: '8kb' });
  router.post(
    '/mqtt/auth/connect',
    body,
    decide((req) => connect(field(req, 'username'), field(req, 'password'), field(req, 'clientid')), json),
  );
  router.post(
    '/mqtt/auth/acl',
    body,
    decide(async (req) => {
      const [username, topic, action] = [field(req, 'username'), field(req, 'topic'), field(req, 'action')];
      if (action === 'publish') return mayPublish(username, topic);
      return action === 'subscribe' && mayReceive(username, topic);
    }, json),
  );
  return router;
}

/** The token a call presents: the password of HTTP basic authentication. */
function presentedToken(req: Request): string | undefined {
  const [scheme, encoded] = (req.header('authorization') ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

const same = (given: string, expected: string) => {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
};
