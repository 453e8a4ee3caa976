/** What the benches share: load processes (bench/load-worker.ts) started and awaited, fan-out rounds, statistics. */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Job, now, type Result } from './load-worker';

export type FanoutJob = Extract<Job, { kind: 'fanout-graphql' | 'fanout-mqtt' }>;

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export const median = (values: number[]) => percentile(values, 50);
/** This process's CPU time (user + system) since `start`, in microseconds. */
export const cpuMicros = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return used.user + used.system;
};

/** A long-lived worker holding subscribers; resolves once they are all open. */
export async function startFanoutWorker(job: FanoutJob) {
  const child = fork(join(__dirname, 'load-worker.js'));
  const received = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  child.on('message', (message: { type: string; key?: string; last?: number }) => {
    if (message.type !== 'all-received') return;
    received.set(message.key!, message.last!);
    waiters.get(message.key!)?.();
  });
  const opened = new Promise<void>((resolve) =>
    child.on('message', (message: { type: string }) => message.type === 'opened' && resolve()),
  );
  child.send(job);
  await opened;
  return {
    /** When the last of this worker's subscribers had `key` (epoch ms), or undefined after `timeoutMs`. */
    lastArrival: (key: string, timeoutMs: number) =>
      received.has(key)
        ? Promise.resolve(received.get(key))
        : new Promise<number | undefined>((resolve) => {
            const timer = setTimeout(() => resolve(undefined), timeoutMs);
            waiters.set(key, () => {
              clearTimeout(timer);
              resolve(received.get(key));
            });
          }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

/** The most fan-out subscribers one load process holds (and one loopback address connects). */
const SHARE = 10_000;

/**
 * How `count` fan-out subscribers are split over load processes: two from 2,000 on, so no one process is the bound,
 * and at most 10,000 each; each share comes from a loopback address of its own (127.0.0.2, .3, …), as one source
 * address holds at most ~28,000 connections to a port (the ephemeral port range).
 */
export const fanoutShares = (count: number) => {
  const processes = Math.max(count >= 2000 ? 2 : 1, Math.ceil(count / SHARE));
  return Array.from({ length: processes }, (_, i) => ({
    count: Math.floor(count / processes) + (i < count % processes ? 1 : 0),
    localAddress: `127.0.0.${2 + i}`,
  }));
};

/**
 * Fan-out: the subscribers of `jobs` (one load process each, all on one channel or topic, `count` in all) are opened;
 * a message is sent (a mutation, or a raw publish) and timed until the last subscriber has it; the median of 5
 * rounds, and the CPU time this process spent per message delivered over them. `afterOpen` runs once every subscriber
 * is live, before the rounds.
 *
 * @throws Error when the subscribers never all become live, or a round's message does not reach everyone in 60 s.
 */
export async function fanout(
  count: number,
  jobs: FanoutJob[],
  send: (key: string) => Promise<unknown>,
  afterOpen?: () => Promise<void>,
): Promise<{ medianMs: number; roundsMs: number[]; cpuPerDeliveryUs: number }> {
  const workers = await Promise.all(jobs.map((job) => startFanoutWorker(job)));
  try {
    // Subscriptions become live a moment after the sockets open: warm up until one message reaches everyone.
    for (let warm = 0; ; warm++) {
      const key = `warm-${count}-${warm}-${randomUUID()}`;
      await send(key);
      const arrivals = await Promise.all(workers.map((w) => w.lastArrival(key, 15_000)));
      if (arrivals.every((a) => a !== undefined)) break;
      if (warm > 20) throw new Error(`fan-out to ${count}: subscribers never all became live`);
    }
    await afterOpen?.();
    const roundsMs: number[] = [];
    // This process's CPU over the rounds: the server's (it runs here) and the sender's, per message delivered.
    const cpu = process.cpuUsage();
    for (let turn = 0; turn < 5; turn++) {
      const key = `round-${count}-${turn}-${randomUUID()}`;
      const t0 = now();
      await send(key);
      const arrivals = await Promise.all(workers.map((w) => w.lastArrival(key, 60_000)));
      if (arrivals.some((a) => a === undefined))
        throw new Error(`fan-out to ${count}: a message did not reach everyone`);
      roundsMs.push(Math.max(...(arrivals as number[])) - t0);
    }
    return {
      medianMs: round(median(roundsMs)),
      roundsMs: roundsMs.map((ms) => round(ms)),
      cpuPerDeliveryUs: round(cpuMicros(cpu) / (roundsMs.length * count), 2),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Runs one job in a load process of its own and resolves with its result. */
export async function runWorker(job: Job): Promise<Result> {
  const [result] = await runTogether([job]);
  return result;
}

/**
 * Runs jobs in load processes of their own at once and resolves with their results, in order. Jobs that wait for a
 * signal (`startOnSignal`) are told to go together, once every one of them is ready; `onGo` runs just before, so a
 * caller can measure from there.
 *
 * @throws Error (rejects) with the first job's failure.
 */
export function runTogether(jobs: Job[], onGo?: () => void | Promise<void>): Promise<Result[]> {
  const children = jobs.map(() => fork(join(__dirname, 'load-worker.js')));
  const waiting = jobs.filter((job) => job.kind === 'send' && job.startOnSignal).length;
  let ready = 0;
  const all = Promise.all(
    children.map(
      (child, i) =>
        new Promise<Result>((resolve, reject) => {
          child.on('message', (message: { type?: string; ok?: boolean; result?: Result; error?: string }) => {
            if (message.type === 'ready' && ++ready === waiting) {
              void Promise.resolve(onGo?.()).then(() => children.forEach((c) => c.send({ type: 'go' })), reject);
            } else if (message.ok === true) resolve(message.result!);
            else if (message.ok === false) reject(new Error(message.error));
          });
          child.once('error', reject);
          // A worker that dies without a word fails the run instead of leaving it waiting (one that answered
          // exits with 0 after its answer).
          child.once('exit', (code) => code !== 0 && reject(new Error(`a load worker exited (${code})`)));
          child.send(jobs[i]);
        }),
    ),
  );
  // One job failed: the others are stopped, not left running.
  all.catch(() => children.forEach((child) => child.kill()));
  return all;
}
