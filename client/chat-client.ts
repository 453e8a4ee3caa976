import type { GraphQLFormattedError } from 'graphql';
import { type Client, createClient } from 'graphql-ws/client';
import { ChatError } from './errors';
import type { MessageStore } from './message-store';
import type {
  ChannelFieldsFragment,
  CreateChannelInput,
  MessageFieldsFragment,
  MessagesQueryVariables,
  SendMessageInput,
  TypedDocumentString,
  ViewerFieldsFragment,
} from './generated/graphql';
import * as ops from './operations';

export type Message = MessageFieldsFragment;
export type Channel = ChannelFieldsFragment;
export type Viewer = ViewerFieldsFragment;
export type HistoryPage = Omit<MessagesQueryVariables, 'id'>;

/** The state of the client's WebSocket: `reconnecting` after a drop, until the server answers again. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

export interface ChatClientOptions {
  /** The server's base address, e.g. `http://localhost:4000`; GraphQL is at `/graphql` (HTTP and WebSocket). */
  url: string;
  /** A token from an earlier sign-in, to resume the session. */
  token?: string | null;
  /** Called whenever the token changes (sign-in, logout, a session the server no longer knows), to persist it. */
  onTokenChange?: (token: string | null) => void;
  /** `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
  /** A WebSocket class for runtimes without a global one (Node 20: `import WebSocket from 'ws'`). */
  webSocketImpl?: unknown;
  /** How long a request (HTTP, or a send over the socket) may take before it fails with NETWORK_ERROR (default 15 s). */
  requestTimeoutMs?: number;
  /** Delay before the n-th reconnect attempt (default: 0.5 s doubling to 10 s, with jitter). */
  reconnectDelayMs?: (attempt: number) => number;
  /**
   * Requests sent at once; the others wait their turn here (default 4: the server's MAX_OPERATIONS_PER_USER, past
   * which it refuses a user's requests with RATE_LIMITED).
   */
  maxConcurrentRequests?: number;
  /**
   * The recent-message cache (see MessageStore) that ChannelView reads and writes. The client keeps it to one user:
   * it forgets every other user's messages when one signs in (`verifyLoginCode`, `me`) and everything when the token
   * goes (logout, or a session the server no longer knows).
   */
  messageStore?: MessageStore;
}

const defaultReconnectDelay = (attempt: number) => Math.min(10_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);

/**
 * The chat server's API for a frontend: typed operations over HTTP, subscriptions over one graphql-ws socket that
 * reconnects by itself, and the session token. `sendMessage` goes over that socket while it is open (cheaper for the
 * server than a request), over HTTP otherwise.
 *
 * Every method rejects with a {@link ChatError}: the contract's code when the server refused, NETWORK_ERROR when
 * no answer came (the request may or may not have taken effect; sends are safe to retry with the same
 * clientMessageId).
 */
export class ChatClient {
  private currentToken: string | null;
  private socket: Client | undefined;
  private state: ConnectionState = 'idle';
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private readonly fetchImpl: typeof fetch;
  /** Requests being sent, and those waiting for one of them to end (see maxConcurrentRequests). */
  private sending = 0;
  private readonly waiting: (() => void)[] = [];
  /** See cacheGeneration; cacheUser is the user the cache was last claimed for. */
  private generation = 0;
  private cacheUser: string | undefined;

