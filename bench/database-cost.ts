/**
 * What a phase of the bench cost the database server: its process's CPU time (when it runs on this machine) and the
 * InnoDB pages it had to read from disk because its buffer pool did not hold them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs one statement on the bench's database and resolves with its rows. */
export type Sql = (statement: string) => Promise<unknown[]>;

export interface DatabaseCost {
  /** CPU time of the database server's process, per unit of work, in ms; undefined when it is not on this machine. */
  cpuPerUnitMs: number | undefined;
  /** InnoDB pages read from disk (`Innodb_buffer_pool_reads`) per unit of work. */
  pageReadsPerUnit: number;
}

/** The local MariaDB or MySQL server's process id, or undefined (another host, or another database). */
function databasePid(): number | undefined {
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      return Number(execFileSync('pidof', ['-s', name], { encoding: 'utf8' }).trim());
    } catch {
      // not running under this name
    }
  }
  return undefined;
}

/** utime + stime of a process, in ms (Linux `/proc/{pid}/stat`, in clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function poolReads(sql: Sql): Promise<number> {
  const [row] = (await sql("show global status like 'Innodb_buffer_pool_reads'")) as { Value: string }[];
  return Number(row.Value);
}

/** Starts counting; the returned function ends it, for `units` units of work done in between. */
export async function databaseCost(sql: Sql): Promise<(units: number) => Promise<DatabaseCost>> {
  const pid = databasePid();
  const cpuStart = pid === undefined ? 0 : processCpuMs(pid);
  const readsStart = await poolReads(sql);
  return async (units) => ({
    cpuPerUnitMs: pid === undefined ? undefined : (processCpuMs(pid) - cpuStart) / units,
    pageReadsPerUnit: ((await poolReads(sql)) - readsStart) / units,
  });
}
