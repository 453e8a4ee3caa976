import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { defaultChannelId } from '../../src/services/channel.service';
import { useChatServer } from '../support/chat-server';
import { signInClient } from '../support/client';
import { profiles } from '../support/profiles';

// The client library as a frontend team meets it: `npm run client:pack` makes the tarball, a project outside the
// repository installs it from npm's registry and cache (nothing is linked to this repository), and a strict
// TypeScript program compiled there runs against a server.

const root = join(__dirname, '..', '..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The exact version this repository pins for `name`: the scratch project installs what the repository tests. */
const version = (name: string): string => {
  const pin: string | undefined = rootPackage.dependencies[name] ?? rootPackage.devDependencies[name];
  if (!pin || !/^\d+\.\d+\.\d+$/.test(pin)) throw new Error(`the root package.json pins no exact ${name}`);
  return pin;
};
const pinned = (name: string) => `${name}@${version(name)}`;
/** Each step may run `npm install`, which takes a minute or more with a cold npm cache. */
const STEP_TIMEOUT_MS = 240_000;
const embedded = profiles.find((profile) => profile.name === 'embedded')!;

/** The environment for child processes, without what `npm run`/`npx` exported about this repository. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|command$|config_(local_)?prefix$)/i.test(key)) delete env[key];
  }
  return env;
}

/** Runs a command; rejects with the command, its exit and everything it printed when it fails. */
function run(
  command: string,
  args: string[],
  cwd: string,
  env = childEnv(),
  timeoutMs = STEP_TIMEOUT_MS - 20_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const tail = (text: string) => (text.length > 12_000 ? `…${text.slice(-12_000)}` : text);
      reject(
        new Error(
          `${command} ${args.join(' ')} (in ${cwd}) ended with ${signal ?? `exit code ${code}`}` +
            `${signal === 'SIGKILL' ? ` after ${timeoutMs} ms` : ''}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
        ),
      );
    });
  });
}

const npmInstall = (cwd: string, specs: string[]) =>
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-exact', ...specs], cwd);

/** A program a Node user writes: the main entry, the Node entry and `ws`, compiled as an ES module. */
const NODE_PROGRAM = `import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  ChannelView,
  ChatClient,
  ChatError,
  SendQueue,
  displayRows,
  operations,
  type Channel,
  type Message,
} from '@chat-server/client';
import { FileQueueStorage, SqliteMessageStore } from '@chat-server/client/node';

const url = process.env.CHAT_URL;
const token = process.env.CHAT_TOKEN;
if (!url || !token) throw new Error('CHAT_URL and CHAT_TOKEN are required');

const dir = mkdtempSync(join(tmpdir(), 'chat-package-program-'));
const store = new SqliteMessageStore(join(dir, 'cache.sqlite'));
const client = new ChatClient({ url, token, webSocketImpl: WebSocket, messageStore: store });

const viewer = await client.me();
if (!viewer) throw new Error('the token signs nobody in');
const channels: Channel[] = await client.channels();
const general = channels.find((channel) => channel.name === 'general');
if (!general) throw new Error('no general channel');

const view = new ChannelView(client, general.id, { userId: viewer.id });
await view.open();
const queue = await SendQueue.open(client, { storage: new FileQueueStorage(join(dir, 'queue.json')) });
const sent: Message[] = [];
queue.onSent((message) => sent.push(message));

const body = 'hello from the installed package';
const live = new Promise<Message>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the message never reached the ChannelView')), 20_000);
  view.onChange(() => {
    const message = view.messages.find((m) => m.body === body);
    if (!message) return;
    clearTimeout(timer);
    resolve(message);
  });
});
await queue.enqueue(general.id, body);
const seen = await live;
await queue.idle();

// A generated document through request(): variables and result are typed by the package's declarations.
const page = await client.request(operations.Messages, { id: general.id, last: 5 });
const pageBodies: string[] = page.messages.edges.map((edge) => edge.node.body);

let refusal = 'none';
try {
  await client.sendMessage({ channelId: randomUUID(), body: 'nowhere', clientMessageId: randomUUID() });
} catch (error) {
  refusal = error instanceof ChatError ? error.code : 'not a ChatError: ' + String(error);
}

const rows = displayRows(view.messages, queue.list(general.id), viewer);
view.close();
await view.saved();
await queue.close();
await client.dispose();
const cached = await store.read(viewer.id, general.id);
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    viewer: viewer.id,
    channels: channels.map((channel) => channel.name),
    general: general.id,
    sent: sent.map((message) => ({ id: message.id, seq: message.seq, body: message.body })),
    live: { id: seen.id, seq: seen.seq, sender: seen.sender?.id ?? null },
    pageBodies,
    rows: rows.flatMap((row) => (row.type === 'message' ? [{ body: row.body, own: row.own, state: row.state }] : [])),
    refusal,
    cached: cached?.messages.map((message) => message.body) ?? [],
    queueLeft: queue.list().length,
  }),
);
`;

/** What a browser app's code looks like to TypeScript under a bundler's resolution, with no Node types at all. */
const BROWSER_PROGRAM = `import { ChannelView, ChatClient, MemoryQueueStorage, SendQueue, displayRows, type Message } from '@chat-server/client';
import { IndexedDbMessageStore } from '@chat-server/client/browser';