  constructor(private readonly options: ChatClientOptions) {
    this.currentToken = options.token ?? null;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  get token(): string | null {
    return this.currentToken;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** Calls `listener` on every change of the socket's state; returns a function that stops it. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /**
   * Sends one operation over HTTP and resolves with its data.
   * @throws ChatError with the first error's code, or NETWORK_ERROR when no GraphQL answer arrived.
   */
  request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
    return this.inTurn(() => this.send(document, variables));
  }

  /** Runs `operation` once its turn comes (see maxConcurrentRequests), HTTP and socket operations alike. */
  private async inTurn<R>(operation: () => Promise<R>): Promise<R> {
    await this.turn();
    try {
      return await operation();
    } finally {
      // The place goes to the next request waiting, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.sending--;
    }
  }

  /** Resolves when this request may be sent: at most `maxConcurrentRequests` are, the others wait in order. */
  private async turn(): Promise<void> {
    if (this.sending < (this.options.maxConcurrentRequests ?? 4)) {
      this.sending++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private async send<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.options.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.currentToken ? { authorization: `Bearer ${this.currentToken}` } : {}),
        },
        body: JSON.stringify({ query: document.toString(), variables }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
      });
    } catch (error) {
      throw ChatError.network(error);
    }
    let body: { data?: R | null; errors?: GraphQLFormattedError[] };
    try {
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw ChatError.network(new Error(`HTTP ${response.status} without a GraphQL answer`, { cause: error }));
    }
    if (body.errors?.length) {
      const error = ChatError.fromGraphql(body.errors);
      if (error.code === 'UNAUTHENTICATED' && this.currentToken) this.setToken(null);
      throw error;
    }
    if (!body.data) throw ChatError.network(new Error(`HTTP ${response.status} without data`));
    return body.data;
  }

  /**
   * Starts a subscription on the shared socket. `next` gets each result's data; `error` is called once, with the
   * server's error (e.g. FORBIDDEN after leaving the channel) or UNAUTHENTICATED when the server closes the
   * socket for an ended session, and nothing follows it. A dropped connection is not an error: the socket
   * reconnects and sends the subscription again with the same `variables` object, so a caller that keeps that
   * object current (as ChannelView does with afterSeq) resumes where it was.
   * @returns a function that ends the subscription.
   */
  subscribe<R, V extends Record<string, unknown>>(
    document: TypedDocumentString<R, V>,
    variables: V,
    sink: { next: (data: R) => void; error: (error: ChatError) => void },
  ): () => void {
    let ended = false;
    const stop = this.ensureSocket().subscribe<R>(
      { query: document.toString(), variables },
      {
        next: (result) => {
          if (ended) return;
          if (result.errors?.length) return fail(ChatError.fromGraphql(result.errors));
          if (result.data) sink.next(result.data);
        },
        error: (error) => fail(toChatError(error)),
        complete: () => undefined,
      },
    );
    const fail = (error: ChatError) => {
      if (ended) return;
      ended = true;
      stop();
      sink.error(error);
    };
    return () => {
      ended = true;
      stop();
    };
  }

  // --- sign-in ---

  /** Mails a 6-digit code to `email`. @throws ChatError RATE_LIMITED (see `retryAfterSeconds`), BAD_USER_INPUT. */
  async requestLoginCode(email: string) {
    return (await this.request(ops.RequestLoginCode, { email })).requestLoginCode;
  }

  /** Opens a session with the mailed code and keeps its token. @throws ChatError INVALID_CODE (`attemptsLeft`). */
  async verifyLoginCode(email: string, code: string): Promise<Viewer> {
    const { verifyLoginCode } = await this.request(ops.VerifyLoginCode, { email, code });
    this.setToken(verifyLoginCode.token);
    await this.claimCache(verifyLoginCode.viewer.id);
    return verifyLoginCode.viewer;
  }

  /** Ends the session on the server (when it can be reached) and forgets the token either way. */
  async logout(): Promise<void> {
    try {
      if (this.currentToken) await this.request(ops.Logout, {});
    } finally {
      this.setToken(null);
      await this.clearCache();
    }
  }

  /** The signed-in user, or null when the token is missing or no longer valid. */
  async me(): Promise<Viewer | null> {
    const viewer = (await this.request(ops.Me, {})).me;
    if (viewer) await this.claimCache(viewer.id);
    // The server no longer knows the session (expired, revoked): its token, and what was cached for it, go.
    else if (this.currentToken) this.setToken(null);
    return viewer;
  }

  /** The recent-message cache given in the options, if any. */
  get messageStore(): MessageStore | undefined {
    return this.options.messageStore;
  }

  /**
   * Changes when the cache changes hands (a sign-out, or another user's sign-in): a ChannelView writes only while it
   * is the one it opened with, so a write still pending then never lands in the cache of the next user.
   */
  get cacheGeneration(): number {
    return this.generation;
  }

  /** Keeps the cache to `userId`; a cache that cannot be changed is cleared instead, or left (it is only a cache). */
  private async claimCache(userId: string): Promise<void> {
    const store = this.options.messageStore;
    if (!store) return;
    if (userId !== this.cacheUser) this.generation++;
    this.cacheUser = userId;
    await store.claim(userId).catch(() => store.clear().catch(() => undefined));
  }

  private clearCache(): Promise<void> {
    this.generation++;
    this.cacheUser = undefined;
    return this.options.messageStore?.clear().catch(() => undefined) ?? Promise.resolve();
  }

  async updateDisplayName(displayName: string): Promise<Viewer> {
    return (await this.request(ops.UpdateDisplayName, { displayName })).updateDisplayName;
  }

  // --- channels and messages ---

  async channels(): Promise<Channel[]> {
    return (await this.request(ops.Channels, {})).channels;
  }

  /** null when the channel does not exist or is another user's PRIVATE channel. */
  async channel(id: string): Promise<Channel | null> {
    return (await this.request(ops.Channel, { id })).channel;
  }

  /** @throws ChatError TIER_REQUIRED, BAD_USER_INPUT. */
  async createChannel(input: CreateChannelInput): Promise<Channel> {
    return (await this.request(ops.CreateChannel, { input })).createChannel;
  }

  /** @throws ChatError WRONG_PASSWORD, RATE_LIMITED, NOT_FOUND. */
  async joinChannel(id: string, password?: string): Promise<Channel> {
    return (await this.request(ops.JoinChannel, { id, password })).joinChannel;
  }

  async leaveChannel(id: string): Promise<boolean> {
    return (await this.request(ops.LeaveChannel, { id })).leaveChannel;
  }

  /** One page of history, oldest first. `{ last: n, before }` pages backwards from the newest. */
  async history(channelId: string, page: HistoryPage = {}) {
    return (await this.request(ops.Messages, { id: channelId, ...page })).messages;
  }

  /**
   * Stores one message. Retrying with the same clientMessageId never stores it twice.
   * @throws ChatError FORBIDDEN, NOT_FOUND, BAD_USER_INPUT (permanent); RATE_LIMITED, NETWORK_ERROR (retry).
   */
  async sendMessage(input: SendMessageInput): Promise<Message> {
    // Over the socket when it is open (a subscription holds it): no HTTP request, and the server already knows the
    // session. A send is the one mutation this may carry, as a retry of it stores nothing twice: graphql-ws sends
    // an operation again on the new socket after a reconnect. Over HTTP when no socket is open, or when the socket
    // did not run it.
    const overSocket =
      this.state === 'connected'
        ? await this.inTurn(() => {
            const socket = this.state === 'connected' ? this.socket : undefined;
            return socket ? this.overSocket(socket, ops.SendMessage, { input }) : Promise.resolve(undefined);
          })
        : undefined;
    return (overSocket ?? (await this.request(ops.SendMessage, { input }))).sendMessage;
  }

  /**
   * Runs one query or mutation over the open socket and resolves with its data, or with undefined when the socket did
   * not run it: the server refused it before it ran (the socket's limit of operations at once) or the socket ended
   * it without an answer.
   * @throws ChatError with the first error's code when it ran and was refused; NETWORK_ERROR when no answer came
   * within `requestTimeoutMs` (the operation is then stopped).
   */
  private overSocket<R, V>(socket: Client, document: TypedDocumentString<R, V>, variables: V): Promise<R | undefined> {
    return new Promise<R | undefined>((resolve, reject) => {
      const timeoutMs = this.options.requestTimeoutMs ?? 15_000;
      const timer = setTimeout(() => {
        stop();
        reject(ChatError.network(new Error(`no answer over the socket in ${timeoutMs} ms`)));
      }, timeoutMs);
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        outcome();
      };
      const stop = socket.subscribe<R>(
        { query: document.toString(), variables: variables as Record<string, unknown> },
        {
          next: (result) =>
            settle(() => {
              if (result.errors?.length) {
                const error = ChatError.fromGraphql(result.errors);
                if (error.code === 'UNAUTHENTICATED' && this.currentToken) this.setToken(null);
                reject(error);
              } else resolve(result.data ?? undefined);
            }),
          error: () => settle(() => resolve(undefined)),
          complete: () => settle(() => resolve(undefined)),
        },
      );
    });
  }

  /**
   * Replaces the body of one of the viewer's messages (same rules as sending); it keeps its id and seq.
   * @throws ChatError FORBIDDEN (not theirs), NOT_FOUND, BAD_USER_INPUT (body, or a deleted message), RATE_LIMITED.
   */
  async editMessage(messageId: string, body: string): Promise<Message> {
    return (await this.request(ops.EditMessage, { messageId, body })).editMessage;
  }

  /**
   * Deletes one of the viewer's messages for good: it keeps its id and seq, its body becomes empty.
   * @throws ChatError FORBIDDEN (not theirs), NOT_FOUND, RATE_LIMITED.
   */
  async deleteMessage(messageId: string): Promise<Message> {
    return (await this.request(ops.DeleteMessage, { messageId })).deleteMessage;
  }

  /**
   * Moves the read position in the channel forward to `seq` and answers the channel with its `unreadCount`; an older
   * seq changes nothing. @throws ChatError BAD_USER_INPUT (seq past the newest), FORBIDDEN, NOT_FOUND.
   */
  async markRead(channelId: string, seq: number): Promise<Channel> {
    return (await this.request(ops.MarkRead, { id: channelId, seq })).markRead;
  }

  /** A page of a channel's members, in the order they joined. @throws ChatError FORBIDDEN, BAD_USER_INPUT. */
  async members(channelId: string, page: { first?: number; after?: string } = {}) {
    const { channel } = await this.request(ops.Members, { id: channelId, ...page });
    return channel?.members ?? { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
  }

  /**
   * Follows the user's read positions as their clients (this one included) mark channels read: `onChannel` gets
   * the channel as it then reads, with its `lastReadSeq` and `unreadCount`. Reconnects like every subscription.
   * @returns a function that stops it.
   */
  followReadPositions(onChannel: (channel: Channel) => void, onError: (error: ChatError) => void = () => undefined) {
    return this.subscribe(
      ops.ViewerEvents,
      {},
      {
        next: (data) => {
          if (data.viewerEvents.channel) onChannel(data.viewerEvents.channel);
        },
        error: onError,
      },
    );
  }

  async plans() {
    return (await this.request(ops.Plans, {})).plans;
  }

  /** Where the user pays for a plan (Stripe Checkout, or the server's development checkout). */
  async startCheckout(planId: string) {
    return (await this.request(ops.StartCheckout, { planId })).startCheckout;
  }

  /** Closes the socket; subscriptions end without an error. Requests still work. */
  async dispose(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.changeState('idle');
    try {
      await socket?.dispose();
    } catch {
      // The socket had already failed (closed 4403 by a session that ended, say): there is nothing left to close.
    }
  }

  private setToken(token: string | null): void {
    if (token === this.currentToken) return;
    this.currentToken = token;
    // Signed out: nobody's messages stay on the device.
    if (token === null) void this.clearCache();
    // A socket authenticates once, at connection_init: the next subscription opens a socket with the new token.
    void this.dispose();
    this.options.onTokenChange?.(token);
  }

  private ensureSocket(): Client {
    this.socket ??= createClient({
      url: `${this.options.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: this.options.webSocketImpl,
      connectionParams: () => (this.currentToken ? { authToken: this.currentToken } : {}),
      lazy: true,
      retryAttempts: Infinity,
      // 4403: the token is not (or no longer) valid; retrying with it cannot help.
      shouldRetry: (event) => closeCode(event) !== 4403,
      retryWait: (retries) =>
        new Promise((resolve) =>
          setTimeout(resolve, (this.options.reconnectDelayMs ?? defaultReconnectDelay)(retries)),
        ),
      on: {
        connecting: (isRetry) => this.changeState(isRetry ? 'reconnecting' : 'connecting'),
        connected: () => this.changeState('connected'),
        closed: (event) => {
          const code = closeCode(event);
          if (code === 4403 && this.currentToken) this.setToken(null);
          // 1000: closed on purpose (no subscription left, or disposed); anything else is retried.
          this.changeState(code === 1000 || code === 4403 ? 'idle' : 'reconnecting');
        },
      },
    });
    return this.socket;
  }

  private changeState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.connectionListeners) listener(state);
  }
}

function closeCode(event: unknown): number | undefined {
  const code = (event as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function toChatError(error: unknown): ChatError {
  if (Array.isArray(error)) return ChatError.fromGraphql(error as GraphQLFormattedError[]);
  if (closeCode(error) === 4403) return new ChatError('UNAUTHENTICATED', 'The session has ended; sign in again.');
  const code = closeCode(error);
  if (code === undefined) return ChatError.network(error);
  const reason = (error as { reason?: string }).reason;
  return ChatError.network(new Error(`socket closed with ${code}${reason ? `: ${reason}` : ''}`));
}
