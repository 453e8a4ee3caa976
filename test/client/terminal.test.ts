import Database from 'libsql';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultChannelId } from '../../src/services/channel.service';
import { uniqueEmail } from '../support/chat';
import { eachProfile } from '../support/profiles';
import { codeIn } from '../support/smtp-sink';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

const root = join(__dirname, '..', '..');

/** The terminal client as a real process, read line by line as a user would read its screen. */
class Terminal {
  private output = '';
  private read = 0;
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const wake of this.waiters.splice(0)) wake();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(args: string[]): Terminal {
    const child = spawn(
      process.execPath,
      ['-r', join(root, 'test', 'support', 'ts-register.js'), join(root, 'client', 'terminal', 'main.ts'), ...args],
      { cwd: root, env: { ...process.env, NODE_ENV: 'test' } },
    );
    return new Terminal(child);
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Waits for output after what earlier calls consumed to match `pattern`, and consumes up to the match. */
  async expect(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output.slice(this.read));
      if (match) {
        this.read += match.index + match[0].length;
        return match;
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`the terminal never showed ${pattern}; it showed:\n${this.output.slice(this.read)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(): void {
    this.child.kill();
  }
}

describe.each(eachProfile)('terminal client (%s)', (_name, profile) => {
  let server: TestServer;
  let state: string;
  let terminal: Terminal | undefined;

  const chat = useChatServer(profile, {
    relay: { sweepIntervalMs: 100, sweepAfterMs: 200 },
  });
  beforeAll(async () => {
    server = chat.server;
    state = mkdtempSync(join(tmpdir(), 'chat-terminal-'));
  });
  afterEach(() => terminal?.kill());
  afterAll(async () => {
    rmSync(state, { recursive: true, force: true });
  });

  it('signs in with the mailed code, sends a line, shows it and what others send, grouped by sender', async () => {
    const email = uniqueEmail('term');
    const name = email.split('@')[0];
    terminal = Terminal.start(['--url', server.url, '--email', email, '--state', state]);
    await terminal.expect(/a code was mailed to/);
    await terminal.expect(/code: /);
    terminal.type(codeIn(await chat.sink.nextMailTo(email)));
    await terminal.expect(new RegExp(`signed in as ${name} \\(FREE\\)`));

    terminal.type('/open general');
    await terminal.expect(/== #general \(default\) ==/);
    terminal.type('hello from the terminal');
    terminal.type('and a second line');
    await terminal.expect(new RegExp(`^${name}: hello from the terminal  #\\d+$`, 'm'));
    // The second message of the same sender shows without the name.
    await terminal.expect(new RegExp(`^ {${name.length + 1}} and a second line  #\\d+$`, 'm'));

    const ben = await chat.signIn('ben');
    await ben.send(defaultChannelId('general'), 'hi terminal');
    await terminal.expect(/^ben-[^:]+: hi terminal {2}#\d+$/m);

    const stored = (await ben.history(defaultChannelId('general'))).data!.messages.edges.map((e) => e.node.body);
    expect(stored.filter((body) => body === 'hello from the terminal')).toHaveLength(1);

    terminal.type('/quit');
    expect(await terminal.exited).toBe(0);
    // What it showed of #general is cached in its state directory for the next /open.
    const cache = new Database(join(state, 'messages.sqlite'));
    const bodies = (cache.prepare('SELECT message FROM cached_messages').all() as { message: string }[]).map(
      (row) => (JSON.parse(row.message) as { body: string }).body,
    );
    cache.close();
    expect(bodies).toEqual(expect.arrayContaining(['hello from the terminal', 'and a second line', 'hi terminal']));
  });

  it('keeps the session, shows a line typed while the server is down as not sent, and sends it once it is back', async () => {
    // Same state directory: the token from the first test signs this process in without a code.
    terminal = Terminal.start(['--url', server.url, '--state', state]);
    await terminal.expect(/signed in as /);
    terminal.type('/open general');
    await terminal.expect(/== #general/);

    await server.halt();
    terminal.type('typed while down');
    await terminal.expect(/! not sent \(NETWORK_ERROR\), will retry: typed while down/);
    terminal.type('/queue');
    await terminal.expect(/ (pending|failed \(NETWORK_ERROR\)): typed while down/);

    await server.start();
    await terminal.expect(/: typed while down {2}#\d+$/m, 40_000);
    // The live copy may show before the send's own answer: /queue is asked until that answer is in (each /queue
    // prints either the line still on its way or that everything is sent).
    for (let asked = 1; ; asked++) {
      terminal.type('/queue');
      const answer = await terminal.expect(/\(everything is sent\)|sending[^\n]*: typed while down/);
      if (answer[0].startsWith('(everything')) break;
      if (asked === 1000) throw new Error('the send was never answered');
    }
    terminal.type('/quit');
    expect(await terminal.exited).toBe(0);
  });
});
