import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { signalAndWait } from './processes';

const root = join(__dirname, '..', '..');

/**
 * The server as a process of its own (src/main.ts, as `npm start` runs it), so a test can SIGKILL it and start it
 * again on the same port. Its log lines (JSON) are kept.
 */
export class ServerProcess {
  readonly logs: string[] = [];
  private process: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and resolves once it logs that it is listening (rejects if it exits first). */
  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      ['-r', join(root, 'test', 'support', 'ts-register.js'), join(root, 'src', 'main.ts')],
      {
        cwd: root,
        env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.process = child;
    let buffered = '';
    const listening = new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          this.logs.push(line);
          if (line.includes('"msg":"chat server listening"')) resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) =>
        reject(new Error(`the server exited (${code}):\n${this.logs.slice(-20).join('\n')}`)),
      );
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
