import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { signalAndWait } from './processes';
import { compiled, repoRoot } from './repo-root';

/** How node runs the server: the build's main.js (the benches), or main.ts through ts-register (the tests). */
const entry = compiled
  ? [join(repoRoot, 'dist', 'src', 'main.js')]
  : ['-r', join(repoRoot, 'test', 'support', 'ts-register.js'), join(repoRoot, 'src', 'main.ts')];

/**
 * The server as a process of its own (src/main, as `npm start` runs it), so a test can SIGKILL it and start it
 * again on the same port. Its log lines (JSON) are kept.
 */
export class ServerProcess {
  readonly logs: string[] = [];
  private process: ChildProcess | undefined;

  private inspectorUrl: string | undefined;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    /** Open the V8 inspector on a loopback port, so the test can ask for a garbage collection (`collectGarbage`). */
    private readonly inspect = false,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running (it has not exited). */
  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /**
   * Runs a full garbage collection in the server (through the V8 inspector; start with `inspect`), so that what is
   * measured next is memory the server holds, not garbage it has yet to collect.
   */
  async collectGarbage(): Promise<void> {
    if (!this.inspectorUrl) throw new Error('the server was not started with its inspector open');
    const socket = new WebSocket(this.inspectorUrl);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      for (let id = 1; id <= 2; id++) {
        const done = new Promise((resolve) =>
          socket.on('message', (data: Buffer) => JSON.parse(data.toString()).id === id && resolve(undefined)),
        );
        socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
        await done;
      }
    } finally {
      socket.close();
    }
  }

  /** The process's resident set size now, in bytes (Linux: VmRSS of /proc/<pid>/status). */
  rss(): number {
    const status = readFileSync(`/proc/${this.process!.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
  }

  /** Starts the process and resolves once it logs that it is listening (rejects if it exits first). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [...(this.inspect ? ['--inspect=127.0.0.1:0'] : []), ...entry], {
      cwd: repoRoot,
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    let buffered = '';
    const listening = new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          this.logs.push(line);
          this.inspectorUrl ??= /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
          if (line.includes('"msg":"chat server listening"')) resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) =>
        reject(new Error(`the server exited (${code}):\n${this.logs.slice(-20).join('\n')}`)),
      );
      // It logs the line at level info: a LOG_LEVEL above that, or a start that hangs, fails here.
      setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the server did not log "listening" in 120 s:\n${this.logs.slice(-20).join('\n')}`));
      }, 120_000).unref();
    });
    await listening;
  }

  /** SIGKILL: no drain, no goodbye, as when a host dies. */
  async kill(): Promise<void> {
    await signalAndWait(this.process, 'SIGKILL');
  }

  /** SIGTERM and wait: the clean stop a process manager asks for. */
  async stop(): Promise<void> {
    await signalAndWait(this.process, 'SIGTERM');
  }
}
