import type { TestUser } from './chat';
import { wsClient } from './graphql';
import type { TestServer } from './test-server';

const VIEWER_EVENTS = 'subscription { viewerEvents { kind channel { id lastSeq lastReadSeq unreadCount } } }';

/**
 * One client's `viewerEvents` subscription over graphql-ws on `server` (anonymous without a user), keeping every event
 * and every error it gets.
 */
export function listenToViewerEvents(server: TestServer, user: TestUser | null) {
  const { client } = wsClient(server.url, user ? { authToken: user.token } : undefined);
  const events: { kind: string; channel: { id: string; lastSeq: number; lastReadSeq: number; unreadCount: number } }[] =
    [];
  const errors: { extensions?: { code?: string } }[] = [];
  const stop = client.subscribe<{ viewerEvents: (typeof events)[number] }>(
    { query: VIEWER_EVENTS },
    {
      next: (value) => (value.errors ? errors.push(...value.errors) : events.push(value.data!.viewerEvents)),
      error: (error) => errors.push(...(Array.isArray(error) ? error : [{ extensions: { code: String(error) } }])),
      complete: () => undefined,
    },
  );
  return {
    events,
    errors,
    close: async () => {
      stop();
      await client.dispose();
    },
  };
}
