import memoryPersistence from 'aedes-persistence';

interface ClientRef {
  id: string;
}
interface Packet {
  messageId?: number;
}
interface Subscription {
  topic: string;
}

/** The part of Aedes's persistence that the embedded broker uses beyond what Aedes itself calls. */
export interface BoundedPersistence {
  subscriptionsByClient(client: ClientRef): Promise<Subscription[]>;
  removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
  /** Forgets a client's persistent session: its subscriptions and every message queued for it. */
  forget(clientId: string): Promise<void>;
}

/**
 * Aedes's in-memory persistence, with at most `limit` QoS 1 messages queued per client (Mosquitto's
 * `max_queued_messages`): further messages for a client whose queue is full are not queued, so a persistent session
 * whose client never comes back holds a bounded amount of memory. A connected client that leaves `limit` messages
 * unacknowledged is disconnected by Aedes when the next one cannot be queued. Clients then fill the gap from history,
 * as after any loss (`messages(first:, after:)`).
 */
export function boundedQueues(limit: number): BoundedPersistence & object {
  const inner = memoryPersistence() as unknown as Record<string, (...args: never[]) => Promise<unknown>> & {
    outgoingStream(client: ClientRef): AsyncIterable<Packet>;
  };
  const queued = new Map<string, number>();
  const admit = (clientId: string) => {
    const count = queued.get(clientId) ?? 0;
    if (count >= limit) return false;
    queued.set(clientId, count + 1);
    return true;
  };
  const release = (clientId: string) => {
    const count = (queued.get(clientId) ?? 0) - 1;
    if (count > 0) queued.set(clientId, count);
    else queued.delete(clientId);
  };
  const call = <T>(name: string, ...args: unknown[]) =>
    (inner[name] as unknown as (...a: unknown[]) => Promise<T>).apply(inner, args);

  const overrides: Record<string, unknown> = {
    outgoingEnqueue: (sub: { clientId: string }, packet: Packet) =>
      admit(sub.clientId) ? call('outgoingEnqueue', sub, packet) : Promise.resolve(),
    outgoingEnqueueCombi: (subs: { clientId: string }[], packet: Packet) => {
      const admitted = subs.filter((sub) => admit(sub.clientId));
      return admitted.length > 0 ? call('outgoingEnqueueCombi', admitted, packet) : Promise.resolve();
    },
    outgoingClearMessageId: async (client: ClientRef, packet: Packet) => {
      const removed = await call<Packet | undefined>('outgoingClearMessageId', client, packet);
      if (removed) release(client.id);
      return removed;
    },
    forget: async (clientId: string) => {
      const client = { id: clientId };
      await call('cleanSubscriptions', client);
      // Each call removes one packet of that message id: as many calls as packets empty the queue.
      for await (const packet of inner.outgoingStream(client)) {
        await call('outgoingClearMessageId', client, packet);
      }
      queued.delete(clientId);
    },
  };
  // Everything else is Aedes's own persistence, as Aedes expects it (its methods are feature-detected).
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in overrides) return overrides[property];
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as BoundedPersistence & object;
}
