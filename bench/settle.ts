/**
 * Lets InnoDB write back what earlier scenarios wrote before a latency series starts.
 *
 * Scenario 1 leaves tens of thousands of rows' changes in the buffer pool and the redo log, and InnoDB writes them
 * back when the redo log nears full (with MariaDB's defaults, about 60-70 MB into its 96 MB). While it does, commits
 * wait: in runs of scenario 1 then 2, a quarter-second stall of every commit fell into the server's series and not
 * into the raw baselines run after it, which is the previous scenario's cost, not this one's latency. So before
 * each series the bench asks the page cleaner to flush everything (`innodb_max_dirty_pages_pct` 0, the setting put
 * back afterwards) and waits until nothing is dirty and the checkpoint has caught up.
 */
import type { Connection } from 'mysql2/promise';

export interface SettleReport {
  /** Modified pages in the buffer pool when it began. */
  dirtyPagesBefore: number;
  /** Redo log bytes written since the last checkpoint when it began. */
  checkpointAgeBefore: number;
  seconds: number;
  /** False when the server did not settle within the time limit, or refused the setting (no SUPER privilege). */
  settled: boolean;
}

/** Below this much redo since the checkpoint (1 MiB), the log is as good as empty. */
const SETTLED_CHECKPOINT_AGE = 1 << 20;

async function innoDbState(db: Connection): Promise<{ dirty: number; checkpointAge: number }> {
  const [rows] = (await db.query(
    "show global status where Variable_name in ('Innodb_buffer_pool_pages_dirty', 'Innodb_checkpoint_age')",
  )) as unknown as [{ Variable_name: string; Value: string }[]];
  const value = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? 0);
  return { dirty: value('Innodb_buffer_pool_pages_dirty'), checkpointAge: value('Innodb_checkpoint_age') };
}

/** A few pages the idle server instances may dirty meanwhile (their periodic reads and writes). */
const SETTLED_DIRTY_PAGES = 16;

/**
 * Flushes InnoDB's dirty pages and waits (at most `timeoutMs`) until (almost) none is left and the checkpoint has
 * caught up, then puts `innodb_max_dirty_pages_pct` and its low-water mark back as they were, also when the bench is
 * interrupted meanwhile. A server that will not settle, or refuses the setting (no SUPER privilege), is reported as
 * not settled and the series runs anyway; a failed query rejects.
 */
export async function settleInnoDb(db: Connection, timeoutMs = 120_000): Promise<SettleReport> {
  const started = Date.now();
  const before = await innoDbState(db);
  const report = (settled: boolean): SettleReport => ({
    dirtyPagesBefore: before.dirty,
    checkpointAgeBefore: before.checkpointAge,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    settled,
  });
  const [[saved]] = (await db.query(
    'select @@innodb_max_dirty_pages_pct as pct, @@innodb_max_dirty_pages_pct_lwm as lwm',
  )) as unknown as [{ pct: number | string; lwm: number | string }[]];
  const restore = () =>
    db.query(
      `set global innodb_max_dirty_pages_pct = ${Number(saved.pct)}, innodb_max_dirty_pages_pct_lwm = ${Number(saved.lwm)}`,
    );
  const onSignal = (signal: NodeJS.Signals) => void restore().finally(() => process.kill(process.pid, signal));
  try {
    await db.query('set global innodb_max_dirty_pages_pct_lwm = 0, innodb_max_dirty_pages_pct = 0');
  } catch {
    return report(false);
  }
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (;;) {
      const { dirty, checkpointAge } = await innoDbState(db);
      if (dirty <= SETTLED_DIRTY_PAGES && checkpointAge < SETTLED_CHECKPOINT_AGE) return report(true);
      if (Date.now() - started > timeoutMs) return report(false);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await restore().catch((error: unknown) => {
      const set = `set global innodb_max_dirty_pages_pct = ${Number(saved.pct)}, innodb_max_dirty_pages_pct_lwm = ${Number(saved.lwm)}`;
      process.stderr.write(`could not put InnoDB's flushing back (${String(error)}); run: ${set}\n`);
    });
  }
}
