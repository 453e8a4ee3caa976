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

/**
 * Marks a channel read one seq further at a time, from `from` up to `to` (each mark moves the position, so each is
 * news), until `heard()`: a listening subscription may not be open yet when the first mark lands. Resolves with the
 * seq that was heard.
 */
export async function markUntilHeard(
  mark: (seq: number) => Promise<unknown>,
  range: { from: number; to: number },
  heard: () => boolean,
): Promise<number> {
  for (let seq = range.from; seq <= range.to; seq++) {
    await mark(seq);
    for (let i = 0; i < 8; i++) {
      if (heard()) return seq;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`no mark from ${range.from} to ${range.to} was heard`);
}
