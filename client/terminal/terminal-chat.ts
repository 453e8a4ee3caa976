import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { type Channel, ChannelView, ChatClient, ChatError, displayRows, SendQueue, type Viewer } from '../index';
import { FileQueueStorage, SqliteMessageStore } from '../node';

const USAGE = `usage: npm run chat -- [--url http://localhost:4000] [--email you@example.com] [--state DIR]

Lines you type are sent to the open channel. Commands:
  /channels                     list channels
  /open NAME|ID                 show a channel and follow it live
  /join NAME|ID [PASSWORD]      join (a PASSWORD channel needs its password), then open it
  /create private|password NAME [PASSWORD]
  /older                        load the page before the oldest message shown
  /edit SEQ TEXT   /delete SEQ  change one of your messages (its #seq)
  /leave                        leave the open channel
  /queue                        messages not sent yet;  /retry  try failed ones again now
  /me    /logout    /help    /quit`;

export interface TerminalOptions {
  argv: string[];
  input: Readable;
  output: Writable;
  env?: NodeJS.ProcessEnv;
}

/**
 * The terminal client: signs in with the mailed code (keeping the token in the state directory), lists, joins
 * and follows channels, and sends what is typed through a send queue kept in the state directory, so messages
 * typed while the server is unreachable are sent once it is back, also after the client restarts.
 * Resolves with the exit code.
 */