export async function start(): Promise<number | undefined> {
  const client = new ChatClient({
    url: location.origin,
    token: localStorage.getItem('token'),
    onTokenChange: (token) => (token ? localStorage.setItem('token', token) : localStorage.removeItem('token')),
    messageStore: new IndexedDbMessageStore(),
  });
  const viewer = await client.me();
  const channels = await client.channels();
  const view = new ChannelView(client, channels[0].id, { userId: viewer?.id });
  await view.open();
  const queue = await SendQueue.open(client, { storage: new MemoryQueueStorage() });
  const rows = displayRows(view.messages, queue.list(view.channelId), viewer);
  document.body.textContent = rows.map((row) => (row.type === 'message' ? row.body : '')).join('\\n');
  const newest: Message | undefined = view.messages.at(-1);
  return newest?.seq;
}
`;

const tsconfig = (compilerOptions: Record<string, unknown>, file: string) =>
  JSON.stringify({
    compilerOptions: { strict: true, target: 'es2022', skipLibCheck: false, ...compilerOptions },
    files: [file],
  });

describe('the client package, packed and installed in a project outside the repository', () => {
  const chat = useChatServer(embedded);
  let work: string;
  let project: string;
  let tarball: string | undefined;
  let installed = false;
  let compiled = false;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'chat-package-'));
    project = join(work, 'app');
    const fromRoot = relative(root, work);
    if (!fromRoot.startsWith('..') && !isAbsolute(fromRoot)) throw new Error(`${work} is inside the repository`);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(
    'packs the built JavaScript, the declarations and the README, and nothing else',
    async () => {
      await run('npm', ['run', 'client:pack', '--', '--pack-destination', work], root);
      const [file, ...others] = readdirSync(work).filter((name) => name.endsWith('.tgz'));
      expect(others).toEqual([]);
      expect(file).toBe('chat-server-client-0.1.0.tgz');

      const entries = (await run('tar', ['-tzf', join(work, file)], work)).stdout.split('\n').filter(Boolean);
      expect(entries.every((entry) => entry.startsWith('package/'))).toBe(true);
      const files = entries.map((entry) => entry.slice('package/'.length));
      expect(files).toEqual(
        expect.arrayContaining([
          'package.json',
          'README.md',
          'dist/index.js',
          'dist/index.d.ts',
          'dist/node/index.js',
          'dist/node/index.d.ts',
          'dist/browser/index.js',
          'dist/browser/index.d.ts',
          'dist/generated/graphql.js',
        ]),
      );
      expect(files.filter((name) => !/^dist\/.+\.(js|d\.ts)$/.test(name)).sort()).toEqual([
        'README.md',
        'package.json',
      ]);
      expect(files.filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))).toEqual([]);
      expect(files.filter((name) => /(^|\/)(terminal|test|tests|__tests__)\/|\.(test|spec)\./.test(name))).toEqual([]);
      tarball = join(work, file);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'installs without libsql or idb; the main entry loads in Node through require and import, the Node entry asks for libsql',
    async () => {
      if (!tarball) throw new Error('no tarball: the packing test failed');
      mkdirSync(project);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'chat-package-user', version: '1.0.0', private: true, type: 'module' }),
      );
      await npmInstall(project, [
        tarball,
        pinned('typescript'),
        pinned('@types/node'),
        pinned('ws'),
        pinned('@types/ws'),
      ]);
      const modules = join(project, 'node_modules');
      const manifest = JSON.parse(readFileSync(join(modules, '@chat-server', 'client', 'package.json'), 'utf8'));
      // The dependencies the package brings are the versions this repository runs and tests.
      expect(manifest.dependencies).toEqual({
        '@graphql-typed-document-node/core': version('@graphql-typed-document-node/core'),
        'graphql-ws': version('graphql-ws'),
      });
      expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['graphql', 'idb', 'libsql']);
      expect(manifest.peerDependenciesMeta).toEqual({ idb: { optional: true }, libsql: { optional: true } });
      // graphql is a peer npm installs by itself; the optional peers stay out until the project asks for them.
      expect(existsSync(join(modules, 'graphql-ws'))).toBe(true);
      expect(existsSync(join(modules, 'graphql'))).toBe(true);
      expect(existsSync(join(modules, 'libsql'))).toBe(false);
      expect(existsSync(join(modules, 'idb'))).toBe(false);

      const required = await run(
        'node',
        ['-e', "const c = require('@chat-server/client'); console.log(typeof c.ChatClient, typeof c.operations.Me)"],
        project,
      );
      expect(required.stdout.trim()).toBe('function object');
      const imported = await run(
        'node',
        [
          '--input-type=module',
          '-e',
          `const main = await import('@chat-server/client');
         const failure = (specifier) => import(specifier).then(() => 'loaded', (error) => error.code + ' ' + error.message.split('\\n')[0]);
         console.log(JSON.stringify({
           main: Object.keys(main).filter((name) => name !== 'default').sort(),
           node: await failure('@chat-server/client/node'),
           deep: await failure('@chat-server/client/dist/index.js'),
         }));`,
        ],
        project,
      );
      const loaded = JSON.parse(imported.stdout);
      expect(loaded.main).toEqual(
        expect.arrayContaining([
          'ChannelView',
          'ChatClient',
          'ChatError',
          'DELETED_TEXT',
          'MemoryMessageStore',
          'MemoryQueueStorage',
          'SendQueue',
          'displayRows',
          'newClientMessageId',
          'operations',
        ]),
      );
      expect(loaded.main).not.toContain('SqliteMessageStore');
      expect(loaded.node).toMatch(/^MODULE_NOT_FOUND Cannot find module 'libsql'/);
      expect(loaded.deep).toMatch(/^ERR_PACKAGE_PATH_NOT_EXPORTED /);
      installed = true;
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'compiles a strict TypeScript program for Node (nodenext) and a browser module (bundler resolution, DOM, no Node types)',
    async () => {
      if (!installed) throw new Error('not installed: an earlier test failed');
      await npmInstall(project, [pinned('libsql'), pinned('idb')]);
      writeFileSync(join(project, 'main.ts'), NODE_PROGRAM);
      writeFileSync(join(project, 'browser.ts'), BROWSER_PROGRAM);
      writeFileSync(
        join(project, 'tsconfig.json'),
        tsconfig(
          { module: 'nodenext', lib: ['es2023'], types: ['node'], outDir: 'out', noEmitOnError: true },
          'main.ts',
        ),
      );
      writeFileSync(
        join(project, 'tsconfig.browser.json'),
        tsconfig(
          {
            module: 'esnext',
            moduleResolution: 'bundler',
            lib: ['es2023', 'dom', 'dom.iterable'],
            types: [],
            noEmit: true,
          },
          'browser.ts',
        ),
      );
      const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
      await run('node', [tsc, '-p', 'tsconfig.json'], project);
      await run('node', [tsc, '-p', 'tsconfig.browser.json'], project);
      expect(existsSync(join(project, 'out', 'main.js'))).toBe(true);
      const browserEntry = await run(
        'node',
        ['-e', "console.log(typeof require('@chat-server/client/browser').IndexedDbMessageStore)"],
        project,
      );
      expect(browserEntry.stdout.trim()).toBe('function');
      compiled = true;
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'runs the program against a server: lists channels, sends to general through the queue, sees it live, caches it',
    async () => {
      if (!compiled) throw new Error('not compiled: an earlier test failed');
      const general = defaultChannelId('general');
      const signedIn = await signInClient(chat.server, chat.sink, 'package');
      try {
        const viewer = (await signedIn.me())!;
        const { stdout } = await run(
          'node',
          ['out/main.js'],
          project,
          childEnv({ CHAT_URL: chat.url, CHAT_TOKEN: signedIn.token! }),
          60_000,
        );
        const result = JSON.parse(stdout.trim().split('\n').pop()!);
        const body = 'hello from the installed package';
        expect(result.viewer).toBe(viewer.id);
        expect(result.channels).toContain('general');
        expect(result.general).toBe(general);
        expect(result.sent).toEqual([{ id: expect.any(String), seq: expect.any(Number), body }]);
        expect(result.live).toEqual({ id: result.sent[0].id, seq: result.sent[0].seq, sender: viewer.id });
        expect(result.pageBodies).toContain(body);
        expect(result.rows).toContainEqual({ body, own: true, state: 'sent' });
        expect(result.refusal).toBe('NOT_FOUND');
        expect(result.cached).toContain(body);
        expect(result.queueLeft).toBe(0);

        // The server stored it once.
        const stored = await signedIn.history(general, { last: 20 });
        expect(stored.edges.filter((edge) => edge.node.body === body)).toHaveLength(1);
      } finally {
        await signedIn.dispose();
      }
    },
    STEP_TIMEOUT_MS,
  );
});
