import type { BrokerAccess } from '../bridge/broker-access';
import type { LiveMessages } from '../bridge/live-messages';
import type { Topics } from '../bridge/topics';
import type { ViewerEvents } from '../bridge/viewer-events';
import type { Services } from '../services';
import type { Viewer } from '../services/auth.service';
import { createLoaders, type Loaders } from './loaders';
import { OPERATION_LIMITS } from './operation-limits';

/** What every resolver sees, built the same way for HTTP requests and graphql-ws operations. */
export interface Context {
  /** The signed-in user and session, or null when the request carries no valid token. */
  viewer: Viewer | null;
  /** The client's address (behind a proxy, as TRUST_PROXY lets Express read it). */
  clientAddress: string;
  services: Services;
  topics: Topics;
  /** Direct MQTT access: credentials and the rules the broker enforces. */
  brokerAccess: Pick<BrokerAccess, 'credentials'>;
  /** Live streams of stored messages and their changes (`messageAdded`, `messageChanged`). */
  live: Pick<LiveMessages, 'subscribe' | 'subscribeChanges'>;
  /** The viewer's own events (`Subscription.viewerEvents`). */
  viewerEvents: Pick<ViewerEvents, 'subscribe'>;
  /** How long a query or mutation field may run (see ResolverTimeout). */
  resolverTimeoutMs: number;
  /** Ends the operation's places in the limits of its socket and user (graphql-ws calls it once it has run). */
  done?: () => void;
  /** Set (to the quota) when the user already has their quota of operations in progress (see holdUserPlace). */
  overQuota?: number;
  /** What this one operation may still read (see takeHistoryPage). */
  allowance: { historyPages: number; historyMessages: number };
  /** The operation's batched reads (see Loaders). */
  loaders: Loaders;
}

/** What every context shares: the services, the topic names, the broker access rules and the live streams. */
export type ContextBase = Pick<
  Context,
  'services' | 'topics' | 'brokerAccess' | 'live' | 'viewerEvents' | 'resolverTimeoutMs'
>;

/** The token of an `Authorization` header or a `connectionParams.authToken`, with or without `Bearer `. */
export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const token = value.replace(/^Bearer\s+/i, '').trim();
  return token.length > 0 ? token : undefined;
}

/** Builds a context from a raw token; an unknown, revoked or expired token gives an anonymous context. */
export async function buildContext(
  base: ContextBase,
  token: string | undefined,
  clientAddress: string,
): Promise<Context> {
  const viewer = token ? await base.services.auth.authenticate(token) : null;
  return {
    ...base,
    viewer,
    clientAddress,
    allowance: {
      historyPages: OPERATION_LIMITS.maxHistoryPages,
      historyMessages: OPERATION_LIMITS.maxHistoryMessages,
    },
    loaders: createLoaders(base.services, viewer),
  };
}