export async function runTerminal({ argv, input, output, env = process.env }: TerminalOptions): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: env.CHAT_URL ?? 'http://localhost:4000' },
      email: { type: 'string' },
      state: { type: 'string', default: env.CHAT_STATE_DIR ?? join(homedir(), '.chat-client') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const say = (line: string) => output.write(`${line}\n`);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const url = values.url.replace(/\/+$/, '');
  const stateDir = values.state;
  await mkdir(stateDir, { recursive: true });
  const sessions = new SessionFile(join(stateDir, 'sessions.json'));

  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string | undefined> => {
    output.write(prompt);
    const next = await lines.next();
    return next.done ? undefined : next.value.trim();
  };

  // The newest messages of the channels opened, shown at once on the next /open (and kept to the signed-in user).
  const messageStore = new SqliteMessageStore(join(stateDir, 'messages.sqlite'));
  const client = new ChatClient({
    url,
    token: await sessions.get(url),
    webSocketImpl: WebSocket,
    messageStore,
    onTokenChange: (token) => void sessions.set(url, token),
  });
  let viewer: Viewer | null = null;
  let view: ChannelView | undefined;
  let channel: Channel | undefined;
  const printed = new Set<string>();
  /** The rev each printed message had when printed: a higher one is an edit or deletion to print. */
  const printedRev = new Map<string, number>();
  const queue = await SendQueue.open(client, { storage: new FileQueueStorage(join(stateDir, 'queue.json')) });

  const close = async (code: number) => {
    await queue.close();
    view?.close();
    await view?.saved();
    rl.close();
    await client.dispose();
    messageStore.close();
    return code;
  };

  try {
    viewer = await client.me();
    if (!viewer) viewer = await signIn(client, values.email, ask, say);
    if (!viewer) return await close(1);
  } catch (error) {
    say(`! ${describe(error)}`);
    return await close(1);
  }
  say(`signed in as ${viewer.displayName} (${viewer.tier}). /help for commands.`);

  client.onConnectionChange((state) => {
    if (state === 'reconnecting') say('* connection lost, reconnecting…');
    if (state === 'connected' && view) say('* live');
  });
  const lastState = new Map<string, string>();
  queue.onChange(() => {
    for (const entry of queue.list()) {
      const label = entry.state === 'failed' ? `failed:${entry.error?.code}` : entry.state;
      if (lastState.get(entry.clientMessageId) === label) continue;
      lastState.set(entry.clientMessageId, label);
      if (entry.state === 'failed') {
        const next = entry.error?.retryable ? 'will retry' : 'not retried; /retry to try again';
        say(`! not sent (${entry.error?.code}), ${next}: ${entry.body}`);
      }
    }
  });
  queue.onSent((message) => view?.add([message]));

  const printNew = () => {
    if (!view) return;
    for (const row of displayRows(view.messages, [], viewer)) {
      const rev = row.message?.rev ?? 0;
      if (printed.has(row.key)) {
        if (row.type === 'message' && rev > (printedRev.get(row.key) ?? 0)) {
          printedRev.set(row.key, rev);
          say(`~ ${row.deleted ? 'deleted' : 'edited'} ${formatRow({ ...row, showSender: true })}`);
        }
        continue;
      }
      printed.add(row.key);
      printedRev.set(row.key, rev);
      say(formatRow(row));
    }
  };

  /** One of the viewer's messages in the open channel, by the #seq printed beside it. */
  const ownMessage = (seq: string | undefined) => {
    const found = view?.messages.find((m) => String(m.seq) === seq?.replace(/^#/, ''));
    if (!found || found.sender?.id !== viewer?.id) say(`! none of your messages here is #${seq ?? ''}`);
    return found?.sender?.id === viewer?.id ? found : undefined;
  };

  const open = async (target: string) => {
    const found = await findChannel(client, target);
    if (!found) return say(`! no channel ${target}`);
    view?.close();
    printed.clear();
    printedRev.clear();
    channel = found;
    view = new ChannelView(client, found.id, { userId: viewer?.id });
    view.onChange(() => {
      if (view?.error) say(`! live updates ended: ${view.error.code}`);
      printNew();
    });
    say(`== #${found.name} (${found.kind.toLowerCase()}) ==`);
    await view.open();
    if (view.offline) say('* offline: these are the messages saved here; catching up when the server answers');
    printNew();
    const waiting = queue.list(found.id).filter((e) => e.state !== 'sent');
    if (waiting.length) say(`(${waiting.length} of your messages here are not sent yet: /queue)`);
  };

  const commands: Record<string, (args: string[]) => Promise<unknown>> = {
    help: async () => say(USAGE),
    me: async () => {
      viewer = (await client.me()) ?? viewer;
      say(`${viewer!.displayName} <${viewer!.email}> ${viewer!.tier}`);
    },
    channels: async () => {
      for (const c of await client.channels()) {
        say(`  #${c.name}  ${c.kind.toLowerCase()}${c.canAccess ? '' : ' (join to enter)'}  ${c.id}`);
      }
    },
    open: async ([target]) => (target ? open(target) : say('usage: /open NAME|ID')),
    join: async ([target, password]) => {
      const found = target ? await findChannel(client, target) : undefined;
      if (!found) return say(`! no channel ${target ?? ''}`);
      await client.joinChannel(found.id, password);
      await open(found.id);
    },
    create: async ([kind, name, password]) => {
      if (!kind || !name || !['private', 'password'].includes(kind)) return say('usage: /create private|password NAME');
      const created = await client.createChannel({
        name,
        kind: kind === 'private' ? 'PRIVATE' : 'PASSWORD',
        ...(password ? { password } : {}),
      });
      await open(created.id);
    },
    older: async () => {
      if (!view) return say('! open a channel first');
      const before = new Set(view.messages.map((m) => m.id));
      const added = await view.loadOlder();
      if (!added) return say('(start of the channel)');
      say('-- earlier --');
      for (const row of displayRows(
        view.messages.filter((m) => !before.has(m.id)),
        [],
        viewer,
      )) {
        printed.add(row.key);
        say(formatRow(row));
      }
      say('-- end of earlier --');
    },
    leave: async () => {
      if (!channel) return say('! no channel is open');
      await client.leaveChannel(channel.id);
      view?.close();
      say(`left #${channel.name}`);
      view = channel = undefined;
    },
    edit: async ([seq, ...words]) => {
      const message = ownMessage(seq);
      if (message) view?.add([await client.editMessage(message.id, words.join(' '))]);
    },
    delete: async ([seq]) => {
      const message = ownMessage(seq);
      if (message) view?.add([await client.deleteMessage(message.id)]);
    },
    queue: async () => {
      const entries = queue.list();
      if (!entries.length) say('(everything is sent)');
      for (const e of entries) say(`  ${e.state}${e.error ? ` (${e.error.code})` : ''}: ${e.body}`);
    },
    retry: async () => {
      for (const e of queue.list()) if (e.state === 'failed') await queue.retry(e.clientMessageId);
    },
    logout: async () => {
      await client.logout();
      return 'quit';
    },
    quit: async () => 'quit',
  };

  for (;;) {
    const next = await lines.next();
    if (next.done) break;
    const line = next.value;
    if (!line.trim()) continue;
    try {
      if (line.startsWith('/')) {
        const [name = '', ...args] = line.slice(1).trim().split(/\s+/);
        const command = commands[name];
        if (!command) say(`! unknown command /${name}; /help lists them`);
        else if ((await command(args)) === 'quit') break;
      } else if (!channel) {
        say('! open a channel first (/channels, /open NAME)');
      } else {
        await queue.enqueue(channel.id, line);
      }
    } catch (error) {
      say(`! ${describe(error)}`);
    }
  }
  return close(0);
}

async function signIn(
  client: ChatClient,
  email: string | undefined,
  ask: (prompt: string) => Promise<string | undefined>,
  say: (line: string) => void,
): Promise<Viewer | null> {
  const address = email ?? (await ask('email: '));
  if (!address) return null;
  const request = await client.requestLoginCode(address);
  say(
    request.delivery === 'SERVER_LOG'
      ? `this development server mails nothing (SMTP_URL is not set): the code is in its log, on the line "login code for ${request.email}"; it works until ${request.expiresAt}`
      : `a code was mailed to ${request.email}; it works until ${request.expiresAt}`,
  );
  for (;;) {
    const code = await ask('code: ');
    if (!code) return null;
    try {
      return await client.verifyLoginCode(address, code);
    } catch (error) {
      if (!(error instanceof ChatError) || error.code !== 'INVALID_CODE') throw error;
      const left = error.extensions.attemptsLeft;
      say(`! wrong code${typeof left === 'number' ? ` (${left} tries left)` : ''}`);
    }
  }
}

async function findChannel(client: ChatClient, target: string): Promise<Channel | undefined> {
  const wanted = target.replace(/^#/, '');
  const channels = await client.channels();
  return (
    channels.find((c) => c.id === wanted) ??
    channels.find((c) => c.name === wanted) ??
    (await client.channel(wanted)) ??
    undefined
  );
}

function formatRow(row: ReturnType<typeof displayRows>[number]): string {
  if (row.type === 'system') return `  -- ${row.message.body} --`;
  const name = row.showSender ? `${row.senderName}:` : ' '.repeat(row.senderName.length + 1);
  const seq = row.message ? `#${row.message.seq}${row.edited ? ' (edited)' : ''}` : '';
  return `${name} ${row.body.replace(/\n/g, `\n${' '.repeat(name.length + 1)}`)}  ${seq}`.trimEnd();
}

function describe(error: unknown): string {
  if (error instanceof ChatError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Tokens by server address, in a file only the user can read. */
class SessionFile {
  constructor(private readonly path: string) {}

  async get(url: string): Promise<string | null> {
    return (await this.read())[url] ?? null;
  }

  async set(url: string, token: string | null): Promise<void> {
    const all = await this.read();
    if (token) all[url] = token;
    else delete all[url];
    await writeFile(this.path, JSON.stringify(all), { mode: 0o600 });
  }

  private async read(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }
}
