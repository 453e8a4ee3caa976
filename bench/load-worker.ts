/**
 * A load generator in a process of its own (the server runs in another): it receives a job over IPC, runs it over
 * loopback, and answers with what it measured.
 */
import { performance } from 'node:perf_hooks';
import { createPool } from 'mysql2/promise';

export type Job =
  | { kind: 'send'; url: string; tokens: string[]; channelIds: string[]; concurrency: number; total: number }
  | { kind: 'raw-insert'; databaseUrl: string; channelIds: string[]; concurrency: number; total: number }
  | { kind: 'history'; url: string; token: string; channelId: string; before: string | null; rounds: number };

export interface Result {
  count: number;
  seconds: number;
  latenciesMs: number[];
}

async function send(job: Extract<Job, { kind: 'send' }>): Promise<Result> {
  let next = 0;
  const latenciesMs: number[] = [];
  const query = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }';
  const start = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, worker) => {
      for (let i = next++; i < job.total; i = next++) {
        const t = performance.now();
        const res = await fetch(`${job.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${job.tokens[i % job.tokens.length]}` },
          body: JSON.stringify({
            query,
            variables: {
              input: {
                channelId: job.channelIds[i % job.channelIds.length],
                body: `bench ${worker}/${i}`,
                clientMessageId: `b-${i}`,
              },
            },
          }),
        });
        const body = (await res.json()) as { errors?: unknown };
        if (body.errors) throw new Error(JSON.stringify(body.errors));
        latenciesMs.push(performance.now() - t);
      }
    }),
  );
  return { count: job.total, seconds: (performance.now() - start) / 1000, latenciesMs };
}

async function rawInsert(job: Extract<Job, { kind: 'raw-insert' }>): Promise<Result> {
  const pool = createPool({ uri: job.databaseUrl, connectionLimit: job.concurrency });
  let next = 0;
  const latenciesMs: number[] = [];
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        for (let i = next++; i < job.total; i = next++) {
          const t = performance.now();
          await pool.execute(
            'insert into bench_raw_messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at) values (uuid(), ?, ?, ?, ?, ?, ?, now(3))',
            [job.channelIds[i % job.channelIds.length], i, 'USER', `bench ${i}`, null, `b-${i}`],
          );
          latenciesMs.push(performance.now() - t);
        }
      }),
    );
  } finally {
    await pool.end();
  }
  return { count: job.total, seconds: (performance.now() - start) / 1000, latenciesMs };
}

async function history(job: Extract<Job, { kind: 'history' }>): Promise<Result> {
  const query = `query ($id: ID!, $before: String) { messages(channelId: $id, last: 50, before: $before) { edges { node { seq body } } } }`;
  const latenciesMs: number[] = [];
  const start = performance.now();
  for (let i = 0; i < job.rounds; i++) {
    const t = performance.now();
    const res = await fetch(`${job.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${job.token}` },
      body: JSON.stringify({ query, variables: { id: job.channelId, before: job.before } }),
    });
    const body = (await res.json()) as { data?: { messages: { edges: unknown[] } } };
    if (body.data?.messages.edges.length !== 50)
      throw new Error(`unexpected page: ${JSON.stringify(body).slice(0, 200)}`);
    latenciesMs.push(performance.now() - t);
  }
  return { count: job.rounds, seconds: (performance.now() - start) / 1000, latenciesMs };
}

process.on('message', (job: Job) => {
  const run = job.kind === 'send' ? send(job) : job.kind === 'raw-insert' ? rawInsert(job) : history(job);
  run.then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: unknown) => process.send!({ ok: false, error: String(error) }, () => process.exit(1)),
  );
});
