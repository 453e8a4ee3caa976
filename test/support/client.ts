import WebSocket from 'ws';
import { ChatClient, type ChatClientOptions, type ConnectionState } from '../../client';
import { uniqueEmail } from './chat';
import { codeIn, type SmtpSink } from './smtp-sink';
import type { TestServer } from './test-server';

/** A ChatClient signed in through the real mail hop, reconnecting quickly (tests should not wait for backoff). */
export async function signInClient(
  server: Pick<TestServer, 'url'>,
  sink: SmtpSink,
  tag: string,
  options: Partial<ChatClientOptions> = {},
): Promise<ChatClient> {
  const client = new ChatClient({
    url: server.url,
    webSocketImpl: WebSocket,
    reconnectDelayMs: () => 50,
    ...options,
  });
  const email = uniqueEmail(tag);
  await client.requestLoginCode(email);
  await client.verifyLoginCode(email, codeIn(await sink.nextMailTo(email)));
  return client;
}

/**
 * A WebSocket class whose network the test can cut: `cut()` drops every open socket (as a lost network would,
 * without a close frame) and makes new ones fail to connect until `restore()`. Records the frames received.
 */
export class FlakyNetwork {
  online = true;
  /** Every frame received, as parsed JSON, since the last `restore()`. */
  frames: { type: string; id?: string; payload?: any }[] = [];
  private readonly sockets = new Set<WebSocket>();

  get WebSocket(): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const network = this;
    return class FlakyWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        // Port 9 (discard) is closed here: connecting fails at once, as with no network.
        super(network.online ? address : 'ws://127.0.0.1:9/', protocols);
        network.sockets.add(this);
        this.on('message', (data: Buffer) => network.frames.push(JSON.parse(data.toString())));
        this.on('close', () => network.sockets.delete(this));
      }
    };
  }

  cut(): void {
    this.online = false;
    for (const socket of this.sockets) socket.terminate();
  }

  restore(): void {
    this.frames = [];
    this.online = true;
  }
}

/** Resolves once `check` holds, re-checked on every change `subscribe` reports (an event, not a sleep). */
export function until(
  subscribe: (listener: () => void) => () => void,
  check: () => boolean,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, 20_000);
    const stop = subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
    if (check()) {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}

/** Resolves once the client's socket is in `state`. */
export const socketState = (client: ChatClient, state: ConnectionState) =>
  until(
    (listener) => client.onConnectionChange(listener),
    () => client.connectionState === state,
    `the socket ${state}`,
  );
