import { createHmac, randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Quota } from '../quota';
import { connectBroker, disableNagle, firstConnection, type BrokerConnection } from './broker';
import { DynamicSecurity, type DynamicSecurityOptions } from './dynamic-security';
import { DynsecAdmin } from './dynsec-admin';
import { PayloadSigner } from './payload';
import { Topics } from './topics';

/** The server's side of the broker: its connection, and with Mosquitto's dynamic security the admin's too. */
export interface Messaging {
  readonly topics: Topics;
  readonly broker: BrokerConnection;
  /** Mosquitto's dynamic security, when MQTT_ACCESS_CONTROL=dynsec. */
  readonly dynsec: DynamicSecurity | undefined;
  /** Signs and checks what the instances tell each other through the broker. */
  readonly signer: PayloadSigner;
  /** The server's own account on an external broker, when the server keeps it (dynsec and http access control). */
  readonly serverAccount: { username: string; password: string } | undefined;
  /** Ends the broker connection (and the embedded broker), then the admin connection. */
  close(): Promise<void>;
}

export interface MessagingOptions {
  logger: Logger;
  /** Connections per client address, which the embedded broker's TCP port counts too. */
  addresses: Quota;
  dynsec?: Pick<DynamicSecurityOptions, 'reconcileMs' | 'retryMs' | 'expiryCheckMs'>;
}

/**
 * Connects to the broker (or starts the embedded one). With dynsec, an admin connection of its own administers the
 * plugin first, and the server publishes through an account that connection keeps (its password derived from the
 * admin password, not from AUTH_SECRET), made again whenever the broker refuses it. A broker that cannot be
 * administered degrades direct MQTT only: the server starts, serves GraphQL and retries.
 *
 * @throws when the embedded broker's port cannot be bound; an external broker that is down does not stop the start.
 */
export async function connectMessaging(config: Config, options: MessagingOptions): Promise<Messaging> {
  const { logger } = options;
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
    await firstConnection(adminClient, 5000);
    account = serverAccount(config.mqtt.topicPrefix, config.mqtt.password!);
    dynsec = new DynamicSecurity(
      new DynsecAdmin(adminClient, logger, { maxPacketBytes: config.mqtt.maxPacketBytes }),
      topics,
      logger,
      { serverAccount: account, ...options.dynsec },
    );
    await dynsec.prepare();
  } else if (config.mqtt.url && config.mqtt.accessControl === 'http') {
    // The broker asks the server's own callbacks about this account too (src/http/broker-callbacks.routes.ts).
    account = serverAccount(config.mqtt.topicPrefix, config.auth.secret);
  }
  let broker: BrokerConnection;
  try {
    // With http access control the broker asks this server's callbacks about its account: it connects once they
    // listen (startApp calls broker.connect()).
    broker = await connectBroker(config, logger, {
      account,
      addresses: options.addresses,
      defer: config.mqtt.accessControl === 'http',
    });
  } catch (error) {
    await dynsec?.close();
    throw error;
  }
  if (dynsec) {
    // The broker refusing the server's own account means it lost it (its state was reset): make it again.
    const admin = dynsec;
    broker.client.on('error', (err: Error & { code?: unknown }) => {
      if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) admin.repairSoon();
    });
  }
  return {
    topics,
    broker,
    dynsec,
    signer: new PayloadSigner(config.auth.secret),
    serverAccount: account,
    close: async () => {
      await broker.close();
      await dynsec?.close();
    },
  };
}

/**
 * The server's own publishing account on an external broker. On a dynsec broker its password is derived from the
 * admin password (MQTT_PASSWORD), which whoever holds could administer the broker anyway, never from AUTH_SECRET; with
 * http access control, where only the server's callbacks check it, from AUTH_SECRET.
 */
export function serverAccount(topicPrefix: string, key: string): { username: string; password: string } {
  return {
    username: `${topicPrefix}-server`,
    password: createHmac('sha256', key).update(`mqtt-server-account:${topicPrefix}`).digest('base64url'),
  };
}
