import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Sends `signal` to a child that is still running and resolves once it has exited (at once if it had). */
export async function signalAndWait(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}
